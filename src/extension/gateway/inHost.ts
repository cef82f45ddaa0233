// The gateway inside the extension host, for VS Code's own agent: Streamable HTTP on 127.0.0.1 (a free
// port), a bearer token kept in SecretStorage, and every client session one run of the folder's run
// service — so each tool call the agent makes shows live in the Sessions view as a gateway session.
// In-host rather than a `mcp-harness gateway --stdio` child process: a child would run its own servers,
// policy and traces, invisible to this window's Sessions view until its trace files were read back.
// Started on first use (when VS Code resolves the server definition), stopped with the extension. In code
// mode (mcpHarness.gateway.mode) it offers search_tools and run_code, run in this window's sandbox pool.
// A changed mcpHarness.* setting (policy, guardrails, sampling, sandbox limits) applies to every client's next
// call, as in the CLI gateway (core/gateway/settings), and the MCP Harness output channel says which changed.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DEFAULT_SAMPLING_MAX_TOKENS } from '../../core/client/types';
import { AuditLog, defaultAuditFile, GatewayCore, HttpGateway, launchesHarnessGateway, type GatewayCoreOptions, type UpstreamServers } from '../../core/gateway/index';
import { applyGatewaySettings, LiveGatewaySettings } from '../../core/gateway/settings';
import { loadSkills } from '../../core/sandbox/skills';
import type { ServerDefinition } from '../../core/config/types';
import { HARNESS_VERSION } from '../../core/version';
import { SECTION, type GatewayMode } from '../config';
import type { HarnessContext } from '../context';
import { startWorkspaceServer } from '../runEnvironment';

export const TOKEN_SECRET = 'mcpHarness.gateway.token';
/** How long calls in flight get to finish when the gateway stops (server list changed, window closing). */
const STOP_MS = 2000;
/** What applies instead of an invalid sampling setting (Config.sampling's defaults). */
const SAMPLING_FALLBACKS = { policy: 'servers\' sampling requests are asked about (the default)', maxTokens: `sampling replies are capped at the default, ${DEFAULT_SAMPLING_MAX_TOKENS} tokens` };
const LABEL = 'MCP Harness (guarded)';

export type GatewayContext = Pick<HarnessContext, 'extension' | 'discovery' | 'servers' | 'runs' | 'log' | 'config' | 'sandbox' | 'dialogs'>;

export interface RunningGateway {
  url: string;
  token: string;
  /** The servers it exposes (ids as discovered). */
  servers: string[];
  /** direct: every upstream tool; code: search_tools and run_code (mcpHarness.gateway.mode when it started). */
  mode: GatewayMode;
}

/** The servers the gateway puts behind its guards: every discovered one except entries that start a gateway. */
export function exposedServers(definitions: readonly ServerDefinition[]): string[] {
  return definitions.filter((d) => !launchesHarnessGateway(d)).map((d) => d.id);
}

interface Started extends RunningGateway {
  http: HttpGateway;
  core: GatewayCore;
  audit: AuditLog | undefined;
  /** The settings its runs were opened with, compared with the next ones when a setting changes. */
  settings: LiveGatewaySettings;
}

export class InHostGateway implements vscode.Disposable {
  private starting: Promise<Started> | undefined;
  private stopping: Promise<void> = Promise.resolve();
  private readonly listener: vscode.Disposable;
  /** Settings changes are applied one after the other, in the order they were made. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: GatewayContext) {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) this.applying = this.applying.then(() => this.settingsChanged()).catch((err: Error) => this.ctx.log.error(err));
    });
  }

  /** The running gateway's servers, or undefined when it is not running. */
  get servers(): Promise<string[] | undefined> {
    return this.running.then((r) => r?.servers);
  }

  /** The running gateway's mode, or undefined when it is not running. */
  get mode(): Promise<GatewayMode | undefined> {
    return this.running.then((r) => r?.mode);
  }

  private get running(): Promise<Started | undefined> {
    return this.starting ? this.starting.then((r) => r, () => undefined) : Promise.resolve(undefined);
  }

  /** Starts the gateway once (later calls get the same one); refused in Restricted Mode. */
  start(): Promise<RunningGateway> {
    if (!this.starting) {
      const launching = this.stopping.then(() => this.launch());
      this.starting = launching;
      launching.catch(() => {
        if (this.starting === launching) this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async launch(): Promise<Started> {
    if (!vscode.workspace.isTrusted) {
      throw new Error('MCP Harness (guarded) is not available in Restricted Mode: it would start the servers this workspace defines. Trust the workspace first.');
    }
    await this.ctx.discovery.ready();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const servers = exposedServers(this.ctx.discovery.definitions);
    const token = await this.token();
    const service = this.ctx.runs.for(folder);
    const audit = folder ? new AuditLog({ file: defaultAuditFile(folder), guardrails: this.ctx.config.guardrails }) : undefined;
    const mode = this.ctx.config.gatewayMode;
    const { read, harness } = this.ctx.config.snapshot();
    const settings = new LiveGatewaySettings(read, harness, SAMPLING_FALLBACKS, (problem) => this.ctx.log.warn(`${LABEL}: ${problem}.`));
    const core = new GatewayCore({
      upstreams: this.upstreams(),
      servers,
      ...(mode === 'code' ? { code: await this.codeMode(folder, settings) } : {}),
      openRun: (request) => service.open({ name: request.name, servers: request.servers, signal: request.signal, dedup: request.dedup, kind: 'gateway', keepSteps: false, deferBookkeeping: true, answerers: request.answerers }),
      // Runs read the settings when they open (extensionRunEnvironment); a change reopens them (settingsChanged).
      policy: () => this.ctx.config.policy,
      audit,
      version: HARNESS_VERSION,
      logger: this.ctx.log,
    });
    const http = new HttpGateway({ core, token, port: 0, logger: this.ctx.log });
    const { url } = await http.listen();
    audit?.write({ kind: 'admin', action: 'start', transport: 'http', host: 'vscode', servers, url });
    this.ctx.log.info(`${LABEL} is serving ${servers.join(', ') || 'no servers'} at ${url} (${mode} mode).`);
    return { url, token, servers, mode, http, core, audit, settings };
  }

  /**
   * A mcpHarness.* setting changed: when the settings the running gateway applies differ, every client's next call
   * opens a new run under them (a call under way finishes under the old ones) and the output channel says so.
   */
  private async settingsChanged(): Promise<void> {
    const started = await this.running;
    if (!started) return;
    const { read, harness } = this.ctx.config.snapshot();
    const { applied, warnings } = started.settings.update(read, harness);
    for (const w of warnings) this.ctx.log.warn(`${LABEL}: ${w}.`);
    if (applied.length) this.ctx.log.info(`${LABEL}: ${applyGatewaySettings(started.core, started.settings.current, applied)}`);
  }

  /** Code mode runs in this window's sandbox pool, under the mcpHarness.sandbox.* limits, with the folder's skills. */
  private async codeMode(folder: string | undefined, settings: LiveGatewaySettings): Promise<NonNullable<GatewayCoreOptions['code']>> {
    return {
      sandbox: this.ctx.sandbox.pool,
      limits: settings.current.sandbox,
      skills: folder ? await loadSkills(folder) : [],
    };
  }

  /** Servers start through the same trust, consent and input checks as every other entry point. */
  private upstreams(): UpstreamServers {
    const { servers } = this.ctx;
    return {
      list: () => servers.list(),
      onDidChange: (listener) => servers.onDidChange(listener),
      ensureStarted: (id) => startWorkspaceServer(this.ctx, id),
      // Listed after ensureStarted (the catalog starts each server first). Subscriptions stay with the window's
      // own resource views here: the gateway ending one would end theirs on the shared connection.
      listResourceTemplates: (id) => servers.listResourceTemplates(id),
      serverCapabilities: async (id) => (await startWorkspaceServer(this.ctx, id), servers.serverCapabilities(id)),
      complete: (id, ref, argument, context) => servers.complete(id, ref, argument, context),
    };
  }

  /** The bearer token: created on first start, kept in SecretStorage, never written to a file or a log. */
  private async token(): Promise<string> {
    const stored = await this.ctx.extension.secrets.get(TOKEN_SECRET);
    if (stored) return stored;
    const created = randomBytes(32).toString('base64url');
    await this.ctx.extension.secrets.store(TOKEN_SECRET, created);
    return created;
  }

  /** Stops the gateway (its sessions' runs end); the next start() builds a new one. */
  stop(reason: string): Promise<void> {
    const started = this.starting;
    this.starting = undefined;
    if (!started) return this.stopping;
    this.stopping = started.then(
      async ({ http, audit }) => {
        const drained = await http.shutdown(STOP_MS).catch((err: Error) => (this.ctx.log.error(err), false));
        audit?.write({ kind: 'admin', action: 'shutdown', reason, drained });
        audit?.close();
        this.ctx.log.info(`MCP Harness (guarded) stopped (${reason}).`);
      },
      () => undefined,
    );
    return this.stopping;
  }

  dispose(): void {
    this.listener.dispose();
    void this.stop('the extension is stopping');
  }
}
