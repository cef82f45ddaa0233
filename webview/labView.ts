// The Lab tab: the reliability lab's results of this window — the score and grade, a chart of the score by
// suite, the benchmark's latency distribution, and the findings, worst first — with "Save report card…".
import { grade } from '../src/core/lab/report';
import { labResultKey, type LabResultSnapshot } from '../src/protocol/messages';
import { clear, fmtMs, h } from './dom';
import { latencyHistogram, scoreBreakdown } from './labCharts';

type Finding = LabResultSnapshot['findings'][number];
interface BenchLevel {
  concurrency: number;
  calls: number;
  calls_per_s: number;
  error_rate: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  distribution: [number, number][];
}

const SEVERITIES: Finding['severity'][] = ['critical', 'major', 'minor', 'info'];

export interface LabViewOptions {
  /** Present when the host can save report cards. */
  save?(key: string): Promise<{ path?: string; cancelled?: boolean }>;
  notify(message: string, level: 'info' | 'error'): void;
}

export class LabView {
  readonly el = h('div', { class: 'mh-lab', 'aria-label': 'Reliability lab results' });
  private results: LabResultSnapshot[] = [];
  private shownKey: string | undefined;

  constructor(private readonly opts: LabViewOptions) {
    this.render();
  }

  get count(): number {
    return this.results.length;
  }

  /** Replaces the results (an init); keeps showing the same one when it is still there. */
  setResults(results: LabResultSnapshot[]): void {
    this.results = [];
    for (const r of results) this.upsert(r);
    if (!this.results.some((r) => labResultKey(r) === this.shownKey)) this.shownKey = undefined;
    this.render();
  }

  /** A new result: shown at once. */
  add(result: LabResultSnapshot): void {
    this.upsert(result);
    this.shownKey = labResultKey(result);
    this.render();
  }

  private upsert(result: LabResultSnapshot): void {
    const key = labResultKey(result);
    this.results = [...this.results.filter((r) => labResultKey(r) !== key), result];
  }

  private shown(): LabResultSnapshot | undefined {
    return this.results.find((r) => labResultKey(r) === this.shownKey) ?? this.results.at(-1);
  }

  render(): void {
    clear(this.el);
    const r = this.shown();
    if (!r) {
      this.el.append(h('p', { class: 'mh-muted' }, 'No reliability lab has run in this window. Run "MCP: Test Server Reliability…" to score a server.'));
      return;
    }
    this.el.append(this.header(r), h('h2', { class: 'mh-h2' }, 'Score by suite'), scoreBreakdown(r.suites) as unknown as Node);
    const skipped = r.suites.filter((s) => !s.ran);
    if (skipped.length) this.el.append(h('ul', { class: 'mh-lab-skips mh-muted' }, ...skipped.map((s) => h('li', null, `${s.suite} skipped: ${s.skipped ?? ''}`))));
    const bench = r.suites.find((s) => s.suite === 'bench' && s.ran);
    if (bench) this.el.append(...this.benchSection(bench.stats));
    const conformance = r.suites.find((s) => s.suite === 'conformance' && s.ran);
    if (conformance) this.el.append(...conformanceSection(conformance.stats));
    this.el.append(h('h2', { class: 'mh-h2' }, `Findings (${r.findings.length})`), this.findings(r.findings));
    if (r.trace_files.length) this.el.append(h('p', { class: 'mh-muted' }, `Every probe is a step of these traces (the Steps tab lists their runs): ${r.trace_files.length} file(s).`));
  }

  private header(r: LabResultSnapshot): HTMLElement {
    const head = h(
      'div',
      { class: 'mh-lab-head' },
      h('span', { class: 'mh-lab-score', 'data-score': r.score }, String(r.score)),
      h('span', { class: 'mh-lab-grade' }, `/100 · ${grade(r.score)}`),
      h('strong', null, r.server),
      h('span', { class: 'mh-muted' }, `seed ${r.seed} · ${(r.duration_ms / 1000).toFixed(1)} s · ${r.machine.cores} cores, load ${r.machine.loadavg.join(' ')}`),
      r.cancelled ? h('span', { class: 'mh-lab-cancelled', title: 'Suites not started are skipped; the one under way scored what it had done.' }, 'cancelled — partial result') : null,
      r.cut_short && !r.cancelled ? h('span', { class: 'mh-lab-cancelled mh-lab-cut-short', title: 'The budget ended first: suites not started are skipped; the one it stopped scored what it had done.' }, 'cut short by the budget — partial result') : null,
    );
    if (this.results.length > 1) {
      const select = h('select', { class: 'mh-lab-pick', 'aria-label': 'Lab result' }, ...[...this.results].reverse().map((x) => h('option', { value: labResultKey(x), ...(x === r ? { selected: true } : {}) }, `${x.server} — ${x.score}/100${x.cancelled ? ' (cancelled)' : x.cut_short ? ' (cut short)' : ''} — ${new Date(x.started_at).toLocaleTimeString()}`)));
      select.addEventListener('change', () => {
        this.shownKey = select.value;
        this.render();
      });
      head.append(select);
    }
    const save = this.opts.save;
    if (save) {
      const button = h('vscode-button', { class: 'mh-lab-save', secondary: true }, 'Save report card…');
      button.addEventListener('click', () => {
        save(labResultKey(r)).then(
          (out) => out.path && this.opts.notify(`Report card saved to ${out.path}.`, 'info'),
          (err: Error) => this.opts.notify(err.message, 'error'),
        );
      });
      head.append(button);
    }
    return head;
  }

  private benchSection(stats: Record<string, unknown>): Node[] {
    const levels = (stats.levels ?? []) as BenchLevel[];
    if (!levels.length) return [];
    const first = levels[0];
    const rows = levels.map((l) => h('tr', { 'data-concurrency': l.concurrency }, ...[l.concurrency, l.calls, l.calls_per_s, fmtMs(l.latency_ms.p50), fmtMs(l.latency_ms.p95), fmtMs(l.latency_ms.p99), fmtMs(l.latency_ms.max), `${(l.error_rate * 100).toFixed(1)} %`].map((v) => h('td', { class: 'mh-num' }, String(v)))));
    return [
      h('h2', { class: 'mh-h2' }, `Latency distribution (${String(stats.tool ?? '')}, concurrency ${first.concurrency}; calls per bucket, upper bound in ms)`),
      latencyHistogram(first.distribution, `Latency distribution at concurrency ${first.concurrency}: p50 ${first.latency_ms.p50} ms, p99 ${first.latency_ms.p99} ms`) as unknown as Node,
      stats.noisy ? h('p', { class: 'mh-lab-noisy' }, 'The machine was busy during this run: compare these figures with care.') : null,
      h('table', { class: 'mh-table mh-lab-levels', 'aria-label': 'Benchmark per concurrency level' }, h('thead', null, h('tr', null, ...['Concurrency', 'Calls', 'Calls/s', 'p50', 'p95', 'p99', 'Max', 'Errors'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, ...rows)),
    ].filter((n): n is HTMLElement => !!n);
  }

  private findings(findings: Finding[]): HTMLElement {
    if (!findings.length) return h('p', { class: 'mh-muted' }, 'No findings.');
    const sorted = [...findings].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    return h(
      'ul',
      { class: 'mh-lab-findings' },
      ...sorted.map((f) =>
        h('li', { 'data-kind': f.kind, 'data-severity': f.severity }, h('span', { class: `mh-lab-sev mh-lab-sev-${f.severity}` }, f.severity), h('code', null, f.kind), f.tool ? ` (${f.tool})` : '', h('div', null, f.message)),
      ),
    );
  }
}

interface ConformanceRow {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  failures: string[];
}

/** The official suite's scenarios: checks passed/failed per scenario, the first failure, and those left out. */
function conformanceSection(stats: Record<string, unknown>): Node[] {
  const scenarios = (stats.scenarios ?? []) as ConformanceRow[];
  const skipped = (stats.skipped ?? []) as { scenario: string; reason: string }[];
  const rows = scenarios.map((s) =>
    h('tr', { 'data-scenario': s.scenario, 'data-outcome': s.failed ? 'failed' : 'passed' }, h('td', null, h('code', null, s.scenario)), ...[s.passed, s.failed, s.warnings].map((v) => h('td', { class: 'mh-num' }, String(v))), h('td', null, s.failures[0] ?? '')),
  );
  const nodes: Node[] = [
    h('h2', { class: 'mh-h2' }, `Conformance scenarios (${String(stats.passed ?? 0)} of ${String(stats.applicable ?? 0)} applicable passed)`),
    h('table', { class: 'mh-table mh-lab-conformance', 'aria-label': 'Conformance scenarios' }, h('thead', null, h('tr', null, ...['Scenario', 'Passed', 'Failed', 'Warnings', 'First failure'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, ...rows)),
  ];
  if (skipped.length) nodes.push(h('p', { class: 'mh-lab-conformance-skipped mh-muted' }, `Not run (${skipped[0].reason}): ${skipped.map((s) => s.scenario).join(', ')}.`));
  return nodes;
}
