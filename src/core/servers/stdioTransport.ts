// A stdio Transport (the SDK's public Transport interface) over a child process we spawn ourselves, so
// the connection layer owns the process: its pid, its exit code and signal, its stderr, and a size cap
// after which nothing more from a corrupt stream is trusted. The SDK's StdioClientTransport keeps its
// child private; reading that private field broke with every refactoring of the SDK.
import type { ChildProcess, spawn as spawnType } from 'node:child_process';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { formatBytes, LimitError, type ExitInfo } from './errors';
import { mcpSdk } from './sdk';

export interface StdioLaunch {
  command: string;
  args: string[];
  /** Added to the SDK's default inherited environment (PATH, HOME, ...). */
  env?: Record<string, string>;
  cwd?: string;
  maxMessageBytes: number;
  onStderr?: (text: string) => void;
}

/** A message larger than the maxMessageBytes limit: the stream cannot be resynchronised. */
export class MessageTooLargeError extends LimitError {
  constructor(maxMessageBytes: number) {
    super(`it sent a message larger than ${formatBytes(maxMessageBytes)} (the maxMessageBytes limit)`, { name: 'maxMessageBytes', value: maxMessageBytes });
  }
}

/**
 * More than maxMessageBytes written before the client was ready to read: everything written then is held (the
 * client has not started), so the held output gets the same cap as one message read later.
 */
export class EarlyOutputTooLargeError extends LimitError {
  constructor(maxMessageBytes: number) {
    super(`it wrote more than ${formatBytes(maxMessageBytes)} to stdout before the client had started (the maxMessageBytes limit)`, { name: 'maxMessageBytes', value: maxMessageBytes });
  }
}

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child?: ChildProcess;
  private spawning?: Promise<void>;
  private started = false;
  /** What the server wrote, and whether it closed, before start(): held for the client that start() serves. */
  private early?: { chunks: Buffer[]; bytes: number; closed: boolean } = { chunks: [], bytes: 0, closed: false };
  private readonly lines: LineBuffer;
  private readonly exitedPromise: Promise<void>;
  private resolveExited!: () => void;
  private closedPromise?: Promise<void>;
  private exitInfo?: ExitInfo;
  /** Set once a message (or the output held before start) broke the size cap; from then on nothing is delivered. */
  private corrupt?: MessageTooLargeError | EarlyOutputTooLargeError;

  constructor(private readonly launch: StdioLaunch) {
    this.lines = new LineBuffer(launch.maxMessageBytes);
    this.exitedPromise = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The exit code and signal once the process has exited (Node has reaped it). */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Resolves once the process has exited and been reaped (never, if it was never spawned). */
  get exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Why the stream was given up on, when it was (a message, or the output held before start(), over the size cap). */
  get failure(): MessageTooLargeError | EarlyOutputTooLargeError | undefined {
    return this.corrupt;
  }

  /**
   * Spawns the process; what it writes before start() is held for the client. The owner may start the server
   * first and build the client (the SDK takes ~100 ms of CPU to load) while it starts. Idempotent; start() calls it.
   */
  spawn(): Promise<void> {
    this.spawning ??= this.spawnChild();
    return this.spawning;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioProcessTransport already started.');
    this.started = true;
    try {
      await this.spawn();
    } catch (err) {
      // The client hears of a failed spawn as it did when start() spawned: onerror, then the rejection.
      this.onerror?.(err as Error);
      throw err;
    }
    const early = this.early!;
    this.early = undefined;
    if (this.corrupt) this.onerror?.(this.corrupt);
    for (const chunk of early.chunks) this.receive(chunk);
    if (early.closed) this.onclose?.();
  }

  private async spawnChild(): Promise<void> {
    // cross-spawn resolves Windows .cmd shims (npx) the way the SDK's own transport does.
    const spawn = require('cross-spawn') as typeof spawnType;
    const child = spawn(this.launch.command, this.launch.args, {
      env: { ...inheritedEnvironment(), ...this.launch.env },
      cwd: this.launch.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    this.child = child;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.closedPromise = closed;
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      this.resolveExited();
    });
    closed.then(() => (this.early ? (this.early.closed = true) : this.onclose?.()));
    child.stdin?.on('error', (err) => this.onerror?.(err));
    child.stdout?.on('error', (err) => this.onerror?.(err));
    child.stdout?.on('data', (chunk: Buffer) => (this.early ? this.hold(this.early, chunk) : this.receive(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => this.launch.onStderr?.(chunk.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => {
        // A spawn that failed never exits; nothing is left to wait for.
        if (child.pid === undefined) this.resolveExited();
        reject(err);
      });
    });
  }

  /** Output before start(), kept for the client up to the cap; past it the server is ended (start() reports why). */
  private hold(early: { chunks: Buffer[]; bytes: number }, chunk: Buffer): void {
    if (this.corrupt) return;
    early.bytes += chunk.length;
    if (early.bytes <= this.launch.maxMessageBytes) {
      early.chunks.push(chunk);
      return;
    }
    early.chunks = [];
    this.giveUp(new EarlyOutputTooLargeError(this.launch.maxMessageBytes));
  }

  private receive(chunk: Buffer): void {
    if (this.corrupt) return;
    if (!this.lines.append(chunk)) return this.tooLarge();
    const { deserializeMessage } = mcpSdk();
    for (let line = this.lines.next(); line !== undefined; line = this.lines.next()) {
      if (line === TOO_LONG) return this.tooLarge();
      let message: JSONRPCMessage;
      try {
        message = deserializeMessage(line);
      } catch (err) {
        // One line that is not JSON-RPC: reported, skipped; the rest of the stream is still good.
        this.onerror?.(err as Error);
        continue;
      }
      this.onmessage?.(message);
    }
  }

  private tooLarge(): void {
    const error = new MessageTooLargeError(this.launch.maxMessageBytes);
    this.giveUp(error);
    this.onerror?.(error);
  }

  private giveUp(error: MessageTooLargeError | EarlyOutputTooLargeError): void {
    this.corrupt = error;
    // Ending stdin alone is not enough for a busy server; the close that rejects pending calls comes with the exit.
    this.child?.kill('SIGTERM');
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return Promise.reject(new Error('Not connected'));
    return new Promise((resolve) => {
      if (stdin.write(mcpSdk().serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /**
   * Ends the server's stdin (a well-behaved server exits on that) and resolves once it has exited. Ending a server that ignores stdin is the owner's job (see stopProcessTree), since only
   * the owner knows the grace period and the children.
   */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || !this.closedPromise) {
      this.onclose?.();
      return;
    }
    try {
      child.stdin?.end();
    } catch {
      // Already closed.
    }
    // A grandchild holding the inherited stdout keeps the streams open after the server exited; the
    // owner ends such leftovers after this resolves.
    await Promise.race([this.closedPromise, this.exitedPromise]);
    this.lines.clear();
  }
}

/**
 * The environment a server inherits besides its own `env`: the SDK's DEFAULT_INHERITED_ENV_VARS (its
 * getDefaultEnvironment), kept here so a spawn does not wait for the SDK to load; a unit test compares the two.
 */
const INHERITED_ENV_VARS =
  process.platform === 'win32'
    ? ['APPDATA', 'COMSPEC', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'WINDIR']
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

export function inheritedEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = env[key];
    // Shell functions exported into the environment (`() {...}`) are not passed on, as in the SDK.
    if (value !== undefined && !value.startsWith('()')) out[key] = value;
  }
  return out;
}

/**
 * Splits a stream into lines, none longer than `maxBytes`. (The SDK's ReadBuffer drops lines that are not
 * JSON without a word; a server writing its logs to stdout should be told.) One chunk may hold many complete
 * lines: the cap is on each line, not on the chunk.
 */
class LineBuffer {
  private buffer?: Buffer;

  constructor(private readonly maxBytes: number) {}

  /** False when the line in progress would grow past the cap (nothing is held afterwards). */
  append(chunk: Buffer): boolean {
    const first = chunk.indexOf(0x0a);
    const growing = (this.buffer?.length ?? 0) + (first === -1 ? chunk.length : first);
    const tail = first === -1 ? 0 : chunk.length - chunk.lastIndexOf(0x0a) - 1;
    if (growing > this.maxBytes || tail > this.maxBytes) {
      this.buffer = undefined;
      return false;
    }
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    return true;
  }

  clear(): void {
    this.buffer = undefined;
  }

  /**
   * The next complete line without its line ending, undefined when there is none, or TOO_LONG for a line
   * over the cap inside a chunk (nothing is held afterwards). Blank lines are skipped.
   */
  next(): string | undefined | typeof TOO_LONG {
    while (this.buffer) {
      const end = this.buffer.indexOf(0x0a);
      if (end === -1) return undefined;
      if (end > this.maxBytes) {
        this.buffer = undefined;
        return TOO_LONG;
      }
      const line = this.buffer.toString('utf8', 0, end).replace(/\r$/, '');
      this.buffer = end + 1 < this.buffer.length ? this.buffer.subarray(end + 1) : undefined;
      if (line.trim()) return line;
    }
    return undefined;
  }
}

const TOO_LONG = Symbol('a line over the cap');
