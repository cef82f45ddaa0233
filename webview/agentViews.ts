// The agent parts of the trace explorer: a per-turn token bar over the timeline (each model turn's input and
// output tokens), and, when the run is one side of an A/B comparison, both runs side by side.
import { agentPairOf, agentRunFigures, modelTurnTokens, type AgentRunFigures, type ModelTurnTokens } from '../src/core/agent/pair';
import type { TraceRun } from '../src/core/report/model';
import { clear, fmtCost, fmtInt, fmtMs, h } from './dom';

export interface AgentViewEvents {
  onSelectStep(stepId: string): void;
  onPickRun(runId: string, stepId?: string): void;
}

/** One bar per model turn; `scale` is the token count of a full-width bar (shared by both sides of an A/B view). */
export function tokenBar(turns: ModelTurnTokens[], scale: number, onSelect: (stepId: string) => void, selectedId?: string): HTMLElement {
  const list = h('ol', { class: 'mh-token-turns', 'aria-label': 'Model tokens per turn' });
  for (const t of turns) {
    const label = `Turn ${t.turn}: ${fmtInt(t.tokensIn)} input tokens, ${fmtInt(t.tokensOut)} output tokens, ${t.toolCalls} tool call${t.toolCalls === 1 ? '' : 's'}${t.reasoning ? ', with a reasoning summary' : ''}`;
    const inBar = h('span', { class: 'mh-tok-in' });
    const outBar = h('span', { class: 'mh-tok-out' });
    inBar.style.width = `${pct(t.tokensIn, scale)}%`;
    outBar.style.width = `${pct(t.tokensOut, scale)}%`;
    const button = h(
      'button',
      { type: 'button', class: `mh-token-turn${t.stepId === selectedId ? ' mh-selected' : ''}`, 'data-step-id': t.stepId, 'data-tokens-in': t.tokensIn, 'data-tokens-out': t.tokensOut, title: label, 'aria-label': label },
      h('span', { class: 'mh-tok-label' }, `T${t.turn}${t.reasoning ? ' ✦' : ''}`),
      h('span', { class: 'mh-tok-track' }, inBar, outBar),
      h('span', { class: 'mh-tok-num' }, `${fmtInt(t.tokensIn)} / ${fmtInt(t.tokensOut)}`),
    );
    button.addEventListener('click', () => onSelect(t.stepId));
    list.append(h('li', null, button));
  }
  return list;
}

function pct(n: number, scale: number): number {
  return scale > 0 ? Math.max(n > 0 ? 0.5 : 0, Math.min(100, (n / scale) * 100)) : 0;
}

function legend(): HTMLElement {
  return h('span', { class: 'mh-tok-legend' }, h('span', { class: 'mh-tok-key mh-tok-in' }), 'input', h('span', { class: 'mh-tok-key mh-tok-out' }), 'output');
}

const FIGURES: [string, string, (f: AgentRunFigures) => string][] = [
  ['outcome', 'Outcome', (f) => f.status ?? 'running'],
  ['turns', 'Turns', (f) => fmtInt(f.turns)],
  ['tokens-in', 'Tokens in', (f) => fmtInt(f.tokensIn)],
  ['tokens-out', 'Tokens out', (f) => fmtInt(f.tokensOut)],
  ['cost', 'Cost', (f) => fmtCost(f.cost)],
  ['wall', 'Wall time', (f) => (f.wallMs === undefined ? '—' : fmtMs(f.wallMs))],
  ['tool-calls', 'Tool calls', (f) => fmtInt(f.toolCalls)],
  ['denied', 'Denied', (f) => fmtInt(f.denied)],
];

/** The token bar of the run shown, and the A/B view when it has a partner run. */
export class AgentPane {
  readonly el = h('div', { class: 'mh-agent' });

  constructor(private readonly events: AgentViewEvents) {}

  render(run: TraceRun | undefined, runs: readonly TraceRun[], selectedId: string | undefined): void {
    clear(this.el);
    const turns = run ? modelTurnTokens(run) : [];
    this.el.hidden = !turns.length;
    if (!run || !turns.length) return;
    const pair = agentPairOf(run, runs);
    if (pair) {
      this.el.append(this.abView(pair.direct, pair.code, run.id, selectedId));
      return;
    }
    const scale = Math.max(...turns.map((t) => t.tokensIn + t.tokensOut));
    this.el.append(
      h('section', { class: 'mh-token-bar', 'aria-label': 'Model tokens per turn' }, h('div', { class: 'mh-agent-head' }, h('strong', null, 'Model tokens per turn'), legend()), tokenBar(turns, scale, (id) => this.events.onSelectStep(id), selectedId)),
    );
  }

  private abView(direct: TraceRun, code: TraceRun, shownId: string, selectedId: string | undefined): HTMLElement {
    const sides = [direct, code].map((r) => ({ run: r, figures: agentRunFigures(r)!, turns: modelTurnTokens(r) }));
    const scale = Math.max(...sides.flatMap((s) => s.turns.map((t) => t.tokensIn + t.tokensOut)));
    const [d, c] = sides.map((s) => s.figures);
    const saved = d.tokensIn > 0 ? (1 - c.tokensIn / d.tokensIn) * 100 : 0;
    const columns = sides.map(({ run, figures, turns }) => {
      const shown = run.id === shownId;
      const open = h('vscode-button', { secondary: true, class: 'mh-ab-open', ...(shown ? { disabled: true } : {}) }, shown ? 'Shown below' : 'Show this run');
      open.addEventListener('click', () => this.events.onPickRun(run.id));
      const table = h(
        'table',
        { class: 'mh-ab-figures', 'aria-label': `${figures.mode} mode figures` },
        h('tbody', null, ...FIGURES.map(([key, label, value]) => h('tr', { 'data-key': key }, h('th', { scope: 'row' }, label), h('td', null, value(figures))))),
      );
      const pick = shown ? (id: string) => this.events.onSelectStep(id) : (id: string) => this.events.onPickRun(run.id, id);
      return h(
        'div',
        { class: `mh-ab-col${shown ? ' mh-ab-shown' : ''}`, 'data-mode': figures.mode, 'data-run-id': run.id },
        h('div', { class: 'mh-agent-head' }, h('strong', null, `${figures.mode === 'direct' ? 'Direct' : 'Code'} mode`), open),
        table,
        tokenBar(turns, scale, pick, shown ? selectedId : undefined),
      );
    });
    return h(
      'section',
      { class: 'mh-ab', 'aria-label': 'A/B: direct vs code mode' },
      h('div', { class: 'mh-agent-head' }, h('strong', null, 'A/B: direct vs code mode'), h('span', { class: 'mh-ab-saved' }, `Code mode read ${saved.toFixed(1)} % fewer input tokens`), legend()),
      h('div', { class: 'mh-ab-cols' }, ...columns),
    );
  }
}
