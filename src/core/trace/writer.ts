// Append-only JSONL traces: a `session` header line, one `step` line per finished step, an `end` line.
// Steps are buffered for one event-loop turn only (setImmediate) and then written with one synchronous
// append, so a guarded call never waits for the disk and a crash loses at most the current turn; a
// process 'exit' hook writes whatever is still buffered.
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEnd, SessionHeader, StepRecord } from '../../protocol/trace';
import { NextTurnBatch } from '../util/nextTurn';

export const HARNESS_DIR = '.mcp-harness';
export const TRACES_SUBDIR = 'traces';

/** `<workspace>/.mcp-harness/traces`, creating `.mcp-harness/.gitignore` (ignoring `traces/`) on the way. */
export function defaultTraceDir(workspace: string): string {
  const harness = join(workspace, HARNESS_DIR);
  const dir = join(harness, TRACES_SUBDIR);
  mkdirSync(dir, { recursive: true });
  const ignore = join(harness, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, `# MCP Harness: traces may hold redacted tool output; keep them out of git.\n${TRACES_SUBDIR}/\n`);
  return dir;
}

export function traceFileName(header: Pick<SessionHeader, 'name' | 'started_at' | 'session_id'>): string {
  const stamp = header.started_at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const slug = header.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'session';
  return `${stamp}-${slug}-${header.session_id.slice(0, 8)}.jsonl`;
}

export class TraceWriter {
  private fd: number | undefined;
  /** Steps of the current event-loop turn, written with one append at its end (and at process exit). */
  private readonly batch = new NextTurnBatch<StepRecord>((records) => this.write(records));
  private readonly hooks: (() => void)[] = [];
  readonly file: string;

  private constructor(file: string) {
    this.file = file;
  }

  /** Opens a new trace file in `dir` and writes the header line at once. */
  static open(dir: string, header: SessionHeader): TraceWriter {
    mkdirSync(dir, { recursive: true });
    const writer = new TraceWriter(join(dir, traceFileName(header)));
    writer.fd = openSync(writer.file, 'a', 0o600);
    writeSync(writer.fd, JSON.stringify(header) + '\n');
    return writer;
  }

  onBeforeFlush(hook: () => void): void {
    this.hooks.push(hook);
  }

  writeStep(record: StepRecord): void {
    if (this.fd === undefined) return;
    this.batch.push(record);
  }

  /** Writes every buffered step now. */
  flush(): void {
    this.batch.drain();
  }

  private write(records: StepRecord[]): void {
    if (this.fd === undefined) return;
    for (const hook of this.hooks) hook();
    let text = '';
    for (const r of records) text += JSON.stringify(r) + '\n';
    writeSync(this.fd, text);
  }

  /** Writes the end line and closes the file. */
  close(end: SessionEnd): void {
    if (this.fd === undefined) return;
    this.batch.dispose();
    writeSync(this.fd, JSON.stringify(end) + '\n');
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes without an end line (the reader reports the run as unfinished). */
  abandon(): void {
    if (this.fd === undefined) return;
    this.batch.dispose();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
