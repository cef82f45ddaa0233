// Shared plumbing for the integration, e2e, bench and demo scripts: start code-server (the real VS Code
// server from npm) on a workspace copy, open the workbench in Debian chromium through playwright-core,
// and always clean up every process started, by process group and by PID tree.
// Facts this relies on are in ../shared/docs/real-vscode-host.md.
import { spawn } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { ensureHost, repoRoot } from '../setup-host.mjs';

export { repoRoot };
export const EXTENSION_ID = 'mcp-harness.mcp-harness';
export const CHROMIUM = process.env.MCP_HARNESS_CHROMIUM ?? '/usr/bin/chromium';
// Without the background-networking flags chromium floods the closed network with retries.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** User settings that keep built-in extensions from spawning helpers (git) or reaching the network. */
export const QUIET_SETTINGS = {
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'npm.autoDetect': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // The extension host otherwise polls /proc through `sh -c ls -l /proc/[0-9]*/fd/...` to find ports.
  'remote.autoForwardPorts': false,
};

const cleanups = [];
/** Registers a cleanup that runs on `cleanupAll()` and on SIGINT/SIGTERM/uncaught errors. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${err?.message ?? err}\n`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    void cleanupAll().finally(() => process.exit(130));
  });
}

export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `mcp-harness-${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

/**
 * Copies a workspace folder of the repo into `tmpRoot` while keeping every relative path from it valid:
 * each directory on the way from the repo root is recreated and its other entries are symlinked, so
 * `${workspaceFolder}/../../node_modules/...` still reaches the repo's node_modules while edits land in the copy.
 */
export function mirrorWorkspace(workspaceRel, tmpRoot) {
  const abs = resolve(repoRoot, workspaceRel);
  if (!existsSync(abs)) throw new Error(`Workspace folder ${workspaceRel} does not exist.`);
  const parts = relative(repoRoot, abs).split(sep);
  if (parts[0] === '..') throw new Error(`Workspace folder ${workspaceRel} must be inside the repository.`);
  let src = repoRoot;
  let dst = join(tmpRoot, 'repo');
  mkdirSync(dst, { recursive: true });
  for (const part of parts) {
    for (const entry of readdirSync(src)) {
      if (entry === part) continue;
      symlinkSync(join(src, entry), join(dst, entry));
    }
    src = join(src, part);
    dst = join(dst, part);
    mkdirSync(dst, { recursive: true });
  }
  cpSync(src, dst, { recursive: true });
  return dst;
}

export function writeUserSettings(userDataDir, settings) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** All descendants of `pid` (from /proc), deepest first. */
export function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a process, its process group and every descendant (some may have started their own group). */
export async function killTree(pid, graceMs = 1500) {
  if (!pid) return;
  const all = [...descendants(pid), pid];
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // not a group leader or already gone
    }
    for (const p of all) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && all.some(alive)) await new Promise((r) => setTimeout(r, 50));
  signal('SIGKILL');
}

/** Kills every process whose command line mentions `marker` (a unique temp path), e.g. a browser profile. */
export async function killByMarker(marker) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/**
 * Test-only extensions installed next to the extension under test in integration and e2e runs (never
 * shipped): the scripted language model that sampling and agent tests answer from. The workbench's smoke-test
 * payload keeps one extensionDevelopmentPath (it is read into a Map), so these are copied into the extensions
 * dir as `publisher.name-version` folders, which the server adopts into the profile at start-up.
 */
export const testSupportExtensions = [join(repoRoot, 'test', 'integration', 'support', 'scripted-lm')];

function installSupportExtensions(extensionsDir) {
  for (const dir of testSupportExtensions) {
    const { publisher, name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    cpSync(dir, join(extensionsDir, `${publisher}.${name}-${version}`), { recursive: true });
  }
}

/**
 * Starts code-server on `workspace`. Returns { url, proc, userDataDir, extensionsDir, logs, stop() }.
 * `trusted: false` leaves Workspace Trust on (fresh user data dir, so the folder is untrusted).
 */
export async function startCodeServer({
  workspace,
  trusted = true,
  port = 0,
  host = '127.0.0.1',
  userDataDir,
  extensionsDir,
  settings = {},
  keepUserSettings = false,
  env = {},
  smokeTestDriver = true,
  extraArgs = [],
  log = () => {},
  startTimeoutMs = 60_000,
  supportExtensions = false,
} = {}) {
  const paths = ensureHost();
  const base = userDataDir && extensionsDir ? undefined : makeTempDir('host');
  userDataDir ??= join(base, 'user-data');
  extensionsDir ??= join(base, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  if (supportExtensions) installSupportExtensions(extensionsDir);
  const trustSettings = trusted
    ? {}
    : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.emptyWindow': false };
  if (!keepUserSettings || !existsSync(join(userDataDir, 'User', 'settings.json'))) {
    writeUserSettings(userDataDir, { ...QUIET_SETTINGS, ...trustSettings, ...settings });
  }

  const args = [
    paths.codeServer,
    '--bind-addr', `${host}:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(trusted ? ['--disable-workspace-trust'] : []),
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    ...(workspace ? [workspace] : []),
  ];
  const childEnv = { ...process.env, ...env };
  // The outer npm's variables (and NODE) must not reach the extension host or tasks it runs.
  for (const key of Object.keys(childEnv)) if (/^npm_/i.test(key) || key === 'NODE') delete childEnv[key];
  const proc = spawn(paths.node, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  const logs = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killTree(proc.pid);
  };
  onCleanup(stop);

  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${startTimeoutMs} ms.\n${logs.slice(-30).join('\n')}`)), startTimeoutMs);
    const onLine = (line) => {
      logs.push(line);
      log(line);
      const m = /HTTP server listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1].replace(/\/$/, ''));
      }
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    proc.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited early (${code ?? sig}).\n${logs.slice(-30).join('\n')}`));
    });
  });
  return { url, proc, userDataDir, extensionsDir, logs, stop };
}

const htmlEntities = { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#39;': "'", '&#x27;': "'" };

/** Reads the remote authority the workbench will use, from the page's embedded configuration. */
export async function readRemoteAuthority(url) {
  const res = await fetch(`${url}/`);
  const html = await res.text();
  const m = /id="vscode-workbench-web-configuration"[^>]*data-settings="([^"]*)"/.exec(html) ??
    /data-settings="([^"]*)"[^>]*id="vscode-workbench-web-configuration"/.exec(html);
  if (!m) throw new Error(`No workbench configuration in the page at ${url}/ (status ${res.status}).`);
  const json = m[1].replace(/&(quot|amp|lt|gt|#39|#x27);/g, (e) => htmlEntities[e]);
  const cfg = JSON.parse(json);
  if (!cfg.remoteAuthority) throw new Error('The workbench configuration has no remoteAuthority.');
  return cfg.remoteAuthority;
}

/**
 * URL of the workbench on `folder` (or on a multi-root workspace when it is a `.code-workspace` file),
 * optionally with a smoke-test payload (extension tests).
 */
export function workbenchUrl(url, folder, payload) {
  const params = new URLSearchParams();
  if (folder) params.set(folder.endsWith('.code-workspace') ? 'workspace' : 'folder', folder);
  if (payload) params.set('payload', JSON.stringify(payload));
  return `${url}/?${params.toString()}`;
}

/** Launches headless Debian chromium with a fresh profile. Returns { context, page, close() }. */
export async function launchBrowser({ viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = makeTempDir('chromium');
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    await killByMarker(profile);
  };
  onCleanup(close);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close };
}

/** Runs `fn` with an overall time limit; on expiry rejects with a message naming `what`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s.`)), ms);
    }),
  ]);
}
