// The shape of a report page's embedded data, shared by the writer (html.ts) and the page
// (webview/embedded.ts). The runs are embedded in chunks: the first block holds every run's header
// and end and the first screen of its steps, so the page paints after parsing a small block; further
// blocks hold the rest of the steps, which the page parses after its first paint.
import { WEBVIEW_DATA_ID, type BadLine } from '../../protocol/messages';
import type { TraceRun } from './model';

/** The first block: what the webview reads at start instead of waiting for a host. */
export interface EmbeddedReport {
  kind: 'mcp-harness-report';
  title: string;
  generatedAt: string;
  /** Every run, with the first FIRST_SCREEN_STEPS of its steps. */
  runs: TraceRun[];
  badLines: BadLine[];
  /** How many further blocks (ids `${WEBVIEW_DATA_ID}-1` …) hold the rest of the steps. */
  chunks: number;
}

/** A further block of steps of one run, in trace order. */
export interface EmbeddedChunk {
  sessionId: string;
  steps: TraceRun['steps'];
}

/** Steps of each run in the first block: more than a screen of the table holds. */
export const FIRST_SCREEN_STEPS = 200;
/** Steps per further block: small enough that parsing one never holds the page up for long. */
export const CHUNK_STEPS = 2000;

/** The id of the n-th further block (n from 1). */
export function chunkBlockId(n: number): string {
  return `${WEBVIEW_DATA_ID}-${n}`;
}

