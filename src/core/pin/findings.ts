// Pending pin changes as lint findings (rule `pin-changed`), so the extension shows "tool changed since
// pinned" through the same diagnostics path as every other finding.
import { applySeverities, type LintFinding, type LintOptions } from '../lint/linter';
import { ruleInfo } from '../lint/rules';
import { describeChange, type PinStore } from './store';

export function pinFindings(store: PinStore, server?: string, options: Pick<LintOptions, 'rules'> = {}): LintFinding[] {
  const findings: LintFinding[] = store.pendingChanges(server).map(({ server: s, change, rejected }) => ({
    server: s,
    tool: change.tool,
    rule: 'pin-changed',
    severity: ruleInfo('pin-changed').defaultSeverity,
    path: '',
    message: rejected ? `${describeChange(change).replace(/; review.*$/, '')}; you rejected this change, so the tool stays denied in hard_gate mode` : describeChange(change),
  }));
  return applySeverities(findings, options.rules);
}
