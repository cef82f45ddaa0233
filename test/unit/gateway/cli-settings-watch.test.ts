// `mcp-harness gateway` following .vscode/settings.json while it runs: the real gateway process (stdio and HTTP)
// over server-everything and the `slow` fixture. A saved change applies to every client's next call without a
// server restart; a malformed file keeps the running settings; a client session's runs stay readable (the old
// run ends as soon as no call uses it, the next one is named after it with a note of the reload). Each test
// waits on the gateway's stderr lines, its answers, or a trace file's end line, never on a sleep.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, CLI, EVERYTHING, FAKE_SECRET, httpClient, httpGatewaySaid, jsonLines, makeWorkspace, ROOT, startHttpGateway, stop, textOf, traceFiles, watchedStdioGateway, type HttpGatewayProcess, type WatchedGateway } from './helpers';

const SLOW = join(ROOT, 'test/fixtures/servers/slow.mjs');

/** The runs traced so far, oldest first: each one's header and whether its end line is written. */
function runs(ws: string): { name: string; servers: unknown; ended: boolean; steps: Record<string, unknown>[] }[] {
  return traceFiles(ws)
    .map((file) => jsonLines(file))
    .sort((a, b) => String(a[0].started_at).localeCompare(String(b[0].started_at)))
    .map((lines) => ({ name: String(lines[0].name), servers: lines[0].servers, ended: lines.some((l) => l.type === 'end'), steps: lines.filter((l) => l.type === 'step') }));
}

/** Waits for a condition the gateway brings about in a file (a trace's end line), checking every 25 ms for 20 s. */
async function eventually<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function auditReloads(ws: string): Record<string, unknown>[] {
  return jsonLines(join(ws, '.mcp-harness/audit/gateway.jsonl')).filter((e) => e.action === 'reload');
}

describe('gateway CLI: following .vscode/settings.json', function () {
  this.timeout(120_000);
  const cleanup: (() => Promise<unknown>)[] = [];
  before(() => buildCli());
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  /** Writes .vscode/settings.json: these mcpHarness.* settings over trusted servers (or the text as it is). */
  function saveSettings(ws: string, settings: Record<string, unknown> | string): void {
    const text = typeof settings === 'string' ? settings : JSON.stringify({ 'mcpHarness.policy.trustedServers': ['everything', 'slow'], ...settings }, null, 2);
    writeFileSync(join(ws, '.vscode/settings.json'), text);
  }

  /** A workspace serving the given servers (made from the workspace folder), with these mcpHarness.* settings. */
  function workspace(servers: (ws: string) => Record<string, unknown>, settings: Record<string, unknown> = {}): string {
    const ws = makeWorkspace();
    cleanup.push(async () => rmSync(ws, { recursive: true, force: true }));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: servers(ws) }));
    saveSettings(ws, settings);
    return ws;
  }

  async function gateway(ws: string, extra: string[] = []): Promise<WatchedGateway> {
    const g = await watchedStdioGateway(ws, extra);
    cleanup.push(() => g.client.close());
    return g;
  }

  const everything = () => ({ everything: { command: process.execPath, args: [EVERYTHING] } });
  const echo = (g: WatchedGateway, message: string) => g.client.callTool({ name: 'everything__echo', arguments: { message } });

  describe('over HTTP', () => {
    let gw: HttpGatewayProcess | undefined;
    afterEach(async () => {
      if (gw) await stop(gw);
      gw = undefined;
    });

    it('a tool newly denied is refused at the next call of every client, with no server restarted; the reload is audited by setting and each session\'s old run ends at once', async () => {
      const ws = workspace(everything);
      gw = await startHttpGateway(ws);
      const early = await httpClient(gw, 'early');
      const idle = await httpClient(gw, 'idle');
      assert.equal(textOf(await early.callTool({ name: 'everything__echo', arguments: { message: 'before' } })), 'Echo: before');
      const health = async () => (JSON.parse(await (await fetch(`${gw!.base}/health`, { headers: { Authorization: `Bearer ${gw!.token}` } })).text()).upstreams as { id: string; pid?: number }[])[0];
      const pid = (await health()).pid;
      assert.ok(pid);
      saveSettings(ws, { 'mcpHarness.policy.deny': ['everything/echo'] });
      await httpGatewaySaid(gw, /the settings changed \(policy\.deny\); every client's next call applies them\./);
      for (const client of [early, idle]) {
        const refused = await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } });
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /MCP Harness denied this call \(denied_policy\): 'everything\/echo' matches the deny rule 'everything\/echo'\./);
      }
      // Allowed tools still work; the server was not restarted for a settings change.
      assert.match(textOf(await early.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } })), /5/);
      assert.equal((await health()).pid, pid);
      assert.doesNotMatch(await (await fetch(`${gw.base}/metrics`, { headers: { Authorization: `Bearer ${gw.token}` } })).text(), /upstream_restarts_total\{server="everything"\} [1-9]/);
      assert.deepEqual(auditReloads(ws).map((e) => e.settings), [['policy.deny']]);
      // early's first run ended with the reload (no call was using it), while early is still connected.
      await eventually('the retired run\'s end line', () => (runs(ws)[0]?.ended ? true : undefined));
      const [first, second, third] = runs(ws);
      assert.equal(first.steps.length, 1);
      assert.ok(!second.ended && !third.ended);
      const earlyRuns = runs(ws).filter((r) => r.name.startsWith(first.name));
      assert.deepEqual(earlyRuns.map((r) => r.name), [first.name, `${first.name} · part 2, after a reload (settings: policy.deny)`]);
      // idle made no call before the reload: its one run is its first, with no note.
      assert.ok(runs(ws).some((r) => /idle/.test(r.name) && !r.name.includes('part')));
      await early.close();
      await idle.close();
    });
  });

  it('a redaction rule switched on masks the next call\'s output and its trace record', async () => {
    const ws = workspace(everything, { 'mcpHarness.guardrails.redact': [] });
    const g = await gateway(ws);
    assert.equal(textOf(await echo(g, `token ${FAKE_SECRET}`)), `Echo: token ${FAKE_SECRET}`);
    saveSettings(ws, { 'mcpHarness.guardrails.redact': ['secrets'] });
    await g.said(/the settings changed \(guardrails\.redact\)/);
    const masked = textOf(await echo(g, `token ${FAKE_SECRET}`));
    assert.doesNotMatch(masked, new RegExp(FAKE_SECRET));
    assert.match(masked, /^Echo: token \S+/);
    await g.client.close();
    assert.deepEqual(auditReloads(ws).map((e) => e.settings), [['guardrails.redact']]);
    const steps = runs(ws).flatMap((r) => r.steps);
    assert.equal(steps.length, 2);
    assert.ok(!JSON.stringify(steps[1]).includes(FAKE_SECRET), 'the second call\'s trace record is masked');
  });

  it('keeps the running settings when the file is malformed (one line: file:line:col, what is wrong), then applies the fixed file', async () => {
    const ws = workspace(everything, { 'mcpHarness.policy.deny': ['everything/echo'] });
    const g = await gateway(ws);
    assert.equal((await echo(g, 'x')).isError, true);
    saveSettings(ws, '{\n  "mcpHarness.policy.deny": [],\n  "mcpHarness.policy.allow" ["*"]\n}\n');
    const line = await g.said(/^mcp-harness gateway: .*not applied.*\n/m);
    assert.match(line, /^mcp-harness gateway: \S*\.vscode[\\/]settings\.json:3:29: A colon was expected here: write "name": value\. The change was not applied: the gateway keeps its running settings until the file is fixed\.\n$/);
    assert.equal(g.stderr().split('\n').filter((l) => l.includes('settings.json')).length, 1, 'one line');
    // The deny rule from before still holds.
    assert.match(textOf(await echo(g, 'still denied')), /denied_policy/);
    saveSettings(ws, '[1, 2]');
    await g.said(/settings\.json:1:1: the file must hold one JSON object .*The change was not applied/);
    assert.deepEqual(g.heard, { tools: 0, resources: 0, prompts: 0 }, 'nothing announced for a file kept out');
    saveSettings(ws, { 'mcpHarness.policy.deny': [] });
    await g.said(/the settings changed \(policy\.deny\)/);
    assert.equal(textOf(await echo(g, 'allowed')), 'Echo: allowed');
    // The resource and prompt lists follow the policy: clients hear that they changed (the tool list does not).
    await Promise.all([g.changed('resources'), g.changed('prompts')]);
    assert.equal(g.heard.tools, 0);
    assert.deepEqual(auditReloads(ws).map((e) => e.settings), [['policy.deny']]);
  });

  it('says which changed settings are read at start only, and what is wrong with a new value (its default applies)', async () => {
    const ws = workspace(everything);
    const g = await gateway(ws);
    saveSettings(ws, { 'mcpHarness.traceDir': 'elsewhere', 'mcpHarness.sampling.policy': 'sometimes' });
    await g.said(/mcp-harness gateway: mcpHarness\.traceDir changed; it is read at start, so it applies when the gateway is restarted\.\n/);
    await g.said(/mcp-harness gateway: mcpHarness\.sampling\.policy must be "deny", "ask" or "allow" \(it is "sometimes"\); sampling stays denied\. Fix it in the workspace's \.vscode\/settings\.json \(or the --policy file\)\.\n/);
    assert.equal(textOf(await echo(g, 'x')), 'Echo: x');
    await g.client.close();
    assert.equal(runs(ws).length, 1, 'traces still go to the folder read at start');
    assert.doesNotMatch(g.stderr(), /the settings changed/);
    assert.deepEqual(auditReloads(ws), []);
  });

  it('follows the --policy file too: a rule removed there applies at the next call; a file that is not JSON is kept out', async () => {
    const ws = workspace(everything);
    const policy = join(ws, 'policy.json');
    writeFileSync(policy, JSON.stringify({ policy: { deny: ['everything/echo'] } }));
    const g = await gateway(ws, ['--policy', policy]);
    assert.match(textOf(await echo(g, 'x')), /denied_policy/);
    writeFileSync(policy, '{ "policy": ');
    await g.said(/could not read the policy file '.*policy\.json': .+\. The change was not applied: the gateway keeps its running settings until the file is fixed\.\n/);
    assert.match(textOf(await echo(g, 'still denied')), /denied_policy/);
    writeFileSync(policy, JSON.stringify({ policy: { deny: [] } }));
    await g.said(/the settings changed \(policy\.deny\)/);
    assert.equal(textOf(await echo(g, 'allowed')), 'Echo: allowed');
  });

  it('a run_code under way finishes in its run under the settings it began with; that run ends when it is done, and the session goes on in a run named after it', async () => {
    const ws = workspace((dir) => ({ ...everything(), slow: { command: process.execPath, args: [SLOW, '--call-log', join(dir, 'calls.log'), '--until', join(dir, 'release')] } }));
    const [calls, release] = [join(ws, 'calls.log'), join(ws, 'release')];
    const g = await gateway(ws, ['--mode', 'code', '--yes']);
    const code = 'await tools.slow.slow({ ms: 0 }); return (await tools.everything.echo({ message: "late" })).text ?? "";';
    const running = g.client.callTool({ name: 'run_code', arguments: { code } });
    await eventually('the slow call under way', () => (existsSync(calls) && readFileSync(calls, 'utf8').includes('call') ? true : undefined));
    saveSettings(ws, { 'mcpHarness.policy.deny': ['everything/echo'] });
    await g.said(/the settings changed \(policy\.deny\)/);
    // The run is kept while its run_code runs.
    assert.deepEqual(runs(ws).map((r) => r.ended), [false]);
    writeFileSync(release, '');
    const result = JSON.parse(textOf(await running)) as { ok: boolean; value: unknown; tool_calls: { decision: string }[] };
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.tool_calls.map((c) => c.decision), ['ok', 'ok']);
    // Done: the old run ends while the client is still connected.
    await eventually('the old run\'s end line', () => (runs(ws)[0]?.ended ? true : undefined));
    const after = JSON.parse(textOf(await g.client.callTool({ name: 'run_code', arguments: { code: 'return await tools.everything.echo({ message: "new" });' } }))) as { ok: boolean; tool_calls: { decision: string }[] };
    assert.deepEqual(after.tool_calls.map((c) => c.decision), ['denied_policy']);
    const [old, next] = runs(ws);
    assert.match(old.name, /^gateway watch-test \(stdio\) s1$/);
    assert.equal(next.name, `${old.name} · part 2, after a reload (settings: policy.deny)`);
    assert.ok(!next.ended);
  });

  describe('at start and at a reload, by one rule', () => {
    /** Starts the gateway on a workspace whose settings cannot be used: it must refuse at once. */
    function refusedStart(ws: string): { status: number | null; stderr: string } {
      const run = spawnSync(process.execPath, [CLI, 'gateway', '--stdio', '--workspace', ws], { cwd: ws, input: '', encoding: 'utf8', timeout: 30_000, env: { ...process.env, MCP_HARNESS_VERBOSE: '' } });
      return { status: run.status, stderr: run.stderr };
    }

    const MALFORMED = '{\n  "mcpHarness.policy.deny": ["everything/echo"],\n  "mcpHarness.policy.allow" ["*"]\n}\n';

    it('a settings file that a reload would keep out stops the start, with the same file:line:col and words (no gateway runs on the defaults)', async () => {
      const ws = workspace(everything);
      saveSettings(ws, MALFORMED);
      const start = refusedStart(ws);
      assert.equal(start.status, 2, start.stderr);
      assert.equal(start.stderr, 'mcp-harness: .vscode/settings.json:3:29: A colon was expected here: write "name": value. The gateway did not start: fix the file, then start it again.\n');
      assert.deepEqual(traceFiles(ws), [], 'no call was served');
      saveSettings(ws, '[1, 2]');
      assert.match(refusedStart(ws).stderr, /^mcp-harness: \.vscode\/settings\.json:1:1: the file must hold one JSON object .*The gateway did not start/);
      // The same file saved while the gateway runs: the same place and words, and the running settings stay.
      saveSettings(ws, {});
      const g = await gateway(ws);
      saveSettings(ws, MALFORMED);
      const line = await g.said(/^mcp-harness gateway: .*not applied.*\n/m);
      assert.match(line, /^mcp-harness gateway: \S*\.vscode[\\/]settings\.json:3:29: A colon was expected here: write "name": value\. The change was not applied/);
    });

    it('a --policy file that is not JSON stops the start as a reload keeps it out', async () => {
      const ws = workspace(everything);
      writeFileSync(join(ws, 'policy.json'), '{ "policy": ');
      const run = spawnSync(process.execPath, [CLI, 'gateway', '--stdio', '--workspace', ws, '--policy', 'policy.json'], { cwd: ws, input: '', encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /^mcp-harness: could not read the policy file 'policy\.json': .+\. The gateway did not start: fix the file, then start it again\.\n$/);
    });

    it('a bad value is described in the same line at start and when a reload brings it back; its default applies', async () => {
      const bad = { 'mcpHarness.sampling.maxTokens': 0, 'mcpHarness.sandbox.timeoutMs': -1 };
      const ws = workspace(everything, bad);
      const g = await gateway(ws);
      const lines = () => g.stderr().split('\n').filter((l) => l.includes('must be'));
      const atStart = lines();
      assert.deepEqual(atStart, [
        'mcp-harness gateway: mcpHarness.sampling.maxTokens must be a whole number of at least 1 (it is 0); sampling replies are capped at the default, 1024 tokens. Fix it in the workspace\'s .vscode/settings.json (or the --policy file).',
        'mcp-harness gateway: Setting mcpHarness.sandbox.timeoutMs must be a number from 50 to 600000; using the default instead of -1. Fix it in the workspace\'s .vscode/settings.json (or the --policy file).',
      ]);
      assert.equal(textOf(await echo(g, 'x')), 'Echo: x');
      // Fixed, then broken again: the reload says what the start said, word for word.
      // (A bad value left out and no value are the same settings: the deny rule marks the fixed file's reload.)
      const deny = { 'mcpHarness.policy.deny': ['nothing/here'] };
      saveSettings(ws, deny);
      await g.said(/the settings changed \(policy\.deny\)/);
      saveSettings(ws, { ...bad, ...deny });
      await eventually('both lines again', () => (lines().length === 4 ? true : undefined));
      assert.deepEqual(lines().slice(2), atStart);
    });
  });
});
