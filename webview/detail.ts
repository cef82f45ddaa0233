// The step detail pane: identity, guard chain, findings, payloads (collapsible, copyable), logs.
import type { StageResult, StepRecord } from '../src/protocol/trace';
import { ContentView, richContent } from './content';
import { DECISION_LABELS, clear, decisionBadge, fmtCost, fmtInt, fmtMs, fmtTime, h, prettyJson } from './dom';

export interface DetailEvents {
  onSelect(stepId: string): void;
  onCopy(text: string, what: string): void;
  /** Whether the host can open a resource (a saved HTML report cannot). */
  canOpenResource?(): boolean;
  onOpenResource?(server: string, uri: string): void;
}

const STAGE_LABELS: Record<string, string> = {
  preflight: 'Preflight',
  schema: 'Input schema',
  policy: 'Policy',
  execute: 'Execute',
  guardrails: 'Output guardrails',
  record: 'Record',
};

function stageBadge(decision: StageResult['decision']): HTMLElement {
  if (decision === 'pass') return h('span', { class: 'mh-dec mh-dec-pass', 'data-decision': 'pass' }, 'Pass');
  if (decision === 'skipped') return h('span', { class: 'mh-dec mh-dec-skipped', 'data-decision': 'skipped' }, 'Skipped');
  return decisionBadge(decision);
}

function kv(rows: [string, Node | string | null | undefined][]): HTMLElement {
  const dl = h('dl', { class: 'mh-kv' });
  for (const [k, v] of rows) {
    if (v === null || v === undefined || v === '') continue;
    dl.append(h('dt', null, k), h('dd', null, v));
  }
  return dl;
}

export class StepDetail {
  readonly el: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly content: HTMLElement;

  constructor(private readonly events: DetailEvents) {
    this.heading = h('h2', { class: 'mh-detail-title', tabindex: -1, id: 'mh-detail-title' }, 'Step detail');
    this.content = h('div', { class: 'mh-detail-body' });
    this.el = h('aside', { class: 'mh-detail', role: 'region', 'aria-labelledby': 'mh-detail-title' }, this.heading, this.content);
    this.show(undefined, []);
  }

  /** Moves keyboard focus into the pane (Enter on a row). */
  focus(): void {
    this.heading.focus();
  }

  show(step: StepRecord | undefined, all: StepRecord[]): void {
    clear(this.content);
    if (!step) {
      this.heading.textContent = 'Step detail';
      this.content.append(h('p', { class: 'mh-muted' }, 'Select a step in the table or the timeline to see what each guard decided.'));
      return;
    }
    this.heading.textContent = `${step.server ? step.server + '/' : ''}${step.tool}`;
    const parent = step.parent_id ? all.find((s) => s.step_id === step.parent_id) : undefined;
    // A code step's tool calls, or what a server asked the client (sampling, elicitation) during a step's call.
    const children = all.filter((s) => s.parent_id === step.step_id);
    const link = (s: StepRecord, label: string): HTMLElement => {
      const b = h('button', { type: 'button', class: 'mh-link' }, label);
      b.addEventListener('click', () => this.events.onSelect(s.step_id));
      return b;
    };

    const flags = h('div', { class: 'mh-detail-flags' }, decisionBadge(step.decision));
    if (step.reused) flags.append(h('span', { class: 'mh-chip mh-chip-reused', title: 'The result came from the session\'s de-duplication cache' }, '♻ Reused from cache'));
    if (step.kind === 'code') flags.append(h('span', { class: 'mh-chip' }, 'Code step'));
    if (step.expectation) flags.append(h('span', { class: `mh-chip ${step.expectation.passed ? 'mh-chip-ok' : 'mh-chip-bad'}` }, step.expectation.passed ? 'Expectation held' : 'Expectation failed'));
    this.content.append(flags);

    this.content.append(
      kv([
        ['Step', step.step_id],
        ['Role', step.role],
        ['Channel', step.channel.replace(/_/g, ' ')],
        ['Kind', step.kind],
        ['Server', step.server || '—'],
        ['Started', fmtTime(step.started_at)],
        ['Latency', fmtMs(step.latency_ms)],
        ['Tokens', `${fmtInt(step.tokens_in)} in / ${fmtInt(step.tokens_out)} out`],
        ['Cost', fmtCost(step.cost_est)],
        ['Tokens raw → returned', step.kind === 'code' && step.tokens_raw !== undefined ? `${fmtInt(step.tokens_raw)} → ${fmtInt(step.tokens_returned ?? 0)} (saved ${fmtInt(Math.max(0, step.tokens_raw - (step.tokens_returned ?? 0)))})` : undefined],
        ['Parent', parent ? link(parent, `${parent.tool} (${parent.step_id})`) : step.parent_id],
      ]),
    );

    if (step.error) this.content.append(h('div', { class: 'mh-error', role: 'alert' }, h('strong', null, 'Error: '), step.error));
    if (step.model_turn?.reasoning) {
      this.content.append(this.section('Reasoning summary (redacted)', h('p', { class: 'mh-reasoning' }, step.model_turn.reasoning), true));
    }
    if (step.reasons.length) {
      this.content.append(this.section('Reasons', h('ul', { class: 'mh-reasons' }, ...step.reasons.map((r) => h('li', null, r))), true));
    }

    // Guard chain.
    const chain = h('ol', { class: 'mh-chain', 'aria-label': 'Guard chain' });
    for (const st of step.stages) {
      const li = h(
        'li',
        { class: `mh-stage mh-stage-${st.decision}`, 'data-stage': st.stage },
        h('div', { class: 'mh-stage-head' }, h('span', { class: 'mh-stage-name' }, STAGE_LABELS[st.stage] ?? st.stage), stageBadge(st.decision), st.duration_ms !== undefined ? h('span', { class: 'mh-muted' }, fmtMs(st.duration_ms)) : null),
      );
      if (st.rule) li.append(h('div', { class: 'mh-stage-rule' }, 'Rule: ', h('code', null, st.rule)));
      if (st.reasons.length) li.append(h('ul', { class: 'mh-reasons' }, ...st.reasons.map((r) => h('li', null, r))));
      if (st.errors?.length) {
        li.append(
          h('table', { class: 'mh-schema-errors', 'aria-label': 'Schema errors' }, h('thead', null, h('tr', null, h('th', null, 'Path'), h('th', null, 'Problem'))), h('tbody', null, ...st.errors.map((e) => h('tr', null, h('td', null, h('code', null, e.path || '$')), h('td', null, e.message))))),
        );
      }
      chain.append(li);
    }
    this.content.append(this.section(`Guard chain (${step.stages.length} stages)`, step.stages.length ? chain : h('p', { class: 'mh-muted' }, 'No guard stages were recorded for this step.'), true));

    // Findings: kind and where only — the trace never has the values.
    if (step.findings.length) {
      const table = h(
        'table',
        { class: 'mh-findings', 'aria-label': 'Guardrail findings' },
        h('thead', null, h('tr', null, h('th', null, 'Kind'), h('th', null, 'Where'), h('th', null, 'Stage'), h('th', null, 'Severity'), h('th', null, 'Message'))),
        h('tbody', null, ...step.findings.map((f) => h('tr', { 'data-kind': f.kind }, h('td', null, h('code', null, f.kind)), h('td', null, h('code', null, f.path ?? '—')), h('td', null, STAGE_LABELS[f.stage] ?? f.stage), h('td', null, h('span', { class: `mh-sev mh-sev-${f.severity}` }, f.severity)), h('td', null, f.message)))),
      );
      this.content.append(this.section(`Findings (${step.findings.length})`, table, true));
    }

    if (children.length) {
      const list = h('ul', { class: 'mh-children' }, ...children.map((c) => h('li', null, link(c, `${c.server ? c.server + '/' : ''}${c.tool}`), ' ', decisionBadge(c.decision), h('span', { class: 'mh-muted' }, ` ${fmtMs(c.latency_ms)}`))));
      const title = step.kind === 'code' ? `Tool calls made by the code (${children.length})` : `Requests from the server during this step (${children.length})`;
      this.content.append(this.section(title, list, true));
    }

    if (step.args !== undefined) this.content.append(this.jsonSection('Arguments (redacted)', step.args, 'arguments', true));
    const items = richContent(step.output);
    if (items) {
      const { canOpenResource, onOpenResource } = this.events;
      const view = new ContentView(onOpenResource && canOpenResource?.() ? { onOpenResource } : {}, step.server || undefined);
      this.content.append(this.section(`Result content (${items.length} item${items.length === 1 ? '' : 's'})`, view.render(items), true));
    }
    if (step.output !== undefined) this.content.append(this.jsonSection('Output (redacted)', step.output, 'output', step.output !== null && JSON.stringify(step.output).length < 4000));
    if (step.logs?.length) {
      this.content.append(this.section(`Logs (${step.logs.length})`, h('pre', { class: 'mh-json mh-logs' }, step.logs.map((l) => `[${l.level}] ${l.text}`).join('\n')), false));
    }
    if (step.expectation && !step.expectation.passed) {
      this.content.append(this.section('Expectation failures', h('ul', { class: 'mh-reasons' }, ...step.expectation.failures.map((f) => h('li', null, f))), true));
    }
  }

  private section(title: string, body: Node, open: boolean, actions?: Node): HTMLElement {
    const c = h('vscode-collapsible', { title, class: 'mh-section', ...(open ? { open: true } : {}) });
    if (actions) {
      (actions as HTMLElement).setAttribute('slot', 'actions');
      c.append(actions);
    }
    c.append(h('div', { class: 'mh-section-body' }, body));
    return c;
  }

  private jsonSection(title: string, value: unknown, what: string, open: boolean): HTMLElement {
    const { text, truncated, full } = prettyJson(value);
    const pre = h('pre', { class: 'mh-json', tabindex: 0, 'aria-label': title }, text);
    const copy = h('vscode-button', { secondary: true, class: 'mh-copy', title: `Copy the ${what} as JSON`, 'aria-label': `Copy ${what}` }, 'Copy');
    copy.addEventListener('click', (e) => {
      e.stopPropagation();
      this.events.onCopy(full, what);
    });
    const body = h('div', null, pre, truncated ? h('p', { class: 'mh-muted' }, `Showing the first ${fmtInt(text.length)} of ${fmtInt(full.length)} characters; Copy takes all of it.`) : null);
    return this.section(title, body, open, copy);
  }
}

export { DECISION_LABELS };
