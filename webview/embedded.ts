// A report page's embedded runs (see src/core/report/embedded.ts): the first block is read at start,
// so the header and the first screen of the table paint from a small parse; the further blocks are
// parsed after that first frame, one per task so the page stays responsive, and their steps are
// handed over together, so the table and the filters are redrawn once, over every step.
import { WEBVIEW_DATA_ID } from '../src/protocol/messages';
import type { StepRecord } from '../src/protocol/trace';
import { chunkBlockId, type EmbeddedChunk, type EmbeddedReport } from '../src/core/report/embedded';

export type FirstBlock = { report: EmbeddedReport } | { error: string } | undefined;

/** The first block of the page, if it has one. */
export function readFirstBlock(): FirstBlock {
  const el = document.getElementById(WEBVIEW_DATA_ID);
  if (!el) return undefined;
  try {
    const parsed = JSON.parse(el.textContent ?? '') as EmbeddedReport;
    if (parsed && parsed.kind === 'mcp-harness-report' && Array.isArray(parsed.runs)) return { report: parsed };
    return { error: 'The embedded trace data is not an MCP Harness report.' };
  } catch (err) {
    return { error: `The embedded trace data could not be read (${(err as Error).message}). Export the report again.` };
  }
}

function readChunk(n: number): EmbeddedChunk {
  const el = document.getElementById(chunkBlockId(n));
  if (!el) throw new Error(`block ${n} is missing`);
  const chunk = JSON.parse(el.textContent ?? '') as EmbeddedChunk;
  if (!chunk || typeof chunk.sessionId !== 'string' || !Array.isArray(chunk.steps)) throw new Error(`block ${n} is not a block of steps`);
  // The parsed text is not needed again; dropping it lets the page free it.
  el.textContent = '';
  return chunk;
}

/**
 * After the next frame, parses blocks 1…count one per task and calls `deliver` once per run with all
 * its further steps, in trace order. A missing or broken block ends the load with `fail`.
 */
export function loadFurtherBlocks(count: number, deliver: (sessionId: string, steps: StepRecord[]) => void, fail: (message: string) => void): void {
  if (count <= 0) return;
  const steps = new Map<string, StepRecord[]>();
  let next = 1;
  const step = (): void => {
    try {
      const chunk = readChunk(next);
      const list = steps.get(chunk.sessionId) ?? [];
      for (const s of chunk.steps) list.push(s);
      steps.set(chunk.sessionId, list);
    } catch (err) {
      fail(`Some steps of this report could not be read (${(err as Error).message}); the table shows the steps read before it. Export the report again.`);
      for (const [id, list] of steps) deliver(id, list);
      return;
    }
    if (++next <= count) setTimeout(step, 0);
    else for (const [id, list] of steps) deliver(id, list);
  };
  // A frame first, so the first screen is painted before the rest is parsed.
  requestAnimationFrame(() => setTimeout(step, 0));
}
