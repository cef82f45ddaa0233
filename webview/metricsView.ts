// The Metrics tab: per tool (count, p50/p95, error rate, tokens, cost, latency sparkline) and,
// with several runs loaded, the same rolled up per session.
import { sessionMetrics, toolMetrics } from '../src/core/report/metrics';
import type { TraceRun } from '../src/core/report/model';
import { bar, decisionBar, sparkline } from './charts';
import { clear, fmtCost, fmtInt, fmtMs, fmtPct, h } from './dom';

export class MetricsView {
  readonly el: HTMLElement;
  constructor(private readonly onPickRun: (id: string) => void) {
    this.el = h('div', { class: 'mh-metrics' });
  }

  render(run: TraceRun | undefined, runs: TraceRun[]): void {
    clear(this.el);
    if (!run) {
      this.el.append(h('p', { class: 'mh-muted' }, 'No run selected.'));
      return;
    }
    const m = sessionMetrics(run);
    const tools = toolMetrics(run.steps);
    this.el.append(
      h('h2', { class: 'mh-h2' }, 'This run'),
      h(
        'div',
        { class: 'mh-cards' },
        card('Steps', fmtInt(m.steps), m.childSteps ? `${m.childSteps} made by code` : undefined),
        m.logs ? card('Server logs', fmtInt(m.logs), 'not steps') : null,
        card('Errors', fmtInt(m.errors), fmtPct(m.errorRate)),
        card('Latency p50', fmtMs(m.p50)),
        card('Latency p95', fmtMs(m.p95)),
        card('Tokens', `${fmtInt(m.tokensIn)} / ${fmtInt(m.tokensOut)}`, 'in / out'),
        card('Saved by code mode', fmtInt(m.tokensSaved), 'tokens'),
        card('Cost', fmtCost(m.cost), 'estimate'),
      ),
      decisionBar(m.decisions, 360),
    );
    const maxCount = Math.max(...tools.map((t) => t.count), 1);
    const maxP95 = Math.max(...tools.map((t) => (Number.isFinite(t.p95) ? t.p95 : 0)), 1);
    const body = h('tbody');
    for (const t of tools) {
      body.append(
        h(
          'tr',
          { 'data-tool': t.key },
          h('th', { scope: 'row' }, h('code', null, t.key)),
          h('td', { class: 'mh-num' }, h('span', { class: 'mh-with-bar' }, bar(t.count, maxCount, `${t.count} calls`) as unknown as Node, fmtInt(t.count))),
          h('td', { class: 'mh-num' }, fmtMs(t.p50)),
          h('td', { class: 'mh-num' }, h('span', { class: 'mh-with-bar' }, bar(t.p95, maxP95, `p95 ${fmtMs(t.p95)}`, 'mh-bar-latency') as unknown as Node, fmtMs(t.p95))),
          h('td', { class: 'mh-num' + (t.errors ? ' mh-bad' : '') }, `${fmtPct(t.errorRate)} (${t.errors})`),
          h('td', { class: 'mh-num' }, fmtInt(t.denied)),
          h('td', { class: 'mh-num' }, `${fmtInt(t.tokensIn)} / ${fmtInt(t.tokensOut)}`),
          h('td', { class: 'mh-num' }, fmtCost(t.cost)),
          h('td', null, sparkline(t.latencies, `latency of ${t.key} over the run`) as unknown as Node),
        ),
      );
    }
    this.el.append(
      h('h2', { class: 'mh-h2' }, 'Per tool'),
      h(
        'table',
        { class: 'mh-table mh-tool-metrics', 'aria-label': 'Metrics per tool' },
        h('thead', null, h('tr', null, ...['Tool', 'Calls', 'p50', 'p95', 'Error rate', 'Denied', 'Tokens in / out', 'Cost', 'Latency over run'].map((c) => h('th', { scope: 'col' }, c)))),
        body,
      ),
    );
    if (runs.length > 1) {
      const all = runs.map((r) => sessionMetrics(r));
      const maxSteps = Math.max(...all.map((s) => s.steps), 1);
      const rb = h('tbody');
      for (const s of all) {
        const pick = h('button', { type: 'button', class: 'mh-link' }, s.name);
        pick.addEventListener('click', () => this.onPickRun(s.id));
        rb.append(
          h(
            'tr',
            { 'data-session': s.id, class: s.id === run.id ? 'mh-current' : '' },
            h('th', { scope: 'row' }, pick),
            h('td', null, h('span', { class: `mh-status mh-status-${s.status}` }, s.status)),
            h('td', { class: 'mh-num' }, h('span', { class: 'mh-with-bar' }, bar(s.steps, maxSteps, `${s.steps} steps`) as unknown as Node, fmtInt(s.steps))),
            h('td', { class: 'mh-num' }, fmtPct(s.errorRate)),
            h('td', { class: 'mh-num' }, fmtMs(s.p50)),
            h('td', { class: 'mh-num' }, fmtMs(s.p95)),
            h('td', { class: 'mh-num' }, `${fmtInt(s.tokensIn)} / ${fmtInt(s.tokensOut)}`),
            h('td', { class: 'mh-num' }, fmtInt(s.tokensSaved)),
            h('td', { class: 'mh-num' }, fmtCost(s.cost)),
            h('td', null, decisionBar(s.decisions, 120)),
          ),
        );
      }
      this.el.append(
        h('h2', { class: 'mh-h2' }, `All runs (${runs.length})`),
        h(
          'table',
          { class: 'mh-table mh-session-metrics', 'aria-label': 'Metrics per session' },
          h('thead', null, h('tr', null, ...['Session', 'Status', 'Steps', 'Error rate', 'p50', 'p95', 'Tokens in / out', 'Saved', 'Cost', 'Decisions'].map((c) => h('th', { scope: 'col' }, c)))),
          rb,
        ),
      );
    }
  }
}

function card(label: string, value: string, sub?: string): HTMLElement {
  return h('div', { class: 'mh-card' }, h('div', { class: 'mh-card-label' }, label), h('div', { class: 'mh-card-value' }, value), sub ? h('div', { class: 'mh-card-sub' }, sub) : null);
}
