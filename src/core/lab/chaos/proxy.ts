// The fault-injection proxy for stdio servers: it runs the target's command as its child and sits between
// the client's stdin/stdout and the child's, relaying each JSON-RPC message through the toxics.
// The child's stderr passes through untouched. When either side ends, the other is ended too.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { countsTowardDisconnect } from './decide';
import { LineRelay, type RelayCounters } from './relay';
import type { Toxics } from './toxics';
import { stopProcessTree } from '../../servers/processTree';

export interface ProxyTarget {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** How the server's output is read under slow-read: this many bytes, then a pause. */
export const SLOW_READ_BYTES = 256;
export const SLOW_READ_PAUSE_MS = 20;
/** After the client closed: how long the server may take to exit on its own before it is stopped. */
export const CLIENT_CLOSE_GRACE_MS = 2000;

export interface ProxyEnd {
  reason: 'client_closed' | 'server_exited' | 'disconnect_toxic' | 'spawn_failed';
  exitCode?: number | null;
  toServer: RelayCounters;
  toClient: RelayCounters;
}

export class ChaosProxy {
  private child?: ChildProcess;
  /** Resolves once Node has reaped the target. */
  private reaped?: Promise<void>;
  private seen = 0;
  private clientClosed = false;
  private ended?: ProxyEnd;
  private readonly done: Promise<ProxyEnd>;
  private resolveDone!: (end: ProxyEnd) => void;
  readonly toServer: LineRelay;
  readonly toClient: LineRelay;

  constructor(
    private readonly toxics: Toxics,
    seed: number,
    private readonly client: { input: Readable; output: Writable; stderr: Writable },
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    // disconnect-after counts the requests and answers after the handshake (see countsTowardDisconnect).
    const admit = (line: string): boolean => {
      if (!this.toxics.disconnectAfter || !countsTowardDisconnect(line) || ++this.seen <= this.toxics.disconnectAfter) return true;
      this.finish('disconnect_toxic');
      return false;
    };
    this.toServer = new LineRelay(toxics, seed, 'to_server', (line) => this.child?.stdin?.write(line), admit);
    this.toClient = new LineRelay(toxics, seed, 'to_client', (line) => client.output.write(line), admit);
  }

  /** Starts the target and relays until one side ends; resolves with why and what the toxics did. */
  run(target: ProxyTarget): Promise<ProxyEnd> {
    const child = spawn(target.command, target.args, { env: target.env, cwd: target.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.reaped = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('error', (err) => {
      this.client.stderr.write(`mcp-harness chaos: could not start the target: ${err.message}\n`);
      this.finish('spawn_failed');
    });
    // The server's last answers may still wait out their latency: they go out before the proxy ends.
    child.on('exit', (code) => this.toClient.whenDrained(() => this.finish(this.clientClosed ? 'client_closed' : 'server_exited', code)));
    child.stdin!.on('error', () => {
      // The child went away mid-write; its exit event says why.
    });
    child.stderr!.on('data', (chunk: Buffer) => this.client.stderr.write(chunk));
    if (this.toxics.slowRead) this.readSlowly(child.stdout!);
    else child.stdout!.on('data', (chunk: Buffer) => this.toClient.push(chunk.toString('utf8')));
    this.client.input.on('data', (chunk: Buffer) => this.toServer.push(chunk.toString('utf8')));
    // The client is done: what it sent still goes out (after its latency), then the server's stdin closes
    // and it gets a grace period to answer and exit on its own.
    this.client.input.on('end', () => {
      this.clientClosed = true;
      this.toServer.whenDrained(() => {
        child.stdin?.end();
        setTimeout(() => this.finish('client_closed'), CLIENT_CLOSE_GRACE_MS).unref();
      });
    });
    return this.done;
  }

  private readSlowly(stream: Readable): void {
    const pump = (): void => {
      if (this.ended) return;
      const chunk = stream.read(SLOW_READ_BYTES) ?? stream.read();
      if (chunk) {
        this.toClient.push((chunk as Buffer).toString('utf8'));
        setTimeout(pump, SLOW_READ_PAUSE_MS);
      } else stream.once('readable', pump);
    };
    stream.once('readable', pump);
  }

  private finish(reason: ProxyEnd['reason'], exitCode?: number | null): void {
    if (this.ended) return;
    this.ended = { reason, ...(exitCode !== undefined ? { exitCode } : {}), toServer: this.toServer.counters, toClient: this.toClient.counters };
    this.toServer.stop();
    this.toClient.stop();
    const ended = this.ended;
    const child = this.child;
    if (!child?.pid) {
      this.resolveDone(ended);
      return;
    }
    child.stdin?.end();
    // The target and everything it started end before the proxy reports: TERM, then KILL after a second (a
    // target that ignores TERM, or its own children, would otherwise outlive the CLI).
    void stopProcessTree({ pid: child.pid, known: [], graceMs: 0, reaped: this.reaped })
      .catch(() => undefined)
      .finally(() => this.resolveDone(ended));
  }
}
