import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { buildCli, CLI, jsonLines, makeWorkspace, textOf, traceFiles } from './helpers';

async function stdioGateway(ws: string, extra: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--workspace', ws, ...extra], stderr: 'ignore', env: { ...process.env, MCP_HARNESS_VERBOSE: '' } as Record<string, string> });
  const client = new Client({ name: 'modes-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function waitForEnd(ws: string): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 200; i++) {
    const file = traceFiles(ws)[0];
    if (file && readFileSync(file, 'utf8').includes('"type":"end"')) return jsonLines(file);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the trace was not ended');
}

describe('gateway modes', function () {
  this.timeout(120_000);
  before(buildCli);

  describe('code mode (search_tools + run_code through the same run)', () => {
    let ws: string;
    let client: Client;
    before(async () => {
      ws = makeWorkspace();
      client = await stdioGateway(ws, ['--mode', 'code', '--servers', 'everything']);
    });
    after(() => rmSync(ws, { recursive: true, force: true }));

    it('offers exactly the two code-mode tools', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ['search_tools', 'run_code']);
    });

    it('finds tools with their signatures', async () => {
      const result = await client.callTool({ name: 'search_tools', arguments: { query: 'echo', limit: 3 } });
      const found = (result.structuredContent as { tools: { name: string; signature?: string }[] }).tools;
      assert.equal(found[0].name, 'everything/echo');
      assert.match(found[0].signature ?? '', /message/);
      assert.ok(found.length <= 3);
    });

    it('runs code whose tool calls are guarded: an allowed echo and a denied get-env', async () => {
      const ok = await client.callTool({ name: 'run_code', arguments: { code: 'const r = await tools.everything.echo({ message: "from code" }); return r.text;' } });
      assert.equal(ok.isError, false, textOf(ok));
      const printed = JSON.parse(textOf(ok));
      assert.equal(printed.value, 'Echo: from code');
      assert.deepEqual(printed.tool_calls.map((c: { tool: string; decision: string }) => `${c.tool} ${c.decision}`), ['everything/echo ok']);
      const denied = await client.callTool({ name: 'run_code', arguments: { code: 'return await mcp.call("everything/get-env", {});' } });
      assert.equal(denied.isError, true);
      assert.match(textOf(denied), /denied_policy/);
    });

    it('traces run_code as a code step whose tool calls are its children', async () => {
      await client.close();
      const lines = await waitForEnd(ws);
      // Tool calls and code steps: the server's log lines are recorded in the run too (kind 'log').
      const steps = lines.filter((l) => l.type === 'step' && (l.kind === 'tool' || l.kind === 'code'));
      const children = steps.filter((s) => s.parent_id !== undefined);
      assert.deepEqual(children.map((s) => `${s.parent_id} ${s.server}/${s.tool} ${s.decision}`), ['call-2 everything/echo ok', 'call-3 everything/get-env denied_policy']);
      const codeSteps = steps.filter((s) => s.kind === 'code');
      assert.deepEqual(codeSteps.map((s) => `${s.step_id} ${s.decision}`), ['call-2 ok', 'call-3 denied_policy']);
      for (const child of children) assert.ok(codeSteps.some((c) => c.step_id === child.parent_id), `the parent of ${child.step_id} is in the trace`);
      assert.match(String((codeSteps[0].args as { code: string }).code), /tools\.everything\.echo/);
      const end = lines.at(-1)!;
      assert.equal((end.totals as { steps: number }).steps, 4, 'the run counts both code steps and the two calls they made (as agent runs do)');
    });
  });

  describe('code mode with a secret in the code', () => {
    let ws: string;
    after(() => rmSync(ws, { recursive: true, force: true }));

    it('traces the run_code step with the secret masked in its code and value', async () => {
      const secret = `ghp_${'K3'.repeat(18)}`;
      ws = makeWorkspace();
      const client = await stdioGateway(ws, ['--mode', 'code', '--servers', 'everything']);
      const printed = JSON.parse(textOf(await client.callTool({ name: 'run_code', arguments: { code: `return "${secret}";` } })));
      assert.equal(printed.value, secret, 'the client that wrote the code gets its value');
      await client.close();
      const code = (await waitForEnd(ws)).find((l) => l.type === 'step' && l.kind === 'code')!;
      const text = readFileSync(traceFiles(ws)[0], 'utf8');
      assert.deepEqual([(code.args as { code: string }).code, code.output], ['return "[REDACTED:github_token]";', '[REDACTED:github_token]']);
      assert.ok(!text.includes(secret.slice(0, 20)), 'no part of the secret in the trace');
    });
  });

  describe('list_changed', () => {
    let ws: string;
    let client: Client;
    before(async () => {
      ws = makeWorkspace();
      writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { changing: { command: process.execPath, args: [join(__dirname, 'fixtures/changing.mjs')] } } }));
      writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.policy.trustedServers': ['changing'] }));
      client = await stdioGateway(ws);
    });
    after(async () => {
      await client?.close();
      rmSync(ws, { recursive: true, force: true });
    });

    it('forwards an upstream\'s tools/list_changed, and the new tool is listed and callable', async () => {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['changing__add_prompt', 'changing__add_resource', 'changing__add_tool']);
      const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolve()));
      assert.equal(textOf(await client.callTool({ name: 'changing__add_tool', arguments: { name: 'late' } })), 'added added_late');
      await changed;
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['changing__add_prompt', 'changing__add_resource', 'changing__add_tool', 'changing__added_late']);
      assert.equal(textOf(await client.callTool({ name: 'changing__added_late', arguments: {} })), 'I am late');
    });

    it('forwards resources/list_changed and prompts/list_changed; the new resource reads and the new prompt gets', async () => {
      assert.deepEqual((await client.listResources()).resources, []);
      const resources = new Promise<void>((resolve) => client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => resolve()));
      assert.equal(textOf(await client.callTool({ name: 'changing__add_resource', arguments: { name: 'fresh' } })), 'added changing://fresh');
      await resources;
      const listed = (await client.listResources()).resources.map((r) => r.uri);
      assert.deepEqual(listed, ['mcp-harness://changing/' + encodeURIComponent('changing://fresh')]);
      const read = await client.readResource({ uri: listed[0] });
      assert.equal((read.contents[0] as { text?: string }).text, 'resource fresh');
      assert.deepEqual((await client.listPrompts()).prompts, []);
      const prompts = new Promise<void>((resolve) => client.setNotificationHandler(PromptListChangedNotificationSchema, async () => resolve()));
      assert.equal(textOf(await client.callTool({ name: 'changing__add_prompt', arguments: { name: 'fresh' } })), 'added prompt_fresh');
      await prompts;
      assert.deepEqual((await client.listPrompts()).prompts.map((p) => p.name), ['changing__prompt_fresh']);
      const got = await client.getPrompt({ name: 'changing__prompt_fresh' });
      assert.match(JSON.stringify(got.messages), /prompt fresh/);
    });
  });

  describe('a workspace config that lists the gateway itself (.mcp.json for Claude Code)', () => {
    let ws: string;
    after(() => rmSync(ws, { recursive: true, force: true }));

    it('leaves that entry out instead of starting itself again', async () => {
      ws = makeWorkspace();
      writeFileSync(join(ws, '.mcp.json'), JSON.stringify({ mcpServers: { harness: { command: 'node', args: [CLI, 'gateway', '--stdio', '--workspace', ws] } } }));
      let stderr = '';
      const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--workspace', ws], stderr: 'pipe', env: { ...process.env, MCP_HARNESS_VERBOSE: '' } as Record<string, string> });
      transport.stderr!.on('data', (d) => (stderr += d));
      const client = new Client({ name: 'self-test', version: '1.0.0' });
      await client.connect(transport);
      const servers = new Set((await client.listTools()).tools.map((t) => t.name.split('__')[0]));
      await client.close();
      assert.deepEqual([...servers].sort(), ['everything', 'memory']);
      assert.match(stderr, /leaving out 'harness' .*it starts an MCP Harness gateway, which would serve itself/);
    });
  });
});
