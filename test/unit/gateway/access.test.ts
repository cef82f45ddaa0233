// Resources and prompts through the gateway get the policy (allow/deny on server/uri and server/prompt)
// and the output guardrails (secrets masked in what a read or a prompt returns), and every outcome is audited.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { accessDenial, guardOutput } from '../../../src/core/gateway/access';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { buildCli, CLI, FAKE_SECRET, jsonLines, makeWorkspace } from './helpers';

const LEAKY = join(__dirname, 'fixtures', 'leaky.mjs');

describe('gateway resource and prompt guards', function () {
  this.timeout(120_000);

  it('applies allow and deny globs to server/uri and server/prompt', () => {
    const policy = { ...DEFAULT_POLICY, deny: ['leaky/leaky://private/**', 'leaky/internal'] };
    assert.match(accessDenial('resource', 'leaky', 'leaky://private/notes', policy)!, /matches the deny rule 'leaky\/leaky:\/\/private\/\*\*'/);
    assert.equal(accessDenial('resource', 'leaky', 'leaky://config', policy), undefined);
    assert.match(accessDenial('prompt', 'leaky', 'internal', policy)!, /deny rule/);
    const allowOnly = { ...DEFAULT_POLICY, allow: ['leaky/setup'] };
    assert.equal(accessDenial('prompt', 'leaky', 'setup', allowOnly), undefined);
    assert.match(accessDenial('resource', 'leaky', 'leaky://config', allowOnly)!, /matches none of the allow rules \(leaky\/setup\)/);
  });

  it('masks secrets in what comes back, withholds it under hard_gate, and passes it as it came in advisory mode', () => {
    const read = { contents: [{ uri: 'leaky://config', text: `token=${FAKE_SECRET}` }] };
    const masked = guardOutput('resource', read, { policy: DEFAULT_POLICY, guardrails: DEFAULT_GUARDRAILS });
    assert.ok(!JSON.stringify(masked.value).includes(FAKE_SECRET));
    assert.ok(masked.findings.some((f) => f.kind.startsWith('secret.')));
    assert.throws(() => guardOutput('resource', read, { policy: DEFAULT_POLICY, guardrails: { ...DEFAULT_GUARDRAILS, mode: 'hard_gate' } }), /withheld this resource \(denied_guardrail\): guardrails.mode is hard_gate/);
    assert.equal(guardOutput('resource', read, { policy: DEFAULT_POLICY, guardrails: { ...DEFAULT_GUARDRAILS, mode: 'advisory' } }).value, read);
  });

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

    it('audits reads, prompts and their denials without the secret', async () => {
      await client.close();
      const file = join(ws, '.mcp-harness/audit/gateway.jsonl');
      for (let i = 0; i < 200 && !readFileSync(file, 'utf8').includes('"action":"stop"'); i++) await new Promise((r) => setTimeout(r, 50));
      const audit = jsonLines(file).filter((a) => a.kind !== 'admin');
      assert.deepEqual(audit.map((a) => `${a.kind}:${a.action}`), ['resource:read', 'prompt:get', 'denial:denied_policy', 'denial:denied_policy']);
      assert.ok(Array.isArray(audit[0].findings) && (audit[0].findings as string[]).some((k) => k.startsWith('secret.')));
      assert.ok(!readFileSync(file, 'utf8').includes(FAKE_SECRET));
    });
  });
});
