// When a server may start and what its state says while it does: refusals (bad definition, missing
// inputs, disabled, untrusted workspace, no consent), the circuit breaker and reconnect backoff, one
// shared start for concurrent callers, stops that end starts in flight (at whichever wait they are), and crashes.
import { findNeedsSignIn, type NeedsSignInError } from '../auth/errors';
import type { Logger } from '../types';
import { describeStartError, formatMs, LimitError, messageOf, ServerError, withHint, type ServerErrorFacts, type ServerErrorHint } from './errors';
import { FailedStart, type Launcher } from './launcher';
import type { LiveConnection } from './live';
import type { ServerLists } from './lists';
import { isAlive, signalAll } from './processTree';
import type { Managed, ServerRegistry } from './registry';
import { isMcpError } from './sdk';
import { delay, StartStopped, untilAborted } from './startAbort';
import type { SpawnConsent } from './types';

export interface LifecycleOptions {
  logger: Logger;
  consent?: SpawnConsent;
  isTrusted?: () => boolean;
  startTimeoutMs: number;
  stopGraceMs: number;
  hint?: ServerErrorHint;
}

/** 'auto': a call needs the server (waits out the backoff, skips disabled servers); 'manual': the user asked. */
export type StartMode = 'auto' | 'manual';

export class Lifecycle<H> {
  private disposed = false;

  constructor(
    private readonly registry: ServerRegistry<H>,
    private readonly launcher: Launcher,
    private readonly lists: ServerLists<H>,
    private readonly options: LifecycleOptions,
  ) {}

  /** From now on every start is refused. */
  shutDown(): void {
    this.disposed = true;
  }

  /** The running connection, or a start (shared with every concurrent caller). */
  async live(m: Managed<H>, mode: StartMode): Promise<LiveConnection> {
    if (m.live && !m.live.closed) return m.live;
    if (m.starting) return m.starting;
    const abort = new AbortController();
    const starting = this.start(m, mode, m.generation, abort.signal);
    m.starting = starting;
    m.startAbort = abort;
    try {
      return await starting;
    } finally {
      if (m.starting === starting) {
        m.starting = undefined;
        m.startAbort = undefined;
      }
    }
  }

  private async start(m: Managed<H>, mode: StartMode, generation: number, signal: AbortSignal): Promise<LiveConnection> {
    const def = m.definition;
    await this.admit(m, mode, signal);
    if (signal.aborted) throw this.stoppedDuringStart(m);
    this.registry.setState(m, {
      status: 'starting',
      error: undefined,
      signIn: undefined,
      tools: this.registry.cachedTools(def) ?? m.state.tools,
      toolsFromCache: this.registry.cachedTools(def) ? true : undefined,
    });
    const started = Date.now();
    let live: LiveConnection;
    try {
      live = await this.launcher.connect(
        def,
        {
          closed: (l) => this.onClosed(m, l),
          listChanged: (l, kind) => void this.lists.refresh(m, l, kind),
        },
        signal,
      );
    } catch (err) {
      if (m.generation !== generation) throw this.stoppedDuringStart(m);
      throw this.startFailed(m, err);
    }
    if (m.generation !== generation) {
      await live.close(0);
      throw this.stoppedDuringStart(m);
    }
    try {
      await untilAborted(this.lists.load(m, live), signal);
    } catch (err) {
      // A stopped start is ended at once (its server may be stuck); a failed one gets the grace of a stop.
      await live.close(signal.aborted ? 0 : this.options.stopGraceMs);
      if (m.generation !== generation) throw this.stoppedDuringStart(m);
      const needs = findNeedsSignIn(err);
      if (needs) throw this.needsSignIn(m, needs, 'start_failed');
      const message = `${def.name} started but listing its tools failed: ${messageOf(err)}. Check the server's output.`;
      this.fail(m, message);
      throw new ServerError(m.state.error ?? message, 'start_failed', def.id, err, limitFacts(err));
    }
    // Only now does the close handler treat an exit as a crash of the running server.
    m.live = live;
    live.snapshotTree();
    m.breaker.recordSuccess();
    m.lastFailure = undefined;
    const version = live.client.getServerVersion();
    this.registry.setState(m, {
      status: 'running',
      error: undefined,
      signIn: undefined,
      pid: live.pid,
      serverInfo: version ? { name: version.name, version: version.version } : undefined,
      instructions: live.client.getInstructions(),
      transportUsed: live.kind,
      protocol: live.protocol(),
      mcpSessionId: live.sessionId,
    });
    const protocol = live.protocol()?.version;
    this.options.logger.info(`${def.name} is running (${live.kind}${protocol ? `, MCP ${protocol}` : ''}${live.pid ? `, pid ${live.pid}` : ''}) after ${Date.now() - started} ms.`);
    return live;
  }

  /** Everything that must hold before anything is spawned; throws the refusal, with its state set. */
  private async admit(m: Managed<H>, mode: StartMode, signal: AbortSignal): Promise<void> {
    const def = m.definition;
    if (this.disposed) throw new ServerError(`${def.name} cannot start: MCP Harness is shutting down.`, 'not_allowed', def.id);
    this.checkDefinition(m, mode);
    if (m.breaker.isOpen) {
      this.refuse(m, m.breaker.describeOpen(def.name) + (m.lastFailure ? ` Last error: ${m.lastFailure}` : ''), 'circuit_open');
    }
    if (mode === 'auto') {
      const wait = m.breaker.backoffRemainingMs();
      if (wait > 0) {
        this.options.logger.info(`${def.name}: waiting ${formatMs(wait)} before reconnecting.`);
        // The state says so while it waits (the Servers view shows it, with a Stop that ends the wait).
        this.registry.setState(m, { reconnect: { at: Date.now() + wait, attempt: m.breaker.consecutiveFailures } });
        try {
          await this.unlessStopped(m, delay(wait, signal));
        } finally {
          if (m.state.reconnect) this.registry.setState(m, { reconnect: undefined });
        }
      }
    }
    if (def.transport === 'stdio' && this.options.consent) {
      // A stop while the user is asked drops the start; the answer, when it comes, spawns nothing. The consent gets the
      // signal too (the host may tell the user so); untilAborted ends the wait even for one that ignores it.
      const allowed = await this.unlessStopped(m, untilAborted(this.options.consent(def, signal), signal));
      if (!allowed) this.refuse(m, `${def.name} was not started because starting it was not allowed.`, 'not_allowed', { refusal: 'consent_denied' });
      if (signal.aborted) throw this.stoppedDuringStart(m);
    }
  }

  /** A wait of the admission, ended by a stop: the start then says it was stopped (nothing was spawned). */
  private async unlessStopped<T>(m: Managed<H>, waiting: Promise<T>): Promise<T> {
    try {
      return await waiting;
    } catch (err) {
      if (err instanceof StartStopped) throw this.stoppedDuringStart(m);
      throw err;
    }
  }

  private checkDefinition(m: Managed<H>, mode: StartMode): void {
    const def = m.definition;
    // Discovery already explained what is wrong with the definition; starting it would only fail less clearly.
    if (def.error) this.refuse(m, def.error, 'start_failed');
    if (def.pendingInputs?.length) {
      const inputs = def.pendingInputs.map((i) => `\${input:${i}}`).join(', ');
      this.refuse(m, `${def.name} needs a value for ${inputs} before it can start.`, 'not_allowed', { refusal: 'inputs_needed', inputs: [...def.pendingInputs] });
    }
    if (def.disabled && mode === 'auto') {
      this.refuse(m, `${def.name} is disabled ('disabled': true in ${def.source.file}). Start it explicitly, or remove 'disabled'.`, 'not_allowed');
    }
    if (def.source.workspaceFolder !== undefined && this.options.isTrusted && !this.options.isTrusted()) {
      this.refuse(m, `${def.name} was not started because the workspace is not trusted.`, 'not_allowed', { refusal: 'untrusted_workspace' });
    }
    if (def.transport === 'stdio' && !def.command) this.refuse(m, `Could not start ${def.name}: it has no 'command'. Add one in ${def.source.file}.`, 'start_failed');
    if (def.transport !== 'stdio' && !def.url) this.refuse(m, `Could not connect to ${def.name}: it has no 'url'. Add one in ${def.source.file}.`, 'start_failed');
  }

  private refuse(m: Managed<H>, message: string, code: 'start_failed' | 'not_allowed' | 'circuit_open', facts: ServerErrorFacts = {}): never {
    const err = this.error(message, code, m.definition.id, undefined, facts);
    this.registry.setState(m, { status: 'error', error: err.message });
    throw err;
  }

  private startFailed(m: Managed<H>, err: unknown): ServerError {
    const def = m.definition;
    const needs = findNeedsSignIn(err);
    if (needs) return this.needsSignIn(m, needs, 'start_failed');
    if (err instanceof ServerError) {
      this.fail(m, err.message);
      return new ServerError(m.state.error ?? err.message, m.breaker.isOpen ? 'circuit_open' : 'start_failed', def.id, err.cause, err.facts);
    }
    const context = err instanceof FailedStart ? err.context : { stderrTail: '' };
    const cause = err instanceof FailedStart ? err.cause : err;
    const message = describeStartError(def, cause, { ...context, startTimeoutMs: this.options.startTimeoutMs });
    const facts: ServerErrorFacts = isMcpError(cause, 'RequestTimeout')
      ? { limit: { name: 'startTimeoutMs', value: this.options.startTimeoutMs } }
      : limitFacts(context.transportError);
    this.fail(m, message);
    return this.error(m.state.error ?? message, m.breaker.isOpen ? 'circuit_open' : 'start_failed', def.id, cause, facts);
  }

  private error(message: string, code: ServerError['code'], id: string, cause?: unknown, facts: ServerErrorFacts = {}): ServerError {
    return withHint(new ServerError(message, code, id, cause, facts), this.options.hint);
  }

  private stoppedDuringStart(m: Managed<H>): ServerError {
    return new ServerError(new StartStopped(m.definition.name).message, 'stopped', m.definition.id);
  }

  /**
   * The server needs the user to sign in: its state says so (with the host's advice). Not a failure of the server,
   * so the breaker does not count it; the next start after a sign-in just works. A running server that asked for a
   * wider scope (403 step-up) stays 'running' (its other tools still work) with `signIn` set.
   */
  needsSignIn(m: Managed<H>, needs: NeedsSignInError, code: ServerError['code']): ServerError {
    const err = this.error(needs.message, code, m.definition.id, needs);
    this.options.logger.warn(err.message);
    const signIn = { reason: needs.reason, scope: needs.requiredScope };
    if (m.live && !m.live.closed && m.state.status === 'running') this.registry.setState(m, { error: err.message, signIn });
    else this.registry.setState(m, { status: 'needs-sign-in', error: err.message, signIn, toolsFromCache: undefined });
    return err;
  }

  /** Counts a failure (backoff, breaker) and shows it in the state. */
  fail(m: Managed<H>, message: string): void {
    m.breaker.recordFailure();
    m.lastFailure = message;
    const error = m.breaker.isOpen ? `${m.breaker.describeOpen(m.definition.name)} Last error: ${message}` : message;
    this.options.logger.warn(error);
    this.registry.setState(m, { status: 'error', error, pid: undefined, toolsFromCache: undefined });
  }

  /** A connection that is gone without a close event (an HTTP server that went away): reconnect on next use. */
  drop(m: Managed<H>, live: LiveConnection, message: string): void {
    if (m.live !== live) return;
    m.live = undefined;
    live.stopping = true;
    void live.client.close().catch(() => {});
    this.fail(m, message);
  }

  private onClosed(m: Managed<H>, live: LiveConnection): void {
    if (live.stopping || m.live !== live) return;
    m.live = undefined;
    const def = m.definition;
    // Children the server left behind would otherwise outlive it.
    const leftovers = live.tree.filter((pid) => pid !== live.pid && isAlive(pid));
    if (leftovers.length) signalAll(leftovers, 'SIGKILL');
    // The close comes on the child's 'close' event, which Node emits after 'exit': the code is known here.
    const tail = live.lastStderrLine();
    this.fail(m, `${def.name} stopped unexpectedly: ${live.describeEnd()}.` + (tail ? ` Its last output was: "${tail}".` : '') + ' It will be restarted when next needed.');
  }

  /**
   * Stops the server; a start in flight is ended wherever it is (a backoff or consent wait is dropped without
   * spawning, a handshake is aborted and its process tree ended). The state says 'stopped' afterwards.
   */
  async stop(m: Managed<H>): Promise<void> {
    m.generation++;
    const live = m.live;
    m.live = undefined;
    const starting = m.starting;
    m.startAbort?.abort(new StartStopped(m.definition.name));
    if (live) await live.close(this.options.stopGraceMs);
    if (starting) await starting.catch(() => {});
    if (live || starting || m.state.status !== 'stopped') {
      this.registry.setState(m, { status: 'stopped', error: m.breaker.isOpen ? m.state.error : undefined, pid: undefined, toolsFromCache: undefined });
      if (live) this.options.logger.info(`${m.definition.name} stopped.`);
    }
  }

  /** Clears the breaker after a deliberate restart: the user's way out after fixing a server. */
  reset(m: Managed<H>): void {
    m.breaker.reset();
    m.lastFailure = undefined;
  }
}

function limitFacts(err: unknown): ServerErrorFacts {
  return err instanceof LimitError ? { limit: err.limit } : {};
}
