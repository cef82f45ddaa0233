// Builds every target of MCP Harness. `node esbuild.mjs [--watch] [--production]`.
// Targets: the extension (cjs/node, vscode external), the CLI, the sandbox worker, the webview (browser),
// and the compiled test suites that run inside the real VS Code extension host.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').Plugin} */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of [...result.errors, ...result.warnings]) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

// The v2 MCP packages each install their own copy of the same zod (client and core, 4.6.x); bundled as is, a
// process that loads the client evaluates zod twice. Every v2 package's `zod` import resolves to core's copy.
const V2_PACKAGE = /[\\/]node_modules[\\/]@modelcontextprotocol[\\/](client|server)[\\/]/;
/** @type {import('esbuild').Plugin} */
const oneZodForTheMcpSdk = {
  name: 'one-zod-for-the-mcp-sdk',
  setup(build) {
    const coreDir = join(process.cwd(), 'node_modules', '@modelcontextprotocol', 'core');
    build.onResolve({ filter: /^zod(\/.*)?$/ }, (args) => {
      if (!V2_PACKAGE.test(args.importer) || args.pluginData === 'one-zod') return undefined;
      return build.resolve(args.path, { kind: args.kind, resolveDir: coreDir, pluginData: 'one-zod' });
    });
  },
};

// The client's Node shim evaluates a bundled ajv when the client loads; src/core/servers/sdkShims.ts exports the
// same names and loads that shim only when a JSON Schema is first validated.
const SHIMS = join(process.cwd(), 'src', 'core', 'servers', 'sdkShims.ts');
/** @type {import('esbuild').Plugin} */
const lazyClientShims = {
  name: 'lazy-client-shims',
  setup(build) {
    build.onResolve({ filter: /^@modelcontextprotocol\/client\/_shims$/ }, (args) => (args.importer === SHIMS ? undefined : { path: SHIMS }));
  },
};
const sdkPlugins = [oneZodForTheMcpSdk, lazyClientShims];

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  plugins: watch ? [problemMatcher, ...sdkPlugins] : sdkPlugins,
  // Everything is bundled (the VSIX ships no node_modules); only the editor API is external.
  external: ['vscode'],
  // jsonc-parser's `main` is a UMD build whose internal requires esbuild cannot follow; its ESM build bundles.
  mainFields: ['module', 'main'],
};

function listTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const targets = [
  // The tokenizer tables, loaded on first use by src/core/tokens (kept out of the other bundles).
  { ...nodeCommon, entryPoints: { tokenizer: 'src/core/tokens/encodings.ts' }, outdir: 'dist' },
  // The XLSX writer (exceljs and its dependencies), loaded only when an XLSX report is written.
  { ...nodeCommon, entryPoints: { xlsx: 'src/core/report/xlsxWorkbook.ts' }, outdir: 'dist' },
  // The model SDKs of agent mode, each loaded only when a run talks to that API (src/core/agent/providers/load.ts).
  { ...nodeCommon, entryPoints: { 'openai-sdk': 'src/core/agent/providers/openaiSdk.ts', 'anthropic-sdk': 'src/core/agent/providers/anthropicSdk.ts' }, outdir: 'dist' },
  // The OpenTelemetry SDK and OTLP exporter, loaded only when spans are exported (src/core/otel/load.ts).
  { ...nodeCommon, entryPoints: { 'otel-sdk': 'src/core/otel/sdk.ts' }, outdir: 'dist' },
  // MCP tasks (@modelcontextprotocol/ext-tasks, ESM only; src/core/servers/tasks.ts): the small receiver, loaded
  // when a server connects with sampling/elicitation handlers, and the task client, loaded by task-based calls.
  { ...nodeCommon, entryPoints: { 'tasks-sdk': 'src/core/servers/tasksSdk.mts', 'tasks-receiver': 'src/core/servers/tasksReceiver.mts' }, outdir: 'dist' },
  // The official MCP conformance suite's CLI (ESM, MIT, with its dependencies), run as a child process by the
  // lab's conformance suite and `mcp-harness conformance` (src/core/conformance/suite.ts). As CommonJS it needs no
  // Node 22 `fs.globSync` at load; third-party code, so no source map.
  { ...nodeCommon, entryPoints: { conformance: 'node_modules/@modelcontextprotocol/conformance/dist/index.js' }, outdir: 'dist', sourcemap: false, minify: true },
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
];
if (existsSync('src/core/sandbox/worker.ts')) {
  targets.push({ ...nodeCommon, entryPoints: { 'sandbox-worker': 'src/core/sandbox/worker.ts' }, outdir: 'dist' });
  // The worker loads QuickJS's .wasm from next to itself (src/core/sandbox/quickjs.ts, BUNDLED_WASM_NAME).
  mkdirSync('dist', { recursive: true });
  copyFileSync('node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm', 'dist/quickjs-release-sync.wasm');
}
if (existsSync('webview/main.ts')) {
  targets.push({
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', minify: production,
    sourcemap: production ? false : 'linked', logLevel: 'warning', plugins: watch ? [problemMatcher] : [],
    entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist',
    loader: { '.css': 'text' },
  });
}
const integrationTests = listTests('test/integration/suite');
if (integrationTests.length && !production) {
  targets.push({
    ...nodeCommon, entryPoints: integrationTests, outdir: 'out/test/integration/suite', outbase: 'test/integration/suite',
    bundle: true, external: [...nodeCommon.external, 'mocha'],
  });
}

// The compact BPE rank tables (src/core/tokens/rankTable.ts) the core counts a few short texts with,
// written from gpt-tokenizer's own tables by the same code that reads them.
async function writeRankTables() {
  const built = await esbuild.build({ entryPoints: ['src/core/tokens/rankTable.ts'], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'warning' });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', built.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  const { RankTable } = mod.exports;
  mkdirSync('dist', { recursive: true });
  for (const encoding of ['o200k_base', 'cl100k_base']) {
    const { default: ranks } = await import(`gpt-tokenizer/bpeRanks/${encoding}`);
    writeFileSync(`dist/${encoding}.bpe`, RankTable.fromRanks(ranks).bytes);
  }
}
await writeRankTables();

if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
