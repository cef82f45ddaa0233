// `mcp-harness exec` on the built CLI (node dist/cli.js; build with `node esbuild.mjs`), against a
// workspace whose server is the real server-everything.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli as runBuiltCli } from '../lint/cliHelpers';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

const runCli = (args: string[], cwd: string, stdin?: string) => runBuiltCli(CLI, args, cwd, stdin);

describe('mcp-harness exec', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-exec-'));
    mkdirSync(join(dir, '.vscode'));
    mkdirSync(join(dir, '.mcp-harness', 'skills'), { recursive: true });
    writeFileSync(join(dir, '.vscode', 'mcp.json'), JSON.stringify({ servers: { everything: { type: 'stdio', command: process.execPath, args: [EVERYTHING] } } }));
    writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'mcpHarness.policy.trustedServers': ['everything'], 'mcpHarness.sandbox.maxToolCalls': 3 }));
    writeFileSync(join(dir, '.mcp-harness', 'skills', 'util.js'), 'export function double(x) { return x * 2; }');
    writeFileSync(join(dir, 'sum.mcp.js'), 'const r = await tools.everything.get_sum({ a: 1, b: skills.util.double(2) });\nconsole.info(r.text);\nreturn r.text;\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a file and prints {ok, value, logs, metrics} as JSON', async () => {
    const r = await runCli(['exec', 'sum.mcp.js', '--json'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.value, 'The sum of 1 and 4 is 5.');
    assert.deepEqual(out.logs, [{ level: 'info', text: 'The sum of 1 and 4 is 5.' }]);
    assert.deepEqual(Object.keys(out.metrics).sort(), ['duration_ms', 'heap_bytes_peak', 'tokens_raw', 'tokens_returned', 'tool_calls']);
    assert.equal(out.metrics.tool_calls, 1);
  });

  it('reads code from stdin, exits 1 with the error kind, and applies --timeout-ms', async () => {
    const r = await runCli(['exec', '-', '--timeout-ms', '300', '--json'], dir, 'while (true) {}');
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, false);
    assert.equal(out.error.kind, 'timeout');
    assert.match(out.error.message, /300 ms/);
  });

  it('applies mcpHarness.sandbox.* from .vscode/settings.json', async () => {
    const r = await runCli(['exec', '-', '--json'], dir, 'for (let i = 0; i < 10; i++) await tools.everything.echo({ message: "x" });');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.kind, 'denied');
    assert.match(JSON.parse(r.stdout).error.message, /more than 3 tool calls/);
  });

  // Each attack through the real CLI: whatever the code does, stdout is exactly the one JSON result
  // (nothing from QuickJS, Emscripten or the worker), the error has a clean kind, and a limit's message
  // says how to raise it in the CLI's terms.
  const attacks: [string, string, string[], RegExp, RegExp?][] = [
    ['a microtask flood (issue 10)', 'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {})', ['--timeout-ms', '2000', '--memory-mb', '64'], /^(memory|timeout)$/],
    ['an infinite loop', 'for (;;) {}', ['--timeout-ms', '300'], /^timeout$/, /ran longer than 300 ms and was stopped\. To allow more, pass --timeout-ms\.$/],
    ['an object memory bomb', 'const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] });', ['--memory-mb', '24', '--timeout-ms', '10000'], /^memory$/, /more than 24 MB.*To allow more, pass --memory-mb\.$/],
    ['deep recursion', 'function f(n) { return f(n + 1) + 1; } return f(0);', [], /^stack$/, /To allow more, set mcpHarness\.sandbox\.stackKb in \.vscode\/settings\.json\.$/],
    ['a single uninterruptible operation', 'return JSON.parse("[" + "1,".repeat(2e7) + "1]").length;', ['--timeout-ms', '300', '--memory-mb', '512'], /^timeout$/],
    ['tool calls over the limit', 'for (;;) { try { await tools.everything.echo({ message: "x" }); } catch (e) {} }', [], /^denied$/, /more than 3 tool calls.*To allow more, pass --max-tool-calls\.$/],
    ['a hostile error object', 'throw new Proxy({}, { get() { throw 1; } });', [], /^runtime$/],
  ];
  for (const [name, code, args, kind, message] of attacks) {
    it(`prints only the JSON result on stdout: ${name}`, async () => {
      const r = await runCli(['exec', '-', ...args], dir, code);
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout);
      // Exactly one document, as the CLI prints it: nothing before or after it.
      assert.equal(r.stdout, `${JSON.stringify(out, null, 2)}\n`);
      assert.match(out.error.kind, kind, JSON.stringify(out.error));
      if (message) assert.match(out.error.message, message);
      assert.doesNotMatch(r.stdout + r.stderr, /Aborted|failed internally/);
    });
  }

  it("says where the code failed as the user's file reads, not as the wrapped code does", async () => {
    // An unfinished expression is noticed at the wrapper's closing `})()`, a line the file does not have.
    writeFileSync(join(dir, 'unfinished.mcp.js'), 'return (1 +\n');
    const unfinished = await runCli(['exec', 'unfinished.mcp.js', '--json'], dir);
    assert.equal(unfinished.code, 1, unfinished.stderr);
    assert.match(JSON.parse(unfinished.stdout).error.message, /^SyntaxError: .* \(at the end of the code\)$/);
    // Line 1's columns do not count the wrapper's `(async () => {`.
    const first = await runCli(['exec', '-', '--json'], dir, 'throw new Error("boom")');
    assert.match(JSON.parse(first.stdout).error.message, /^Error: boom \(at .*code\.mcp\.js:1:16\)+$/);
    const second = await runCli(['exec', '-', '--json'], dir, 'const a = 1;\n  null.x;\nreturn a');
    assert.match(JSON.parse(second.stdout).error.message, /^TypeError: .* \(at .*code\.mcp\.js:2:7\)+$/);
  });

  it('exits 2 for a missing file, code over 1 MB (file or stdin), bad numbers and unknown servers', async () => {
    const missing = await runCli(['exec', 'nope.mcp.js'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /could not read 'nope\.mcp\.js'/);
    const bad = await runCli(['exec', '-', '--memory-mb', 'lots'], dir, 'return 1');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--memory-mb must be a whole number/);
    const range = await runCli(['exec', '-', '--memory-mb', '4'], dir, 'return 1');
    assert.equal(range.code, 2);
    assert.match(range.stderr, /--memory-mb must be a number from 24 to 2048 \(got 4\)/);
    // Code over 1 MB is refused from standard input as from a file, before anything runs.
    const bigFile = join(dir, 'big.mcp.js');
    writeFileSync(bigFile, `return 1;\n//${'x'.repeat(1024 * 1024)}`);
    const bigFromFile = await runCli(['exec', 'big.mcp.js'], dir);
    assert.equal(bigFromFile.code, 2);
    assert.match(bigFromFile.stderr, /'big\.mcp\.js' is larger than 1048576 bytes; sandbox code must be smaller/);
    // A folder is named as one; an endless source is refused at the cap, not read whole.
    const folder = await runCli(['exec', '.vscode'], dir);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /'\.vscode' is a folder\. Pass a \.mcp\.js file/);
    const endless = await runCli(['exec', '/dev/zero'], dir);
    assert.equal(endless.code, 2);
    assert.match(endless.stderr, /'\/dev\/zero' is larger than 1048576 bytes/);
    const bigFromStdin = await runCli(['exec', '-'], dir, `return 1;\n//${'x'.repeat(1024 * 1024)}`);
    assert.equal(bigFromStdin.code, 2, bigFromStdin.stdout);
    assert.match(bigFromStdin.stderr, /the code on standard input is larger than 1048576 bytes; sandbox code must be smaller/);
    assert.equal(bigFromStdin.stdout, '');
    const server = await runCli(['exec', '-', '--servers', 'ghost'], dir, 'return 1');
    assert.equal(server.code, 2);
    assert.match(server.stderr, /no MCP server named 'ghost'/);
  });
});
