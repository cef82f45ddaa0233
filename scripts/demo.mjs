#!/usr/bin/env node
// `npm run demo`: build, package the VSIX, install it into the local code-server and open the bundled demo
// workspace (examples/demo) on http://127.0.0.1:8080. Works offline once `npm ci` has run.
//
//   node scripts/demo.mjs [--port N] [--restricted] [--check]
//     --port N       listen on port N (default 8080, or $PORT / $MCP_HARNESS_DEMO_PORT)
//     --restricted   keep Workspace Trust on, to see Restricted Mode (servers are never started)
//     --check        start, verify the page and the installed extension, then stop (used by tests)
//     --no-build     package the current dist/ as it is
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, EXTENSION_ID, repoRoot, startCodeServer } from './lib/host.mjs';
import { ensureHost, hostDir } from './setup-host.mjs';

function parseArgs(argv) {
  const opts = { port: Number(process.env.MCP_HARNESS_DEMO_PORT ?? process.env.PORT ?? 8080), restricted: false, check: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a.startsWith('--port=')) opts.port = Number(a.slice(7));
    else if (a === '--restricted') opts.restricted = true;
    else if (a === '--check') opts.check = true;
    else if (a === '--no-build') opts.build = false;
    else throw new Error(`Unknown argument ${a}. Usage: npm run demo -- [--port N] [--restricted] [--check]`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error('The port must be a whole number between 0 and 65535, e.g. `npm run demo -- --port 8081`.');
  }
  return opts;
}

function step(msg) {
  process.stdout.write(`[demo] ${msg}\n`);
}

function run(cmd, args, what, env = process.env) {
  const res = spawnSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (res.status !== 0) throw new Error(`${what} failed (exit ${res.status ?? res.signal}); see the output above.`);
}

async function portFree(port) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const workspace = join(repoRoot, 'examples', 'demo');
  const vsix = join(repoRoot, 'dist', 'mcp-harness.vsix');
  const demoDir = join(hostDir, 'demo');
  const extensionsDir = join(demoDir, 'extensions');
  const userDataDir = join(demoDir, 'user-data');
  mkdirSync(extensionsDir, { recursive: true });

  if (opts.port !== 0 && !(await portFree(opts.port))) {
    throw new Error(`Port ${opts.port} on 127.0.0.1 is in use. Stop what uses it or run \`npm run demo -- --port 8081\`.`);
  }
  step('building and packaging the extension');
  if (opts.build) run(process.execPath, ['esbuild.mjs', '--production'], 'The production build');
  run(process.execPath, [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '-o', vsix], 'Packaging the VSIX');

  step('preparing the local VS Code host (first time: a few minutes)');
  const paths = ensureHost();
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^npm_/i.test(key) || key === 'NODE') delete env[key];
  step(`installing ${vsix}`);
  run(paths.node, [paths.codeServer, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'],
    'Installing the VSIX into code-server', env);
  const list = spawnSync(paths.node, [paths.codeServer, '--extensions-dir', extensionsDir, '--list-extensions', '--show-versions'], { encoding: 'utf8', env });
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
  if (!list.stdout.includes(`${EXTENSION_ID}@${version}`)) {
    throw new Error(`The extension is not listed after the install:\n${list.stdout}${list.stderr}`);
  }

  const server = await startCodeServer({
    workspace,
    trusted: !opts.restricted,
    port: opts.port,
    userDataDir,
    extensionsDir,
    keepUserSettings: true,
    smokeTestDriver: false,
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
  });
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  if (opts.check) {
    const res = await fetch(url);
    const html = await res.text();
    if (res.status !== 200 || !html.includes('vscode-workbench-web-configuration')) {
      throw new Error(`The workbench page did not load (status ${res.status}).`);
    }
    step(`ok: ${url} serves the workbench with ${EXTENSION_ID}@${version} installed`);
    return 0;
  }
  step(`MCP Harness demo is running. Open this URL in a browser:\n\n    ${url}\n`);
  step('Press Ctrl+C to stop.');
  await new Promise((resolve) => server.proc.on('exit', resolve));
  step('code-server exited.');
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`[demo] ${err?.message ?? err}\n`);
} finally {
  await cleanupAll();
}
process.exit(code);
