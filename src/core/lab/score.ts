// The reliability score (documented in the README's "Reliability lab" section):
//   suite score = max(0, 100 − Σ cost(finding.severity)) with costs critical 40, major 15, minor 5, info 0,
//                 except conformance: 100 × passed / applicable scenarios (conformance.ts);
//   overall     = round(Σ weight × suite score / Σ weight) over the suites that ran;
//   weights     props 0.5, faults 0.25, bench 0.25, conformance 0.25. No suite ran → 0.
import type { LabFinding, Severity, SuiteName, SuiteResult } from './types';

export const SEVERITY_COST: Record<Severity, number> = { critical: 40, major: 15, minor: 5, info: 0 };
export const SUITE_WEIGHT: Record<SuiteName, number> = { props: 0.5, faults: 0.25, bench: 0.25, conformance: 0.25 };

export function suiteScore(findings: LabFinding[]): number {
  return Math.max(0, 100 - findings.reduce((sum, f) => sum + SEVERITY_COST[f.severity], 0));
}

export function overallScore(suites: Pick<SuiteResult, 'ran' | 'score' | 'weight'>[]): number {
  const ran = suites.filter((s) => s.ran);
  const weight = ran.reduce((sum, s) => sum + s.weight, 0);
  if (!weight) return 0;
  return Math.round(ran.reduce((sum, s) => sum + s.weight * s.score, 0) / weight);
}
