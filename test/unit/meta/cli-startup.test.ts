// What a CLI process loads. One guarded `call` must stay lean (its peak memory and wall time are figures in
// `npm run bench`, bench/cli-memory.bench.mjs): the CLI's start-up evaluates the command table and no command
// module nor package (each command loads when it runs), and a `call` on a stdio server loads neither the OpenTelemetry SDK, the model SDKs, the XLSX writer, the v1 MCP SDK, nor the v2
// client's bundled ajv or a second zod. A new top-level import of something heavy fails here, not in a bench.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const repo = path.resolve(__dirname, '..', '..', '..');
const ENTRY = 'src/cli/main.ts';
const EVERYTHING = path.join(repo, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** The packages the CLI evaluates on every start (statically imported); anything else must load on demand. */
const EAGER_PACKAGES: string[] = [];
const COMMAND_MODULE = /src\/cli\/commands\/(?!index\.ts)[\w-]+\.ts$/;

/** What a `call` on a stdio server must not load: module paths inside cli.js, or bundles beside it. */
const NOT_FOR_A_CALL: Array<[string, RegExp]> = [
  ['the OpenTelemetry SDK bundle', /otel-sdk\.js$|@opentelemetry\//],
  ['the model SDK bundles', /(openai|anthropic)-sdk\.js$|node_modules\/(openai|@anthropic-ai)\//],
  ['the XLSX writer', /xlsx\.js$|node_modules\/exceljs\//],
  ['the v1 MCP SDK', /node_modules\/@modelcontextprotocol\/sdk\//],
  ["the v2 client's bundled ajv", /@modelcontextprotocol\/client\/dist\/ajvProvider/],
  ['a second zod', /@modelcontextprotocol\/client\/node_modules\/zod\//],
  // The session parser checks an "agent" key with the agent's spec and limits (no package, ~170 lines).
  ['agent, gateway or lab code', /src\/core\/agent\/(?!spec\.ts|types\.ts)|src\/core\/gateway\/|src\/core\/lab\/(chaos|serviceHost|conformanceRun)/],
  ['another command', /src\/cli\/commands\/(?!index\.ts|call\.ts)[\w-]+\.ts$/],
];

/** What listing one server's tools must not load: the guard pipeline and what only it needs, other commands. */
const NOT_FOR_TOOLS: Array<[string, RegExp]> = [
  ...NOT_FOR_A_CALL.slice(0, 6),
  ['the guard pipeline', /src\/core\/guards\//],
  ['ajv', /node_modules\/ajv(-formats)?\//],
  ['the tokenizer', /tokenizer\.js$|src\/core\/tokens\//],
  ['another command', /src\/cli\/commands\/(?!index\.ts|tools\.ts)[\w-]+\.ts$/],
];

function packageOf(input: string): string {
  const parts = input.split('/');
  return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
}

/** The inputs of the CLI bundle reached from its entry through static imports only: evaluated at every start. */
async function eagerInputs(): Promise<string[]> {
  const built = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], mainFields: ['module', 'main'],
    write: false, metafile: true, logLevel: 'silent', outfile: path.join(os.tmpdir(), 'mcp-harness-startup-check.js'),
  });
  const { inputs } = built.metafile;
  const seen = new Set<string>();
  const stack = [ENTRY];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of inputs[file]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) stack.push(imp.path);
  }
  return [...seen];
}

// esbuild's lazy-module helpers in the unminified bundle; the traced copy records each module's path as it is
// first evaluated, and every require() of a file (the bundles beside cli.js), into MCP_HARNESS_LOAD_LOG.
const ESM_INIT = 'return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;';
const CJS_INIT = 'return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;';
const PRELUDE = `"use strict";const __loadLog=[];process.on("exit",()=>require("fs").writeFileSync(process.env.MCP_HARNESS_LOAD_LOG,__loadLog.join("\\n")));`
  + `{const M=require("module");const r=M.prototype.require;M.prototype.require=function(id){__loadLog.push(id);return r.apply(this,arguments);};}`;

function traced(bundle: string): string {
  assert.ok(bundle.includes(ESM_INIT) && bundle.includes(CJS_INIT), "esbuild's __esm/__commonJS helpers changed: update ESM_INIT/CJS_INIT");
  return bundle
    .replace('"use strict";', PRELUDE)
    .replace(ESM_INIT, `if (fn) __loadLog.push(__getOwnPropNames(fn)[0]); ${ESM_INIT}`)
    .replace(CJS_INIT, `if (!mod) __loadLog.push(__getOwnPropNames(cb)[0]); ${CJS_INIT}`);
}

describe('CLI start-up: what a process loads', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-harness-startup-'));
    for (const f of fs.readdirSync(path.join(repo, 'dist'))) {
      if (/\.(js|wasm|bpe)$/.test(f)) fs.copyFileSync(path.join(repo, 'dist', f), path.join(dir, f));
    }
    fs.writeFileSync(path.join(dir, 'cli.js'), traced(fs.readFileSync(path.join(repo, 'dist', 'cli.js'), 'utf8')));
    fs.mkdirSync(path.join(dir, 'ws', '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'ws', '.vscode', 'settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['everything'] }));
    fs.writeFileSync(path.join(dir, 'ws', '.vscode', 'mcp.json'),
      JSON.stringify({ servers: { everything: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] } } }));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function loadedBy(args: string[]): { loaded: string[]; stdout: string } {
    const log = path.join(dir, `load-${args[0].replace(/\W/g, '')}.log`);
    const res = spawnSync(process.execPath, [path.join(dir, 'cli.js'), ...args], {
      cwd: path.join(dir, 'ws'), encoding: 'utf8', timeout: 60_000, env: { ...process.env, MCP_HARNESS_LOAD_LOG: log },
    });
    assert.equal(res.status, 0, `${args.join(' ')} failed: ${res.stderr}`);
    return { loaded: fs.readFileSync(log, 'utf8').split('\n'), stdout: res.stdout };
  }

  it('start-up evaluates only the listed packages (a new top-level import of a package fails here)', async () => {
    const eager = await eagerInputs();
    assert.ok(eager.includes('src/cli/commands/index.ts'), 'the import walk did not reach the command table');
    assert.deepEqual(eager.filter((f) => COMMAND_MODULE.test(f)), [], 'a command module is imported statically: load it from the command table');
    const packages = [...new Set(eager.filter((f) => f.startsWith('node_modules/')).map(packageOf))].sort();
    assert.deepEqual(packages, EAGER_PACKAGES, 'load a new package where it is needed (a require() keeps it lazy in the bundle), or list it here on purpose');
  });

  it('one guarded call on a stdio server loads the v2 client and nothing it does not need', () => {
    const { loaded, stdout } = loadedBy(['call', 'everything/echo', '--args', '{"message":"hi"}', '--json']);
    assert.match(stdout, /"decision":"ok"/);
    // The trace must see lazily loaded modules, or the checks below could not fail.
    assert.ok(loaded.includes('node_modules/@modelcontextprotocol/client/dist/index.cjs'), loaded.slice(0, 20).join('\n'));
    assert.ok(loaded.some((m) => m.endsWith('tokenizer.js') || m.includes('src/core/tokens/')), 'the call counted no tokens');
    for (const [what, pattern] of NOT_FOR_A_CALL) {
      assert.deepEqual(loaded.filter((m) => pattern.test(m)), [], `a call loaded ${what}`);
    }
  });

  it('--help loads no command module', () => {
    const { loaded, stdout } = loadedBy(['--help']);
    assert.match(stdout, /tools +Start one server and list its tools/);
    assert.deepEqual(loaded.filter((m) => COMMAND_MODULE.test(m) || m.startsWith('node_modules/')), []);
  });

  it('listing one server\'s tools loads the tools command and the client, not the guards', () => {
    const { loaded, stdout } = loadedBy(['tools', 'everything', '--json']);
    assert.match(stdout, /"name": "echo"/);
    assert.ok(loaded.includes('src/cli/commands/tools.ts') && loaded.includes('node_modules/@modelcontextprotocol/client/dist/index.cjs'), loaded.slice(0, 20).join('\n'));
    for (const [what, pattern] of NOT_FOR_TOOLS) {
      assert.deepEqual(loaded.filter((m) => pattern.test(m)), [], `tools loaded ${what}`);
    }
  });

  it("a call to a tool with an outputSchema loads the SDK's own validator, on demand", () => {
    const { loaded, stdout } = loadedBy(['call', 'everything/get-structured-content', '--args', '{"location":"New York"}', '--json']);
    assert.match(stdout, /"decision":"ok"/);
    assert.ok(loaded.some((m) => NOT_FOR_A_CALL[4][1].test(m)), "the client validated structuredContent without the SDK's validator");
  });

  it('the checks can fail: exporting spans loads the OpenTelemetry SDK bundle', () => {
    const trace = path.join(repo, 'test/fixtures/traces/every-decision.jsonl');
    const { loaded } = loadedBy(['trace', 'export', '--format', 'otlp-json', trace]);
    assert.ok(loaded.some((m) => NOT_FOR_A_CALL[0][1].test(m)), 'otel-sdk.js was not seen being loaded');
  });
});
