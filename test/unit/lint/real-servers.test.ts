// Poisoning rules must not cry wolf: the real tool lists of the reference servers give no poisoning
// findings. The figures are printed so the README's false-positive numbers can be checked.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { isAlive } from '../../../src/core/servers/processTree';
import { lintTools } from '../../../src/core/lint/linter';
import { POISONING_RULES } from '../../../src/core/lint/rules';
import { modelStrings } from '../../../src/core/lint/strings';

const root = resolve(__dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-harness-lint-real-'));
const SERVERS: Record<string, string[]> = {
  everything: [join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'],
  filesystem: [join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'), scratch],
  memory: [join(root, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
  'lint-server (fixture)': [join(root, 'test/fixtures/workspaces/lint-server/server.mjs')],
};

describe('lint on the real reference servers', function () {
  this.timeout(60_000);
  const lists: { server: string; tools: Tool[] }[] = [];
  const pids: number[] = [];

  before(async () => {
    await Promise.all(
      Object.entries(SERVERS).map(async ([server, args]) => {
        const client = new Client({ name: 'lint-test', version: '1.0.0' });
        const transport = new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore', env: { ...process.env, MEMORY_FILE_PATH: join(scratch, 'memory.jsonl') } as Record<string, string> });
        await client.connect(transport);
        if (transport.pid) pids.push(transport.pid);
        try {
          lists.push({ server, tools: (await client.listTools()).tools });
        } finally {
          await client.close();
        }
      }),
    );
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('lists the tools of every server and stops them', async () => {
    assert.equal(lists.length, 4);
    for (const l of lists) assert.ok(l.tools.length > 0, l.server);
    await new Promise((r) => setTimeout(r, 200));
    for (const pid of pids) assert.equal(isAlive(pid), false, `server process ${pid} still running`);
  });

  it('gives zero poisoning findings on server-everything, -filesystem and -memory', () => {
    const reference = lists.filter((l) => !l.server.includes('fixture'));
    const findings = lintTools(reference);
    const poisoning = findings.filter((f) => POISONING_RULES.includes(f.rule));
    const tools = reference.reduce((n, l) => n + l.tools.length, 0);
    const strings = reference.reduce((n, l) => n + l.tools.reduce((m, t) => m + modelStrings(t as never).length, 0), 0);
    // The figures quoted in the README.
    console.log(`      false positives: ${poisoning.length} poisoning findings on ${tools} tools / ${strings} model-visible strings of ${reference.length} servers`);
    assert.deepEqual(poisoning, []);
    assert.ok(tools >= 30, `expected the full tool lists, got ${tools}`);
  });

  it('gives the reference servers only findings their authors could act on (the demo workspace\'s Problems)', () => {
    const reference = lists.filter((l) => !l.server.includes('fixture'));
    const findings = lintTools(reference);
    const bySeverity = (s: string) => findings.filter((f) => f.severity === s).map((f) => `${f.server}/${f.tool} ${f.rule} ${f.path}`).sort();
    assert.deepEqual(bySeverity('error'), []);
    // Undescribed parameters that name, schema and tool description all leave unexplained: neither tool
    // says what its exclude patterns are matched against. `path`, `source`, `content`, enum-valued and
    // object-valued parameters with described fields are not findings.
    assert.deepEqual(bySeverity('warning'), [
      'filesystem/directory_tree description-missing /inputSchema/properties/excludePatterns',
      'filesystem/search_files description-missing /inputSchema/properties/excludePatterns',
    ]);
    // Hints only: free-text strings and arrays without a size bound.
    const info = findings.filter((f) => f.severity === 'info');
    assert.deepEqual([...new Set(info.map((f) => f.rule))], ['schema-unbounded']);
    assert.equal(info.length, 23);
  });

  it('finds the deliberate problems of the fixture server', () => {
    const fixture = lists.find((l) => l.server.includes('fixture'))!;
    const findings = lintTools([fixture]);
    const summary = findings.map((f) => `${f.tool} ${f.rule} ${f.path}`).sort();
    assert.deepEqual(summary, [
      'backup_notes sensitive-path /description',
      'search_notes hidden-unicode /description',
      'store_note description-missing ',
      'store_note description-missing /inputSchema/properties/text',
    ]);
  });
});
