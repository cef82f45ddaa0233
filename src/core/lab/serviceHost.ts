// The lab's host over a RunService and a ServerManager: every probe runs in an open run of the one run
// service (kind 'lab'), and the fault-injection proxy is a definition added next to the target's.
import { randomUUID } from 'node:crypto';
import type { StepRecord } from '../../protocol/trace';
import type { ClientRun, SessionClientSettings } from '../client/types';
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { PiiVault } from '../guards/redact';
import type { OpenRun } from '../run/types';
import type { ServerDefinition } from '../config/types';
import type { ServerManager } from '../servers/manager';
import type { RunService } from '../run/service';
import { canonicalJson, sha256Hex } from '../util/canonical';
import { HttpChaosProxy } from './chaos/httpProxy';
import { parseToxics } from './chaos/toxics';
import { conformanceScenarios } from './conformanceRun';
import type { ConformanceBounds, ConformanceRun, LabHost, LabRun, LabRunOptions, ServerProbeState } from './types';

/** How to start the chaos proxy as a stdio server: the command and the arguments before its own. */
export interface ProxyLauncher {
  command: string;
  args: string[];
  /** Added to the proxy's environment (an Electron host runs its binary as Node with ELECTRON_RUN_AS_NODE). */
  env?: Record<string, string>;
}

/**
 * The lab runs unattended: a generated call that makes the server ask the client (a form, a URL to open, a model
 * reply) is answered here, never by a dialog in front of the user — elicitations declined, sampling given a fixed
 * reply without calling a model. Both are recorded in the trace as children of the call, like any answer.
 */
export const LAB_CLIENT_SETTINGS: SessionClientSettings = {
  elicitation: { action: 'decline', by: 'the reliability lab (it runs unattended: every elicitation is declined)' },
  sampling: {
    policy: 'allow',
    reply: 'MCP Harness reliability lab: a fixed reply, no model was called.',
    by: 'the reliability lab (it runs unattended: a fixed reply, no model is called)',
  },
};

/** Said in the trace of a request the lab answered while none of its runs was open. */
const BETWEEN_RUNS = "asked while none of the lab's runs was open (between its runs): answered by the lab all the same";

export class ServiceLabHost implements LabHost {
  private proxies = 0;
  private readonly proxyIds = new Set<string>();
  private readonly httpProxies: HttpChaosProxy[] = [];
  /** The servers the lab's runs reach (the server under test and its proxies): what the lab answers for. */
  private readonly servers = new Set<string>();
  private openRuns = 0;
  /** The lab between its runs, attached to the client features while none of its runs is open. */
  private standing?: () => void;
  /** What the lab answered between its runs: written into its next run. */
  private readonly answeredBetween: StepRecord[] = [];
  private disposed = false;

  constructor(
    private readonly service: RunService,
    private readonly manager: ServerManager,
    private readonly launcher?: ProxyLauncher,
  ) {
    this.standUp();
  }

  async openRun(options: LabRunOptions): Promise<LabRun> {
    for (const s of options.servers) this.servers.add(s);
    this.openRuns++;
    let run: OpenRun;
    try {
      run = await this.service.open({
        name: options.name,
        kind: 'lab',
        servers: options.servers,
        policy: options.policy,
        clientSettings: LAB_CLIENT_SETTINGS,
        ...(options.schemaGuard ? { schemaGuard: options.schemaGuard } : {}),
      });
    } catch (err) {
      this.runEnded();
      throw err;
    }
    // The run is attached now: the lab's stand-in steps down, and what it answered goes into this run's trace.
    this.standDown();
    this.flushInto(run);
    return {
      callTool: (request) => run.callTool(request),
      listTools: () => run.listTools(),
      end: async () => {
        try {
          const result = await run.end();
          return result.trace_file ? { traceFile: result.trace_file } : {};
        } finally {
          this.runEnded();
        }
      },
    };
  }

  private runEnded(): void {
    this.openRuns--;
    if (this.openRuns === 0) this.standUp();
  }

  /**
   * While none of the lab's runs is open — between them, before the first — a server's request that no call can be
   * named for would reach the host's dialogs (ClientRuns.unattributed finds no run). The lab stands in: a run of the
   * client features' with the lab's own answers (LAB_CLIENT_SETTINGS) that reaches the lab's servers; what it answers
   * is recorded in the lab's next run.
   */
  private standUp(): void {
    const client = this.service.env.client;
    if (this.standing || this.disposed || !client) return;
    const servers = this.servers;
    const between: ClientRun = {
      sessionId: `lab-between-runs-${randomUUID()}`,
      get servers() {
        return [...servers];
      },
      settings: LAB_CLIENT_SETTINGS,
      guardrails: this.service.env.guardrails ?? DEFAULT_GUARDRAILS,
      vault: new PiiVault(),
      writeChild: (record) => {
        // The lab's answers; the servers' log messages still go to the host as they do between any runs.
        if (record.kind === 'elicitation' || record.kind === 'sampling') this.answeredBetween.push(record);
      },
    };
    this.standing = client.attach(between);
  }

  private standDown(): void {
    this.standing?.();
    this.standing = undefined;
  }

  private flushInto(run: OpenRun): void {
    for (const r of this.answeredBetween.splice(0)) {
      run.recordStep({ ...r, session_id: run.sessionId, step_id: `between-runs.${r.step_id}`, reasons: [...r.reasons, BETWEEN_RUNS] });
    }
  }

  serverState(id: string): ServerProbeState | undefined {
    const s = this.manager.state(id);
    return s && { status: s.status, ...(s.pid ? { pid: s.pid } : {}), ...(s.error ? { error: s.error } : {}) };
  }

  async listResources(id: string) {
    return (await this.manager.ensureStarted(id)).listResources();
  }

  async readResource(id: string, uri: string) {
    return (await this.manager.ensureStarted(id)).readResource(uri);
  }

  async stopStarting(server: string): Promise<void> {
    await this.manager.stopStarting([server, ...this.proxyIds]);
  }

  async restart(id: string): Promise<void> {
    await this.manager.restart(id);
  }

  async coldStartMs(id: string): Promise<number> {
    await this.manager.stop(id);
    const t0 = performance.now();
    await this.manager.start(id);
    return performance.now() - t0;
  }

  async conformance(id: string, progress: (message: string) => void, bounds?: ConformanceBounds): Promise<ConformanceRun> {
    const def = this.manager.definition(id);
    if (!def) throw new Error(`no server '${id}' is configured`);
    return conformanceScenarios(def, progress, bounds);
  }

  get proxied(): LabHost['proxied'] {
    const launcher = this.launcher;
    if (!launcher) return undefined;
    return async (target, toxics, seed) => {
      const def = this.manager.definition(target);
      const id = `${target}~chaos${++this.proxies}`;
      if (def?.transport === 'http' && def.url) return this.proxyHttp(def, id, toxics, seed);
      if (!def || def.transport !== 'stdio' || !def.command) throw new Error(`'${target}' is neither a stdio nor a Streamable HTTP server; it cannot be run behind the fault-injection proxy.`);
      const args = [...launcher.args, 'chaos', '--toxics', toxics, '--seed', String(seed), '--', def.command, ...(def.args ?? [])];
      const env = { ...(def.env ?? {}), ...(launcher.env ?? {}) };
      // One consent covers the target behind the proxy: the hash leaves out the toxics and seed that differ
      // from scenario to scenario, and changes with the target's own definition or the proxy's command.
      const hash = sha256Hex(canonicalJson({ chaosProxyOf: def.hash, command: launcher.command, launcherArgs: launcher.args, env }));
      const proxied: ServerDefinition = { ...def, id, name: `${def.name} (chaos: ${toxics})`, command: launcher.command, args, env, notes: [], protocol: this.protocolOf(target, def), hash };
      await this.manager.setDefinitions([...this.manager.definitions(), proxied]);
      this.proxyIds.add(id);
      return id;
    };
  }

  /**
   * The faults test the server, not version negotiation: the proxied definition speaks the generation the
   * server was found to speak, so no probe has to cross the proxy's corrupted stream first.
   */
  private protocolOf(target: string, def: ServerDefinition): ServerDefinition['protocol'] {
    const era = this.manager.state(target)?.protocol?.era;
    return era === 'modern' ? '2026' : era === 'legacy' ? '2025' : def.protocol;
  }

  /** An HTTP target: an in-process proxy on a loopback port, and a definition pointing at it. */
  private async proxyHttp(def: ServerDefinition, id: string, toxics: string, seed: number): Promise<string> {
    const proxy = new HttpChaosProxy(def.url!, parseToxics(toxics), seed);
    this.httpProxies.push(proxy);
    const url = await proxy.listen();
    const proxied: ServerDefinition = { ...def, id, name: `${def.name} (chaos: ${toxics})`, url, notes: [], protocol: this.protocolOf(def.id, def), hash: sha256Hex(canonicalJson({ chaosProxyOf: def.hash })) };
    await this.manager.setDefinitions([...this.manager.definitions(), proxied]);
    this.proxyIds.add(id);
    return id;
  }

  /**
   * Stops and forgets the proxied definitions this host added, and its HTTP proxies; the lab no longer answers for
   * its servers (what it answered after its last run is written to a run of its own).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.standDown();
    if (this.answeredBetween.length) {
      const run = await this.service.open({ name: `lab: requests answered after its last run`, kind: 'lab', servers: [...this.servers], clientSettings: LAB_CLIENT_SETTINGS });
      this.flushInto(run);
      await run.end();
    }
    await Promise.all(this.httpProxies.splice(0).map((p) => p.close()));
    if (!this.proxyIds.size) return;
    const keep = this.manager.definitions().filter((d) => !this.proxyIds.has(d.id));
    this.proxyIds.clear();
    await this.manager.setDefinitions(keep);
  }
}
