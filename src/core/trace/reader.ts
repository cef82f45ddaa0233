// Reads a JSONL trace back: every line parsed and checked for its `type`; lines that are not valid
// (a crash mid-write, a hand edit) are reported with their 1-based line number instead of failing the file.
import { readFileSync } from 'node:fs';
import type { SessionEnd, SessionHeader, StepRecord, TraceLine } from '../../protocol/trace';

export interface BadLine {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface ParsedTrace {
  lines: TraceLine[];
  header?: SessionHeader;
  steps: StepRecord[];
  end?: SessionEnd;
  badLines: BadLine[];
}

export function parseTrace(text: string): ParsedTrace {
  const out: ParsedTrace = { lines: [], steps: [], badLines: [] };
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i].trim();
    if (!raw) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      out.badLines.push({ line: i + 1, message: `not valid JSON (${(err as Error).message})${i === rows.length - 1 ? '; the run may have stopped while writing it' : ''}` });
      continue;
    }
    const type = (value as { type?: unknown })?.type;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      out.badLines.push({ line: i + 1, message: 'not a JSON object' });
    } else if (type === 'session') {
      if (out.header) out.badLines.push({ line: i + 1, message: 'a second session header; only the first is used' });
      else out.header = value as SessionHeader;
      out.lines.push(value as SessionHeader);
    } else if (type === 'step') {
      const s = value as StepRecord;
      if (typeof s.step_id !== 'string' || typeof s.decision !== 'string') {
        out.badLines.push({ line: i + 1, message: 'a step line without step_id or decision' });
        continue;
      }
      out.steps.push(s);
      out.lines.push(s);
    } else if (type === 'end') {
      out.end = value as SessionEnd;
      out.lines.push(value as SessionEnd);
    } else {
      out.badLines.push({ line: i + 1, message: `unknown line type ${JSON.stringify(type)}` });
    }
  }
  if (!out.header && !out.badLines.length && out.lines.length) out.badLines.push({ line: 1, message: 'the trace has no session header line' });
  return out;
}

export function readTrace(path: string): ParsedTrace {
  return parseTrace(readFileSync(path, 'utf8'));
}
