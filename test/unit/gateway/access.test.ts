// Resources and prompts through the gateway get the policy (allow/deny on server/uri and server/prompt)
// and the output guardrails (secrets masked in what a read or a prompt returns) as steps of the client's run
// (the run service's resource and prompt steps), and every outcome is audited.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { buildCli, CLI, FAKE_SECRET, jsonLines, makeWorkspace, traceFiles } from './helpers';

const LEAKY = join(__dirname, 'fixtures', 'leaky.mjs');

describe('gateway resource and prompt guards', function () {
  this.timeout(120_000);

  describe('through a stdio gateway', () => {
    let ws: string;
    let client: Client;

    before(async () => {
      buildCli();
      ws = makeWorkspace({ 'mcpHarness.policy.deny': ['everything/get-env', 'leaky/leaky://private/**', 'leaky/internal'] });
      writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { leaky: { command: process.execPath, args: [LEAKY, FAKE_SECRET] } } }));
      client = new Client({ name: 'access-test', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--stdio', '--workspace', ws], stderr: 'ignore' }));
    });
    after(async () => {
      await client?.close();
      rmSync(ws, { recursive: true, force: true });
    });

    it('lists only what the policy allows, refuses the rest with the rule, and masks the secret in a read and a prompt', async () => {
      const { resources } = await client.listResources();
      assert.deepEqual(resources.map((r) => r.uri), ['mcp-harness://leaky/leaky%3A%2F%2Fconfig']);
      const { prompts } = await client.listPrompts();
      assert.deepEqual(prompts.map((p) => p.name), ['leaky__setup']);
      const read = await client.readResource({ uri: 'mcp-harness://leaky/leaky%3A%2F%2Fconfig' });
      const text = String((read.contents[0] as { text?: string }).text);
      assert.match(text, /^token=/);
      assert.ok(!text.includes(FAKE_SECRET), text);
      const prompt = await client.getPrompt({ name: 'leaky__setup' });
      assert.ok(!JSON.stringify(prompt).includes(FAKE_SECRET), JSON.stringify(prompt));
      await assert.rejects(client.readResource({ uri: 'mcp-harness://leaky/leaky%3A%2F%2Fprivate%2Fnotes' }), /MCP Harness denied this resource \(denied_policy\).*deny rule 'leaky\/leaky:\/\/private\/\*\*'/);
      await assert.rejects(client.getPrompt({ name: 'leaky__internal' }), /MCP Harness denied this prompt \(denied_policy\).*'leaky\/internal'/);
    });

    it('traces reads, prompts and their denials as steps of the client\'s run, and audits them, without the secret', async () => {
      await client.close();
      const file = join(ws, '.mcp-harness/audit/gateway.jsonl');
      for (let i = 0; i < 200 && !readFileSync(file, 'utf8').includes('"action":"stop"'); i++) await new Promise((r) => setTimeout(r, 50));
      const audit = jsonLines(file).filter((a) => a.kind !== 'admin');
      assert.deepEqual(audit.map((a) => `${a.kind}:${a.action}`), ['resource:read', 'prompt:get', 'denial:denied_policy', 'denial:denied_policy']);
      assert.ok(Array.isArray(audit[0].findings) && (audit[0].findings as string[]).some((k) => k.startsWith('secret.')));
      assert.ok(!readFileSync(file, 'utf8').includes(FAKE_SECRET));
      const [trace] = traceFiles(ws);
      const steps = jsonLines(trace).filter((l) => l.type === 'step');
      assert.deepEqual(steps.map((s) => `${s.kind} ${s.server}/${s.tool} ${s.decision}`), ['resource leaky/leaky://config ok', 'prompt leaky/setup ok', 'resource leaky/leaky://private/notes denied_policy', 'prompt leaky/internal denied_policy']);
      assert.ok(!readFileSync(trace, 'utf8').includes(FAKE_SECRET), 'no secret in the trace');
    });
  });
});
