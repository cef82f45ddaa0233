// The A/B report: the same goal run in direct and in code mode, side by side — as JSON (a report section)
// and as a Markdown table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { maskedGoal } from './runner';
import type { AgentRunResult } from './types';

export interface ModeFigures {
  mode: string;
  outcome: string;
  stop_reason?: string;
  turns: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  wall_ms: number;
  tool_calls: number;
  denied: number;
  trace_file?: string;
}

export interface AgentComparison {
  section: 'agent-comparison';
  goal: string;
  model: string;
  runs: ModeFigures[];
  /** Code mode's model input tokens as a share saved against direct mode (0.97 = 97 % fewer). */
  input_tokens_saved: number;
}

export function figuresOf(r: AgentRunResult): ModeFigures {
  return {
    mode: r.mode,
    outcome: r.outcome,
    ...(r.stopReason ? { stop_reason: r.stopReason } : {}),
    turns: r.turns,
    tokens_in: r.tokensIn,
    tokens_out: r.tokensOut,
    cost_usd: r.costUsd,
    wall_ms: r.wallMs,
    tool_calls: r.toolCalls,
    denied: r.denied,
    ...(r.session.trace_file ? { trace_file: r.session.trace_file } : {}),
  };
}

/** The goal is stored masked: the report is a file anyone may be sent. */
export function compareRuns(goal: string, direct: AgentRunResult, code: AgentRunResult): AgentComparison {
  return {
    section: 'agent-comparison',
    goal: maskedGoal(goal),
    model: direct.model,
    runs: [figuresOf(direct), figuresOf(code)],
    input_tokens_saved: direct.tokensIn > 0 ? Math.round((1 - code.tokensIn / direct.tokensIn) * 10000) / 10000 : 0,
  };
}

export function comparisonMarkdown(c: AgentComparison): string {
  const [a, b] = c.runs;
  const row = (label: string, f: (m: ModeFigures) => string) => `| ${label} | ${f(a)} | ${f(b)} |`;
  return [
    `### Agent: direct vs code mode`,
    '',
    `Goal: ${c.goal.replace(/\|/g, '\\|').replace(/\n/g, ' ')}  `,
    `Model: ${c.model}`,
    '',
    '| | direct | code |',
    '| --- | ---: | ---: |',
    row('Outcome', (m) => (m.stop_reason ? `${m.outcome} (${m.stop_reason})` : m.outcome)),
    row('Turns', (m) => String(m.turns)),
    row('Tokens in', (m) => String(m.tokens_in)),
    row('Tokens out', (m) => String(m.tokens_out)),
    row('Cost (USD)', (m) => m.cost_usd.toFixed(6)),
    row('Wall time (ms)', (m) => String(m.wall_ms)),
    row('Tool calls', (m) => String(m.tool_calls)),
    row('Denied', (m) => String(m.denied)),
    '',
    `Code mode read ${(c.input_tokens_saved * 100).toFixed(1)} % fewer input tokens than direct mode.`,
    '',
  ].join('\n');
}

/** Writes the comparison as `base`.json (the report section) and `base`.md; returns both paths. */
export function writeComparisonFiles(c: AgentComparison, base: string): string[] {
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.json`, JSON.stringify(c, null, 2) + '\n');
  writeFileSync(`${base}.md`, comparisonMarkdown(c));
  return [`${base}.json`, `${base}.md`];
}

/** Where a comparison goes when the user names no file: next to the traces, stamped with the time. */
export function comparisonBase(dir: string, now = new Date()): string {
  return join(dir, `agent-comparison-${now.toISOString().replace(/[:.]/g, '-')}`);
}
