// Reading trace files from disk (node only; the parsing itself is in model.ts).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { mergeLoads, parseTrace, sortRuns, type TraceLoad } from './model';

/** Trace files above this size are refused with a message instead of exhausting memory. */
export const MAX_TRACE_FILE_BYTES = 512 * 1024 * 1024;

export class TraceFileError extends Error {}

export async function loadTraceFile(path: string): Promise<TraceLoad> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new TraceFileError(`${path} is not a file; pass the path of a trace .jsonl file.`);
    size = st.size;
  } catch (err) {
    if (err instanceof TraceFileError) throw err;
    throw new TraceFileError(`cannot read trace file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}. Check the path.`);
  }
  if (size > MAX_TRACE_FILE_BYTES) {
    throw new TraceFileError(`${path} is ${Math.round(size / 1048576)} MB, more than the ${MAX_TRACE_FILE_BYTES / 1048576} MB a trace may have; split it or report on fewer sessions.`);
  }
  const load = parseTrace(await readFile(path, 'utf8'), path);
  return { runs: sortRuns(load.runs), badLines: load.badLines };
}

/**
 * Loads trace text, or a trace file when given a path (a string without a newline that names an
 * existing file). Malformed lines never throw: they come back in `badLines`.
 */
export async function loadTrace(textOrPath: string): Promise<TraceLoad> {
  if (!textOrPath.includes('\n') && !textOrPath.trimStart().startsWith('{') && existsSync(textOrPath)) {
    return loadTraceFile(textOrPath);
  }
  const load = parseTrace(textOrPath);
  return { runs: sortRuns(load.runs), badLines: load.badLines };
}

export async function loadTraceFiles(paths: string[]): Promise<TraceLoad> {
  const loads: TraceLoad[] = [];
  for (const p of paths) loads.push(await loadTraceFile(p));
  return mergeLoads(loads);
}
