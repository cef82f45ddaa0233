import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { optimizeValue } from '../../../src/core/sandbox/optimizer';
import { sanitizeText } from '../../../src/core/sandbox/sanitize';
import { sandboxLimitsFromSettings, settingForLimit } from '../../../src/core/sandbox/settings';
import { adviseOnLimit, memoryError, SandboxLimitError } from '../../../src/core/sandbox/limits';
import { settingsJsonReader } from '../../../src/core/guards/settings';
import { resolveLimits } from '../../../src/core/sandbox/sandbox';
import { callsExecId, decodeReply, encodeCalls, encodeReply, forEachCall } from '../../../src/core/sandbox/types';
import { buildToolIndex, generateJsconfig, generateTypings, sanitizeIdentifier, schemaToType, toolStub, writeTypings } from '../../../src/core/typings/generate';
import type { ToolCatalogEntry } from '../../../src/core/guards/types';
import * as ts from 'typescript';

const weather: Tool = {
  name: 'get-forecast',
  description: 'Forecast for a city.\nUses the */ national service.',
  inputSchema: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name' },
      days: { type: 'integer' },
      units: { enum: ['metric', 'imperial'] },
      'odd key': { type: ['string', 'null'] },
      tags: { type: 'array', items: { type: 'string' } },
      nested: { type: 'object', properties: { deep: { anyOf: [{ type: 'number' }, { type: 'boolean' }] } }, required: ['deep'] },
    },
    required: ['city'],
  },
  outputSchema: { type: 'object', properties: { temperature: { type: 'number' } }, required: ['temperature'] },
};
const catalog: ToolCatalogEntry[] = [
  { server: 'weather-api', tool: weather },
  { server: 'weather-api', tool: { name: 'get_forecast', inputSchema: { type: 'object' } } },
  { server: '1files', tool: { name: 'delete', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } } },
];

describe('sandbox: what crosses between the main thread and the worker', () => {
  it('reads back a batch of calls: its execution, each call id in order, op and arguments as written', () => {
    const text = 'call ["everything/echo",{"message":"a b\\nc"}]\nsearch ["files"]\ndescribe ["x/y"]\nservers []';
    const msg = encodeCalls(42, 7, text);
    assert.equal(callsExecId(msg), 42);
    const seen: [number, string, string][] = [];
    forEachCall(msg, (callId, op, argsJson) => seen.push([callId, op, argsJson]));
    assert.deepEqual(seen, [
      [7, 'call', '["everything/echo",{"message":"a b\\nc"}]'],
      [8, 'search', '["files"]'],
      [9, 'describe', '["x/y"]'],
      [10, 'servers', '[]'],
    ]);
  });

  it('reads back a reply of each kind: a value, an error the guest can catch, a fatal one', () => {
    const json = JSON.stringify({ content: [{ type: 'text', text: 'line one\nline two with spaces' }], isError: false });
    assert.deepEqual(decodeReply(encodeReply(3, 11, { json })), { type: 'reply', execId: 3, callId: 11, json });
    assert.deepEqual(decodeReply(encodeReply(3, 12, {})), { type: 'reply', execId: 3, callId: 12, json: 'null' });
    const error = { name: 'ToolDeniedError', message: 'x was denied (denied_policy): no', decision: 'denied_policy', reasons: ['no'], step_id: 's.1' };
    assert.deepEqual(decodeReply(encodeReply(3, 13, { error })), { type: 'reply', execId: 3, callId: 13, error });
    const fatal = { kind: 'denied' as const, message: 'more than 2 tool calls', limit: { name: 'maxToolCalls' as const, value: 2 } };
    assert.deepEqual(decodeReply(encodeReply(4, 14, { fatal })), { type: 'reply', execId: 4, callId: 14, fatal });
  });
});

describe('sandbox: context optimizer', () => {
  it('passes small values through untouched', () => {
    const r = optimizeValue({ a: [1, 2, 3], b: 'x' }, 100);
    assert.equal(r.optimized, false);
    assert.deepEqual(r.value, { a: [1, 2, 3], b: 'x' });
    assert.equal(r.json, '{"a":[1,2,3],"b":"x"}');
    assert.ok(r.tokens > 0);
  });

  it('summarises long arrays with count, keys, first and last items within the budget', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ path: `/f/${i}`, size: i }));
    const r = optimizeValue({ rows }, 300);
    assert.equal(r.optimized, true);
    assert.ok(r.tokens <= 300, `tokens ${r.tokens}`);
    const s = (r.value as { rows: { count: number; keys: string[]; first: unknown[]; last: unknown[]; $summary: string } }).rows;
    assert.equal(s.count, 1000);
    assert.deepEqual(s.keys, ['path', 'size']);
    assert.deepEqual(s.first[0], { path: '/f/0', size: 0 });
    assert.deepEqual(s.last[s.last.length - 1], { path: '/f/999', size: 999 });
    assert.match(s.$summary, /^array of 1000 items/);
  });

  it('summarises objects with many keys and cuts long strings with a marker', () => {
    const big = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const r = optimizeValue({ big, text: 'z'.repeat(20000) }, 400);
    const v = r.value as { big: { count: number; keys: string[] }; text: string };
    assert.equal(v.big.count, 500);
    assert.equal(v.big.keys[0], 'k0');
    assert.match(v.text, /^z+… \[cut: \d+ more characters\]$/);
    assert.ok(v.text.length < 1100);
  });
});

describe('sandbox: text sanitiser', () => {
  it('strips ANSI CSI/OSC sequences and control characters, keeps tabs and newlines', () => {
    assert.equal(sanitizeText('\u001b[1;31mred\u001b[0m\tok\nnext\u0007\u001b]0;title\u0007', 100), 'red\tok\nnext\uFFFD');
    assert.equal(sanitizeText('a\u202eb\u200bc\r\n', 100), 'a\uFFFDb\uFFFDc\n');
    assert.equal(sanitizeText('\u009b31mx', 100), 'x');
  });
  it('truncates with a count', () => {
    assert.equal(sanitizeText('abcdef', 3), 'abc… [3 more characters cut]');
  });
});

describe('sandbox: limits and settings', () => {
  it('applies defaults and overrides', () => {
    const l = resolveLimits({ timeoutMs: 1000 });
    assert.equal(l.timeoutMs, 1000);
    assert.equal(l.memoryMb, 64);
    assert.equal(l.stackKb, 256);
    assert.equal(l.maxToolCalls, 100);
    assert.equal(l.maxOutputBytes, 65536);
  });
  it('reads mcpHarness.sandbox.* settings, dropping bad values with a warning', () => {
    const warnings: string[] = [];
    const limits = sandboxLimitsFromSettings(
      settingsJsonReader({ 'mcpHarness.sandbox.timeoutMs': 2000, mcpHarness: { sandbox: { memoryMb: 1, stackKb: 512, maxToolCalls: 'many' } } }),
      (m) => warnings.push(m),
    );
    assert.deepEqual(limits, { timeoutMs: 2000, stackKb: 512 });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /mcpHarness\.sandbox\.memoryMb must be a number from 24 to 2048/);
  });
  it('rejects a limit out of range with which limit, the value and the range, for the host to name', () => {
    assert.throws(
      () => resolveLimits({ memoryMb: 4 }),
      (err: unknown) => {
        assert.ok(err instanceof SandboxLimitError);
        assert.deepEqual([err.limit, err.value, err.min, err.max], ['memoryMb', 4, 24, 2048]);
        assert.equal(err.describeAs('--memory-mb'), '--memory-mb must be a number from 24 to 2048 (got 4).');
        return true;
      },
    );
    assert.throws(() => resolveLimits({ bogus: 1 } as never), /Unknown sandbox limit 'bogus'/);
  });
  it('keeps limit messages host-neutral; a host adds how to raise the limit it hit', () => {
    const error = memoryError(64);
    assert.deepEqual(error.limit, { name: 'memoryMb', value: 64 });
    assert.doesNotMatch(error.message, /mcpHarness|--/);
    const vscode = adviseOnLimit(error, (l) => `set ${settingForLimit(l)}`);
    assert.match(vscode.message, /stopped; process data in smaller pieces\. To allow more, set mcpHarness\.sandbox\.memoryMb\.$/);
    // A limit the host has no way to change gets no advice.
    const jobs = { kind: 'timeout' as const, message: 'flood', limit: { name: 'maxPendingJobs' as const, value: 5 } };
    assert.equal(settingForLimit('maxPendingJobs'), undefined);
    assert.equal(adviseOnLimit(jobs, (l) => settingForLimit(l) && `set ${settingForLimit(l)}`).message, 'flood');
  });
});

describe('tool typings', () => {
  it('sanitises names into identifiers and resolves collisions', () => {
    assert.equal(sanitizeIdentifier('get-forecast'), 'get_forecast');
    assert.equal(sanitizeIdentifier('1files'), '_1files');
    assert.equal(sanitizeIdentifier('delete'), 'delete_');
    assert.deepEqual(buildToolIndex(catalog), {
      weather_api: { get_forecast: 'weather-api/get-forecast', get_forecast_2: 'weather-api/get_forecast' },
      _1files: { delete_: '1files/delete' },
    });
  });

  it('turns JSON schemas into TypeScript types', () => {
    assert.equal(schemaToType({ type: 'string' }), 'string');
    assert.equal(schemaToType({ enum: ['a', 1] }), '"a" | 1');
    assert.equal(schemaToType({ type: 'array', items: { type: 'integer' } }), 'number[]');
    assert.equal(schemaToType({ type: ['string', 'null'] }), 'string | null');
    assert.equal(schemaToType({ $ref: '#/x' }), 'unknown');
    assert.equal(schemaToType({ type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] }), '{\n  a: boolean;\n}');
  });

  it('writes a stub with doc comments that mcp.describe returns', () => {
    const stub = toolStub(catalog[0]);
    assert.match(stub, /export type WeatherApiGetForecastInput = \{/);
    assert.match(stub, /\/\*\*\n {3}\* City name\n {3}\*\/\n {2}city: string;/);
    assert.match(stub, /days\?: number;/);
    assert.match(stub, /"odd key"\?: string \| null;/);
    assert.match(stub, /export type WeatherApiGetForecastOutput = \{\n {2}temperature: number;\n\}/);
    assert.match(stub, /\* Uses the \*\\\/ national service\./);
    assert.match(stub, /declare function get_forecast\(args: WeatherApiGetForecastInput\): Promise<ToolResult<WeatherApiGetForecastOutput>>;/);
  });

  it('generates a .d.ts that TypeScript accepts and that types tools.<server>.<tool>', () => {
    const dts = generateTypings(catalog);
    const use = `async function f() { const r = await tools.weather_api.get_forecast({ city: 'Oslo' }); const t: number = r.structured!.temperature; await tools._1files.delete_({ path: 'x' }); const d = await mcp.describe('a/b'); return [t, d.stub, r.text]; }\n// @ts-expect-error city is required\ntools.weather_api.get_forecast({});\n`;
    const dir = mkdtempSync(join(tmpdir(), 'mcp-typings-'));
    try {
      writeFileSync(join(dir, 'mcp-tools.d.ts'), dts);
      writeFileSync(join(dir, 'use.ts'), use);
      const program = ts.createProgram([join(dir, 'mcp-tools.d.ts'), join(dir, 'use.ts')], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      assert.deepEqual(diagnostics, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the typings and a jsconfig, never overwriting a jsconfig the user has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-typings-'));
    try {
      const first = await writeTypings(dir, catalog);
      assert.equal(first.typings, join(dir, '.mcp-harness', 'types', 'mcp-tools.d.ts'));
      assert.equal(readFileSync(first.typings, 'utf8'), generateTypings(catalog));
      assert.equal(readFileSync(first.jsconfig!, 'utf8'), generateJsconfig());
      assert.ok(JSON.parse(generateJsconfig()).include.includes('**/*.mcp.js'));
      const again = await writeTypings(dir, catalog);
      assert.equal(again.jsconfig, join(dir, 'jsconfig.json'));
      writeFileSync(join(dir, 'jsconfig.json'), '{ "compilerOptions": {} }');
      const mine = await writeTypings(dir, catalog);
      assert.equal(mine.jsconfig, undefined);
      assert.match(mine.note!, /jsconfig\.json already exists and was left unchanged/);
      assert.equal(readFileSync(join(dir, 'jsconfig.json'), 'utf8'), '{ "compilerOptions": {} }');
      assert.ok(existsSync(mine.typings));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
