// `mcp-harness gateway` following its configuration while it runs: when a config file it was started from
// changes, the files are read again; a file with a new error is not applied (one line says which file, what is
// wrong, and that the running servers stay), anything else is applied to the running gateway as a diff. The
// settings (.vscode/settings.json, the --policy file) are followed the same way: a change applies to every
// client's next call, and no server restarts for it.
import type { ConfigProblem, ServerDefinition } from '../core/config';
import type { AuditLog } from '../core/gateway/audit';
import type { GatewayCore } from '../core/gateway/core';
import { reconfigureGateway, type ServerChanges } from '../core/gateway/reconfigure';
import { applyGatewaySettings } from '../core/gateway/settings';
import { ConfigWatcher } from './configWatch';
import { SettingsFileError, type GatewaySettings } from './gatewaySettings';
import type { CliIO } from './io';
import { formatProblems, type OpenedWorkspace } from './workspace';

export interface GatewayReloadOptions {
  ws: OpenedWorkspace;
  core: GatewayCore;
  /** The servers the gateway serves out of a configuration's definitions (the same choice as at start-up). */
  expose(definitions: ServerDefinition[]): string[];
  audit?: AuditLog;
  io: CliIO;
  debounceMs?: number;
  /** The settings the gateway runs with (its runs, audit log and code mode take new ones: applyGatewaySettings). */
  settings?: GatewaySettings;
}

const PREFIX = 'mcp-harness gateway:';

type Reload = 'servers' | 'settings';

export class GatewayReload {
  /** The problems of the configuration in use: only an error not among them stops a reload. */
  private known: Set<string>;
  private readonly watcher: ConfigWatcher;
  private readonly settingsWatcher: ConfigWatcher | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly queued = { servers: false, settings: false };
  private disposed = false;
  /** The last reload was not applied: the next one that is says so even when no server changed. */
  private refused = false;

  constructor(private readonly options: GatewayReloadOptions) {
    this.known = new Set(options.ws.problems.map(problemKey));
    const watch = (files: () => string[], what: Reload) =>
      new ConfigWatcher({
        files,
        onChange: () => this.schedule(what),
        onWarning: (m) => options.io.stderr(`${PREFIX} ${m}\n`),
        ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      });
    this.watcher = watch(() => this.files(), 'servers');
    this.watcher.rearm();
    const settings = options.settings;
    this.settingsWatcher = settings ? watch(() => settings.files(), 'settings') : undefined;
    this.settingsWatcher?.rearm();
  }

  /** The config files discovery looks for, and the envFiles the definitions read. */
  private files(): string[] {
    const { ws } = this.options;
    return [...ws.files.map((f) => f.path), ...ws.definitions.flatMap((d) => (d.envFile ? [d.envFile] : []))];
  }

  /** One reload at a time; changes during one are picked up by one more. */
  private schedule(what: Reload): void {
    if (this.queued[what] || this.disposed) return;
    this.queued[what] = true;
    this.queue = this.queue
      .then(() => {
        this.queued[what] = false;
        if (this.disposed) return undefined;
        return what === 'servers' ? this.reload() : this.reloadSettings();
      })
      .catch((err: unknown) => this.say(`reading the changed configuration failed (${(err as Error).message}); the gateway keeps serving ${this.serving()}.`));
  }

  /** The settings files changed: new settings apply to every client's next call; a file that cannot be read changes nothing. */
  private reloadSettings(): void {
    const source = this.options.settings!;
    try {
      const change = source.reload();
      for (const w of change.warnings) this.say(w);
      for (const key of change.atStartOnly) this.say(`mcpHarness.${key} changed; it is read at start, so it applies when the gateway is restarted.`);
      if (change.applied.length) this.say(applyGatewaySettings(this.options.core, source.current, change.applied));
    } catch (err) {
      if (!(err instanceof SettingsFileError)) throw err;
      this.say(err.atReload);
    } finally {
      this.settingsWatcher?.rearm();
    }
  }

  private async reload(): Promise<void> {
    const { ws, core, io } = this.options;
    try {
      const found = await ws.rediscover();
      const fresh = found.problems.filter((p) => !this.known.has(problemKey(p)));
      const errors = fresh.filter((p) => p.severity === 'error');
      if (errors.length) {
        const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
        this.say(`${formatProblems([errors[0]], io.cwd)[0].replace(/\.+$/, '')}${more}. The change was not applied: the gateway keeps serving ${this.serving()} until the file is fixed.`);
        this.refused = true;
        return;
      }
      for (const line of formatProblems(fresh, io.cwd)) io.stderr(`${line}\n`);
      this.known = new Set(found.problems.map(problemKey));
      ws.definitions.splice(0, ws.definitions.length, ...found.definitions);
      ws.problems.splice(0, ws.problems.length, ...found.problems);
      ws.files.splice(0, ws.files.length, ...found.files);
      const changes = await reconfigureGateway(core, ws.manager, found.definitions, this.options.expose(found.definitions));
      this.report(changes);
    } finally {
      this.watcher.rearm();
    }
  }

  private report(changes: ServerChanges): void {
    const parts = (['added', 'removed', 'restarted'] as const).filter((k) => changes[k].length).map((k) => `${k} ${changes[k].join(', ')}`);
    // A save that changes no server is quiet, unless it follows one that was not applied.
    if (parts.length || this.refused) this.say(`the configuration changed: ${parts.join('; ') || 'no server changed'}; serving ${this.serving()}.`);
    this.refused = false;
    for (const f of changes.failed) this.say(`'${f.server}' did not start: ${f.message} (it stays configured; the next call to it tries again).`);
    if (parts.length) this.options.audit?.write({ kind: 'admin', action: 'reload', added: changes.added, removed: changes.removed, restarted: changes.restarted });
  }

  private serving(): string {
    return this.options.core.servers.join(', ') || 'no servers';
  }

  private say(line: string): void {
    this.options.io.stderr(`${PREFIX} ${line}\n`);
  }

  /** Stops watching; resolves when a reload under way has finished. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.watcher.dispose();
    this.settingsWatcher?.dispose();
    await this.queue;
  }
}

function problemKey(p: ConfigProblem): string {
  return `${p.file}\0${p.code}\0${p.message}`;
}
