// Reading a trace file that grows while a run writes it (the CLI in a terminal): after the first read,
// only the complete lines appended since are parsed, so a long run is not re-parsed on every flush.
// vscode-free, so the unit tests run it directly.
import { open, readFile, stat } from 'node:fs/promises';
import { MAX_TRACE_FILE_BYTES, TraceFileError } from '../../core/report/load';
import { mergeLoads, parseTrace, sortRuns, type TraceRun } from '../../core/report/model';
import type { BadLine } from '../../protocol/messages';

export interface TraceFileRead {
  runs: TraceRun[];
  badLines: BadLine[];
  /** Bytes parsed so far, always ending at a line end (0: read the whole file next time). */
  bytes: number;
  /** Lines in those bytes, for the line numbers of bad lines found later. */
  lines: number;
  /** The file's identity: a replaced file is read from the start. */
  ino: number;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function readRange(file: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Reads `file`, or only what was appended since `previous` when the same file grew. A last line still
 * being written is left for the next read (a whole-file read reports it as cut off instead).
 */
export async function readTraceFile(file: string, previous?: TraceFileRead): Promise<TraceFileRead> {
  const st = await stat(file);
  if (st.size > MAX_TRACE_FILE_BYTES) {
    throw new TraceFileError(`${file} is ${Math.round(st.size / 1048576)} MB, more than the ${MAX_TRACE_FILE_BYTES / 1048576} MB a trace may have; split it or report on fewer sessions.`);
  }
  if (previous && previous.bytes > 0 && previous.ino === st.ino && st.size >= previous.bytes) {
    const added = await readRange(file, previous.bytes, st.size);
    const complete = added.lastIndexOf(10) + 1;
    if (complete === 0) return previous;
    const text = added.subarray(0, complete).toString('utf8');
    const load = parseTrace(text, file);
    const badLines = load.badLines.map((b) => ({ ...b, line: b.line + previous.lines }));
    const merged = mergeLoads([{ runs: previous.runs, badLines: previous.badLines }, { runs: load.runs, badLines }]);
    return { ...merged, bytes: previous.bytes + complete, lines: previous.lines + countLines(text), ino: st.ino };
  }
  const buffer = await readFile(file);
  const text = buffer.toString('utf8');
  const load = parseTrace(text, file);
  // A cut-off last line was reported as bad: read the whole file again once it is complete.
  const complete = buffer.length === 0 || buffer[buffer.length - 1] === 10;
  return { runs: sortRuns(load.runs), badLines: load.badLines, bytes: complete ? buffer.length : 0, lines: countLines(text), ino: st.ino };
}
