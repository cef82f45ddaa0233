import * as assert from 'node:assert/strict';
import { overallScore, suiteScore, SEVERITY_COST } from '../../../src/core/lab/score';
import { conformanceScore, notApplicable } from '../../../src/core/lab/conformance';
import { htmlReport, markdownSummary, grade } from '../../../src/core/lab/report';
import type { LabFinding, LabResult } from '../../../src/core/lab/types';

const f = (severity: LabFinding['severity'], kind = 'props.crash'): LabFinding => ({ suite: 'props', kind, severity, message: `<${severity}> & "quoted"`, tool: 't' });

describe('lab: score and reports', () => {
  it('a suite loses the cost of each finding, never below 0', () => {
    assert.equal(suiteScore([]), 100);
    assert.equal(suiteScore([f('critical'), f('major'), f('minor'), f('info')]), 100 - SEVERITY_COST.critical - SEVERITY_COST.major - SEVERITY_COST.minor);
    assert.equal(suiteScore([f('critical'), f('critical'), f('critical')]), 0);
  });

  it('the overall score is the weighted mean of the suites that ran', () => {
    assert.equal(overallScore([{ ran: true, score: 60, weight: 0.5 }, { ran: true, score: 100, weight: 0.25 }, { ran: false, score: 0, weight: 0.25 }]), 73);
    assert.equal(overallScore([{ ran: false, score: 0, weight: 1 }]), 0);
  });

  it('conformance scores the share of applicable scenarios that passed; a missing fixture is not applicable', () => {
    const sc = (scenario: string, failed: number, failures: string[] = []) => ({ scenario, passed: failed ? 0 : 1, failed, warnings: 0, failures });
    const missing = sc('prompts-get-simple', 1, ['PromptsGetSimple: Failed: MCP error -32602: Prompt test_simple_prompt not found']);
    const broken = sc('ping', 1, ['Ping: no answer']);
    assert.equal(notApplicable(missing), true);
    assert.equal(notApplicable(broken), false);
    assert.equal(conformanceScore([sc('tools-list', 0), sc('server-initialize', 0), broken, missing]), 67);
    assert.equal(conformanceScore([missing]), 0);
  });

  const result: LabResult = {
    version: 1, server: 'srv<x>', seed: 5, started_at: '2026-01-01T00:00:00.000Z', duration_ms: 1234, score: 45,
    suites: [
      { suite: 'props', ran: true, score: 45, weight: 0.5, findings: [f('critical'), f('major', 'props.hang'), f('info', 'props.unsupported_keywords')], stats: {} },
      { suite: 'bench', ran: true, score: 100, weight: 0.25, findings: [], stats: { noisy: true, levels: [{ concurrency: 1, calls: 10, errors: 0, error_rate: 0, calls_per_s: 100, latency_ms: { p50: 1, p95: 2, p99: 3, max: 4, mean: 1.5 }, distribution: [[1, 6], [2, 4]] }] } },
      { suite: 'faults', ran: false, skipped: 'only stdio', score: 0, weight: 0.25, findings: [], stats: {} },
    ],
    findings: [f('critical'), f('major', 'props.hang'), f('info', 'props.unsupported_keywords')],
    machine: { cores: 2, loadavg: [1, 1, 1], node: 'v20', platform: 'linux-x64' }, trace_files: ['/t/a.jsonl'],
  };

  it('the Markdown summary has the score, the suites and the findings above info', () => {
    const md = markdownSummary(result);
    assert.match(md, /scores \*\*45\/100\*\* \(D\)/);
    assert.match(md, /\| faults \| skipped: only stdio \|/);
    assert.match(md, /\*\*critical\*\* `props.crash`/);
    assert.ok(!md.includes('props.unsupported_keywords'));
    assert.equal(grade(95), 'A');
  });

  it('the HTML report card is self-contained, escaped, with the breakdown and the latency chart', () => {
    const html = htmlReport(result);
    assert.ok(!/<script|https?:\/\//.test(html));
    assert.match(html, /srv&#60;x&#62;/);
    assert.ok(!html.includes('<critical>'));
    assert.match(html, /Score by suite<\/h2><svg/);
    assert.match(html, /Latency distribution at concurrency 1<\/h4><svg/);
    assert.match(html, /machine was busy/);
  });
});
