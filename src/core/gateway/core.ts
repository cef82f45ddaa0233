// What every client session of one gateway shares: the catalog of the exposed servers, the run opener,
// the per-server concurrency limits, metrics and audit log, and the list of live sessions (so upstream
// changes reach every client and shutdown can wait for calls in flight).
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { StepRecord } from '../../protocol/trace';
import type { AnswererLookup } from '../client/types';
import { DedupCache, type DedupLimits } from '../guards/dedup';
import type { PolicyConfig, ToolGateway } from '../guards/types';
import type { OpenRun } from '../run/types';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import type { AuditLog } from './audit';
import { CallRecorder } from './calls';
import { CodeMode, type CodeModeOptions } from './codeMode';
import { GatewayCompletions } from './completions';
import { ConcurrencyLimits } from './limits';
import { GatewayMetrics } from './metrics';
import type { GatewayClient } from './client';
import { GatewaySession } from './session';
import { ResourceSubscriptions } from './subscriptions';
import { Catalog, UpstreamWatcher, type KnownLists, type ListKind, type UpstreamServers } from './upstreams';

export const DEFAULT_MAX_CONCURRENT_PER_SERVER = 16;
/** Reused read-only results kept for all clients together (a run alone keeps up to 512 / 8 MB). */
export const GATEWAY_DEDUP_LIMITS: DedupLimits = { maxEntries: 2048, maxBytes: 16 * 1024 * 1024 };
/** How long a stopping gateway waits for cancelled calls to come back before closing sessions. */
const CANCEL_GRACE_MS = 2000;

/** A long-lived traced run: every call is a step of one session; `end` writes its end line (once: it may be called again). */
export type GatewayRun = ToolGateway &
  Pick<OpenRun, 'sessionId' | 'readResource' | 'getPrompt' | 'guardText'> & {
    /** A step that is not a tool call: run_code's own step, parent of the calls its code makes. */
    recordStep(record: StepRecord): void;
    end(): unknown;
  };

export interface RunRequest {
  /** The session's name in the trace, e.g. `gateway claude-ai (stdio)`. */
  name: string;
  servers: string[];
  /** Aborted when the gateway stops without waiting any longer: calls still running are cancelled. */
  signal: AbortSignal;
  /** The gateway's one cache of reused read-only results (RunOpts.dedup): its budget bounds every client together. */
  dedup: DedupCache;
  /** For RunOpts.answerers: servers' requests during a call go to the client that made it, when it can answer. */
  answerers: AnswererLookup;
}

export interface GatewayCoreOptions {
  upstreams: UpstreamServers;
  /** The servers exposed to clients (ids as discovered). */
  servers: string[];
  /** Opens the run of one client session (the host's run service). */
  openRun(request: RunRequest): Promise<GatewayRun>;
  /** Code mode (search_tools + run_code) instead of the upstream tools. */
  code?: Omit<CodeModeOptions, 'servers'>;
  /** The host's current policy: resources and prompts it denies are left out of the lists. */
  policy?: () => PolicyConfig;
  audit?: AuditLog;
  metrics?: GatewayMetrics;
  maxConcurrentPerServer?: number;
  /** Bounds of the reused-results cache all clients share (default GATEWAY_DEDUP_LIMITS). */
  dedup?: DedupLimits;
  version: string;
  logger?: Logger;
  /**
   * The upstream servers' notifications/resources/updated (the host's client features hear them): with it, and
   * upstreams that can subscribe, clients may subscribe to resources through the gateway.
   */
  resourceUpdates?(listener: (server: string, uri: string) => void): () => void;
}

export class GatewayCore {
  readonly catalog: Catalog;
  readonly metrics: GatewayMetrics;
  readonly recorder: CallRecorder;
  readonly codeMode: CodeMode | undefined;
  readonly audit: AuditLog | undefined;
  readonly version: string;
  readonly startedAt = Date.now();
  /** Every client being served: sessions' clients and stateless ones. */
  private readonly sessions = new Set<GatewayClient>();
  /**
   * The exposed servers. The catalog, watcher, subscriptions and code mode read this one array, so a reloaded
   * configuration (setServers) changes it in place for all of them.
   */
  private readonly exposed: string[];
  private readonly watcher: UpstreamWatcher;
  private readonly dedup: DedupCache;
  /** Resource subscriptions of the clients, when the upstreams and the host support them. */
  readonly subscriptions: ResourceSubscriptions | undefined;
  private readonly stopUpdates: () => void;
  /** completion/complete for the clients, when the upstreams can answer it. */
  readonly completions: GatewayCompletions | undefined;
  private nextSession = 1;

  constructor(private readonly options: GatewayCoreOptions) {
    const logger = options.logger ?? nullLogger;
    this.version = options.version;
    this.audit = options.audit;
    this.metrics = options.metrics ?? new GatewayMetrics();
    this.exposed = [...options.servers];
    this.catalog = new Catalog(options.upstreams, this.exposed, logger);
    this.dedup = new DedupCache(options.dedup ?? GATEWAY_DEDUP_LIMITS);
    this.recorder = new CallRecorder(this.metrics, options.audit, new ConcurrencyLimits(options.maxConcurrentPerServer ?? DEFAULT_MAX_CONCURRENT_PER_SERVER));
    this.codeMode = options.code ? new CodeMode({ ...options.code, servers: this.exposed }) : undefined;
    const { upstreams } = options;
    if (options.resourceUpdates && upstreams.subscribeResource && upstreams.unsubscribeResource) {
      const subscriptions = new ResourceSubscriptions(
        { subscribeResource: (s, u) => upstreams.subscribeResource!(s, u), unsubscribeResource: (s, u) => upstreams.unsubscribeResource!(s, u) },
        this.exposed,
        () => this.policy(),
        logger,
      );
      this.subscriptions = subscriptions;
      this.stopUpdates = options.resourceUpdates((server, uri) => subscriptions.updated(server, uri));
    } else {
      this.stopUpdates = () => undefined;
    }
    if (upstreams.serverCapabilities && upstreams.complete) {
      this.completions = new GatewayCompletions({ serverCapabilities: (s) => upstreams.serverCapabilities!(s), complete: (s, r, a, c) => upstreams.complete!(s, r, a, c) }, this.catalog, () => this.policy(), logger);
    }
    this.watcher = new UpstreamWatcher(options.upstreams, this.exposed, {
      onListChanged: (kind, server) => this.listChanged(kind, server),
      onRestart: (server) => {
        this.metrics.upstreamRestarts.inc({ server });
        this.subscriptions?.resubscribe(server);
      },
      onRemoved: (server, lists) => this.removed(server, lists),
    });
  }

  /**
   * What a client is told at initialize: the exposed servers the host still has (one that left the configuration
   * while the gateway runs is not named; one that comes back is named again).
   */
  get instructions(): string {
    return (
      `MCP Harness guards these servers: ${this.catalog.configured().join(', ') || 'none'}. Every call is checked (schema, policy, pinned definitions), ` +
      'its output masked for secrets and PII, and traced. A refused call returns an error result that says why.'
    );
  }

  /** The host's current policy (the runs apply it to every call; the lists only hide what it denies). */
  policy(): PolicyConfig | undefined {
    return this.options.policy?.();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Serves one client over `transport`; `client` names it in traces and the audit log. */
  async connect(transport: Transport, client: string, id = this.nextId()): Promise<GatewaySession> {
    // The session's capabilities are fixed at initialize: whether some upstream completes is known first. Only
    // the first session waits for the answer; while a server that could not be started leaves it open, later
    // sessions take the last answer and the servers are asked again in the background (a broken server does
    // not hold every client's initialize).
    const completes = this.completions ? (this.completions.offeredNow() ?? (await this.completions.offered())) : false;
    const session = new GatewaySession(this, id, client, completes);
    this.add(session.client);
    await session.connect(transport);
    return session;
  }

  /** A client now served (its list changes are forwarded, shutdown ends its run). */
  add(client: GatewayClient): void {
    this.sessions.add(client);
    this.metrics.sessions.set(this.sessions.size);
  }

  /** The next client id of this gateway. */
  nextId(): string {
    return `s${this.nextSession++}`;
  }

  openRun(session: GatewayClient): Promise<GatewayRun> {
    // Each run follows its own session's signal: one shared signal would carry a listener per client.
    return this.options.openRun({ name: session.runName(), servers: [...this.exposed], signal: session.stopping.signal, dedup: this.dedup, answerers: session.answerers });
  }

  forget(session: GatewayClient): void {
    void this.subscriptions?.forget(session);
    this.sessions.delete(session);
    this.metrics.sessions.set(this.sessions.size);
  }

  /** The servers exposed now (the configuration may have been reloaded since start). */
  get servers(): readonly string[] {
    return this.exposed;
  }

  /**
   * A reloaded configuration exposes `next`: servers no longer in it are removed at once (see removed); clients'
   * next calls open runs that reach the new set (noted `servers +added -removed` in their names). Which lists changed is announced by the caller (announce), once
   * the added servers have started.
   */
  setServers(next: readonly string[]): { added: string[]; removed: string[] } {
    const added = next.filter((id) => !this.exposed.includes(id));
    const removed = this.exposed.filter((id) => !next.includes(id));
    if (!added.length && !removed.length) return { added, removed };
    this.exposed.splice(0, this.exposed.length, ...next);
    for (const id of removed) this.watcher.forget(id);
    this.reopenRuns(`servers ${[...added.map((id) => `+${id}`), ...removed.map((id) => `-${id}`)].join(' ')}`);
    return { added, removed };
  }

  /**
   * What runs are opened with changed (the servers, or the host's settings: policy, guardrails, …): each client's
   * next call opens a new run, its name noting `what`; the old run ends once no call is using it (GatewayClient.retire).
   */
  reopenRuns(what: string): void {
    for (const s of this.sessions) s.retire(what);
  }

  /** While the host replaces these servers' launch definitions, they are restarted, not removed (UpstreamWatcher.hold). */
  replacing(ids: string[]): { done(): void } {
    this.watcher.hold(ids);
    return { done: () => this.watcher.release(ids) };
  }

  /** What was last known of an exposed server's lists. */
  knownLists(server: string): KnownLists {
    return this.watcher.lists(server);
  }

  /** Tells every client that these lists changed (the catalog builds them again). */
  announce(kinds: Iterable<ListKind>, servers: string[]): void {
    for (const kind of kinds) this.listChanged(kind, servers.join("', '"));
  }

  /**
   * A server left the configuration: its subscriptions end with it, and every client hears that the lists it had
   * changed (its tools are gone, and its resources and prompts unless it had none; a 2025 client has no other word
   * for an ended subscription).
   */
  private removed(server: string, lists: KnownLists): void {
    this.options.logger?.info(`'${server}' left the configuration; its resource subscriptions ended.`);
    this.subscriptions?.forgetServer(server);
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      if (kind === 'tools' || lists[kind] === undefined || lists[kind]!.length > 0) this.listChanged(kind, server);
    }
  }

  private listChanged(kind: ListKind, server: string): void {
    this.catalog.invalidate(kind);
    if (this.codeMode && kind === 'tools') return;
    this.options.logger?.info(`The ${kind} of '${server}' changed; telling ${this.sessions.size} client(s).`);
    for (const s of this.sessions) s.notify(kind);
  }

  health(): { status: 'ok'; uptime_s: number; sessions: number; calls_in_flight: number; upstreams: ReturnType<UpstreamWatcher['states']> } {
    return { status: 'ok', uptime_s: Math.round((Date.now() - this.startedAt) / 1000), sessions: this.sessions.size, calls_in_flight: this.recorder.running, upstreams: this.watcher.states() };
  }

  /** Waits for the calls in flight, at most `deadlineMs`, and counts and audits those answered; true when they all finished. */
  async drain(deadlineMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    try {
      return await Promise.race([this.recorder.whenIdle().then(() => true), expired]);
    } finally {
      clearTimeout(timer);
      this.recorder.flush();
    }
  }

  /** Cancels the calls still running, ends every session's run and stops watching upstreams. */
  async close(): Promise<void> {
    const reason = new Error('The gateway is shutting down.');
    for (const s of this.sessions) s.stopping.abort(reason);
    // Cancelled calls come back at once; their answers ("cancelled") reach the clients before the sessions close.
    await this.drain(CANCEL_GRACE_MS);
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.stopUpdates();
    this.recorder.dispose();
    this.watcher.dispose();
  }
}
