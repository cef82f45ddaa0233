// `mcp-harness pin`: writes or checks .mcp-harness/tools.lock.json, the sha256 of every tool definition.
import { isAbsolute, relative } from 'node:path';
import { PinFileError, PinStore, describeChange, type PinCheckResult } from '../../core/pin';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UnreachableError, type CliCommand } from '../io';
import { openWorkspace } from '../workspace';
import { listAllTools } from './lint';

interface ServerDrift {
  server: string;
  changed: { tool: string; oldSha256: string; newSha256: string; summary: string }[];
  added: string[];
  removed: string[];
}

export const pinCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness pin [--check] [--workspace DIR] [--user-configs] [--json]',
    '',
    'Starts every server of the workspace, lists its tools and records the sha256 of each tool\'s',
    'canonical definition (and the definition, for diffs) in DIR/.mcp-harness/tools.lock.json.',
    'Commit that file to review tool changes like dependency changes.',
    '',
    '  --check          compare instead of writing: exit 1 when a tool changed, appeared or disappeared',
    '  --workspace DIR  the workspace folder (default: the current folder)',
    '  --user-configs   also read Claude Desktop\'s user config',
    '  --json           print {lockfile, drift, servers: [{server, changed, added, removed}]}',
    '',
    'Ctrl-C (or SIGTERM) stops the servers, those still starting too; nothing is pinned or printed on stdout.',
    '',
    'Exit codes: 0 pinned / no drift, 1 drift (with --check), 2 bad arguments or an unreadable',
    'lockfile, 3 a server could not be started, 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    check: { type: 'boolean' },
    workspace: { type: 'string', short: 'w' },
    'user-configs': { type: 'boolean' },
  },
  interruptible: { stopping: 'stopping the servers; nothing is pinned' },
  async run({ values, json, signal }, io) {
    const check = values.check === true;
    const ws = await openWorkspace(values.workspace as string | undefined, io, { includeUserConfigs: values['user-configs'] === true, signal });
    try {
      ws.reportProblems(json);
      let store: PinStore;
      try {
        store = await PinStore.open(ws.folder);
      } catch (err) {
        if (err instanceof PinFileError) throw new CliError(err.message, EXIT_USAGE, 'usage');
        throw err;
      }
      const near = relative(io.cwd, store.file);
      const lockfile = near && !near.startsWith('..') && !isAbsolute(near) ? near : store.file;
      if (check && !(await store.exists())) {
        throw new CliError(`there is no lockfile at ${lockfile}. Run \`mcp-harness pin\` to create it, then commit it.`, EXIT_FAILURE, 'drift');
      }
      // No servers and none pinned: nothing to do. Pins of servers no longer configured are forgotten below.
      if (ws.definitions.length === 0 && !check && Object.keys(store.lockFile().servers).length === 0) {
        io.stdout(json ? JSON.stringify({ lockfile, drift: false, servers: [] }, null, 2) + '\n' : `No MCP servers are configured in ${ws.folder}; nothing to pin.\n`);
        return EXIT_OK;
      }
      const { listed, failed } = await listAllTools(ws);
      // Nothing is pinned or checked against tools a Ctrl-C cut short.
      if (signal.aborted) return EXIT_FAILURE;
      if (failed.length) {
        const names = failed.map((f) => `"${f.server}" (${f.message})`).join('; ');
        throw new UnreachableError(`${failed.length === 1 ? 'a server' : 'some servers'} could not be started, so ${check ? 'the lockfile cannot be checked' : 'nothing was pinned'}: ${names}. Fix the server or remove it from the config, then run again.`);
      }
      const configured = new Set(listed.map((l) => l.server));
      const stale = Object.keys(store.lockFile().servers).filter((s) => !configured.has(s));
      const servers: ServerDrift[] = [];
      const toDrift = (server: string, r: PinCheckResult): ServerDrift => ({
        server,
        changed: r.changed.map((c) => ({ tool: c.tool, oldSha256: c.old.sha256, newSha256: c.new.sha256, summary: describeChange(c) })),
        added: r.added.map((a) => a.tool),
        removed: r.removed,
      });
      for (const { server, tools } of listed) servers.push(toDrift(server, check ? store.check(server, tools) : await store.pinAll(server, tools)));
      for (const server of stale) {
        servers.push({ server, changed: [], added: [], removed: Object.keys(store.lockFile().servers[server].tools) });
        if (!check) await store.forget(server);
      }
      const drift = servers.some((s) => s.changed.length || s.added.length || s.removed.length);
      if (json) {
        io.stdout(JSON.stringify({ lockfile, drift, servers }, null, 2) + '\n');
      } else {
        const lines: string[] = [];
        for (const s of servers) {
          const count = listed.find((l) => l.server === s.server)?.tools.length;
          const head = stale.includes(s.server) ? `${s.server}: no longer configured` : `${s.server}: ${count} tool${count === 1 ? '' : 's'}`;
          const parts = [s.changed.length && `${s.changed.length} changed`, s.added.length && `${s.added.length} ${check ? 'not pinned' : 'added'}`, s.removed.length && `${s.removed.length} removed`].filter(Boolean);
          lines.push(`${head}${parts.length ? ` — ${parts.join(', ')}` : check ? ' — as pinned' : ''}`);
          for (const c of s.changed) lines.push(`  changed  ${c.tool}: ${c.summary.replace(/; review.*$/, '')}`);
          for (const a of s.added) lines.push(`  ${check ? 'new     ' : 'added   '} ${a}`);
          for (const r of s.removed) lines.push(`  removed  ${r}`);
        }
        const gap = lines.length ? [''] : [];
        if (check) lines.push(...gap, drift ? `Tools differ from ${lockfile}. Review the changes; run \`mcp-harness pin\` to accept them.` : `All tools match ${lockfile}.`);
        else lines.push(...gap, `Pinned ${listed.reduce((n, l) => n + l.tools.length, 0)} tool(s) of ${listed.length} server(s) in ${lockfile}.`);
        io.stdout(lines.join('\n') + '\n');
      }
      return check && drift ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await ws.close();
    }
  },
};
