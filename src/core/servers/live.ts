// One open connection to a server: the SDK client over its transport, and for a stdio server the
// process behind it. It knows how to list everything page by page and how to close itself, ending the
// whole process tree; what a close means for the server's state is the lifecycle's business.
import type { Client, Transport } from '@modelcontextprotocol/client';
import { describeExit, lastLine, LimitError, type ExitInfo } from './errors';
import { InFlightCalls } from './inFlight';
import { descendants, stopProcessTree } from './processTree';
import type { StdioProcessTransport } from './stdioTransport';
import type { NegotiatedProtocol } from './types';

export type LiveKind = 'stdio' | 'streamable-http' | 'sse';
export type ListKind = 'tools' | 'resources' | 'prompts';

const STDERR_TAIL_CHARS = 4096;

export class LiveConnection {
  /** Set when we close it on purpose: the close that follows is not a crash. */
  stopping = false;
  /** Set once the SDK reported the connection closed. */
  closed = false;
  /** The process tree as last seen, so children can be ended even after the parent died. */
  tree: number[] = [];
  /** A fault of the transport itself (a message over the size cap) that explains the close. */
  transportError?: Error;
  /** Calls running now, so a server's requests can be tied to the call that caused them. */
  readonly inFlight = new InFlightCalls();
  private stderr = '';

  constructor(
    readonly client: Client,
    readonly transport: Transport,
    readonly kind: LiveKind,
    private readonly stdio?: StdioProcessTransport,
  ) {}

  /** What the handshake (or the 2026 discovery) settled on. */
  protocol(): NegotiatedProtocol | undefined {
    const version = this.client.getNegotiatedProtocolVersion();
    const era = this.client.getProtocolEra();
    return version && era ? { version, era } : undefined;
  }

  get pid(): number | undefined {
    return this.stdio?.pid;
  }

  /** The Streamable HTTP session (Mcp-Session-Id) when the server keeps one. */
  get sessionId(): string | undefined {
    return this.transport.sessionId;
  }

  get exit(): ExitInfo | undefined {
    return this.stdio?.exit;
  }

  /** Keeps the last few KB of the server's stderr, for messages about its end. */
  addStderr(text: string): void {
    this.stderr = (this.stderr + text).slice(-STDERR_TAIL_CHARS);
  }

  get stderrTail(): string {
    return this.stderr;
  }

  lastStderrLine(): string | undefined {
    return lastLine(this.stderr);
  }

  /** Why the connection ended, as a clause: "the process exited with code 3". */
  describeEnd(): string {
    return this.transportError ? this.transportError.message : describeExit(this.exit);
  }

  /** Remembers the current process tree (the server may start its children after the handshake). */
  snapshotTree(): void {
    if (this.pid) this.tree = [this.pid, ...descendants(this.pid)];
  }

  /** Closes the client; for a stdio server, ends the whole process tree if it does not exit on its own. */
  async close(graceMs: number): Promise<void> {
    this.stopping = true;
    const pid = this.pid;
    // The tree is read before stdin is closed, while every child still has its parent.
    const ending = pid ? stopProcessTree({ pid, known: this.tree, graceMs, reaped: this.stdio!.exited }) : undefined;
    const closing = this.client.close().catch(() => {});
    await ending;
    await closing;
  }

  /** Follows nextCursor until the list ends; refuses cursors that repeat or never end. */
  allPages(kind: ListKind, timeoutMs: number, maxPages: number): Promise<unknown[]> {
    const method = kind === 'tools' ? 'tools/list' : kind === 'resources' ? 'resources/list' : 'prompts/list';
    return allPages(maxPages, async (cursor) => {
      // One request per page (the SDK's own walk would stop quietly on a repeating cursor).
      const result = await this.client.request({ method, params: cursor === undefined ? {} : { cursor } }, { timeout: timeoutMs });
      return { items: (result as Record<string, unknown>)[kind] as unknown[], nextCursor: result.nextCursor };
    }, kind);
  }
}

/** Follows nextCursor until the list ends; refuses cursors that repeat or never end (the maxListPages limit). */
export async function allPages<T>(
  maxPages: number,
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
  what = 'list',
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === undefined) return items;
    if (seen.has(cursor)) throw new Error(`the server returned the same ${what}/list cursor twice`);
    seen.add(cursor);
  }
  throw new LimitError(`its ${what}/list did not end after ${maxPages} pages (the maxListPages limit)`, { name: 'maxListPages', value: maxPages });
}
