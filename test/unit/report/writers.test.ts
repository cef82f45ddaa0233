import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { writeCsv } from '../../../src/core/report/csv';
import { CHUNK_STEPS, FIRST_SCREEN_STEPS, chunkBlockId } from '../../../src/core/report/embedded';
import { jsonForScript, scriptForInline, writeHtmlReport } from '../../../src/core/report/html';
import { buildJsonReport, writeJsonReport } from '../../../src/core/report/json';
import { maskValue } from '../../../src/core/report/mask';
import { parseTrace, type TraceRun } from '../../../src/core/report/model';
import { writeXlsx, XLSX_DETAILS_SHEET } from '../../../src/core/report/xlsx';
import { WEBVIEW_DATA_ID, WEBVIEW_ROOT_ID } from '../../../src/protocol/messages';
import { fixture, mkStep } from './helpers';

const runs = (): TraceRun[] => parseTrace(fixture('two-runs.jsonl')).runs;

describe('report/mask', () => {
  it('masks secret-named keys and secret-shaped strings, keeps placeholders and plain data', () => {
    const out = maskValue({ api_key: 'abc123', password: 'hunter2', token: '[REDACTED:secret]', note: 'key AKIAABCDEFGHIJKLMNOP here', auth: { Authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' }, n: 3, list: ['ghp_' + 'a'.repeat(36)], ok: true });
    assert.deepEqual(out, { api_key: '[MASKED]', password: '[MASKED]', token: '[REDACTED:secret]', note: 'key [REDACTED:aws_access_key] here', auth: '[MASKED]', n: 3, list: ['[REDACTED:github_token]'], ok: true });
  });

  it('leaves binary payloads (image/audio data, resource blobs) as they are, like the guardrails; text beside them is masked', () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAD0lEQVR4nGNgqLiCQMRxAA6SFMEwbJp+AAAAAElFTkSuQmCC';
    const out = maskValue({ content: [{ type: 'image', data: png, mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'x://1', blob: png } }, { type: 'text', text: png }, { type: 'note', data: png }] }) as { content: Record<string, unknown>[] };
    assert.equal(out.content[0].data, png);
    assert.equal((out.content[1].resource as { blob: string }).blob, png);
    assert.equal(out.content[2].text, '[REDACTED:high_entropy]');
    assert.equal(out.content[3].data, '[REDACTED:high_entropy]', 'only image/audio items have binary data');
  });
});

describe('report/json', () => {
  it('has mcp_details.sessions and summary, with masked args and outputs', () => {
    const rs = runs();
    const target = rs.find((r) => r.id === 'sess-every-decision')!;
    target.steps.push(mkStep({ step_id: 'leak', session_id: target.id, args: { secret: 'xyz', q: 'sk-ant-api03-' + 'bQ3x'.repeat(12) }, output: { content: [{ type: 'text', text: 'AKIAABCDEFGHIJKLMNOP' }] } }));
    const report = buildJsonReport(rs, { now: new Date('2026-11-21T00:00:00Z') });
    const d = report.mcp_details;
    assert.equal(d.generated_at, '2026-11-21T00:00:00.000Z');
    assert.deepEqual(Object.keys(d.summary), ['total_sessions', 'total_steps', 'total_logs', 'tools_used', 'decisions']);
    assert.equal(d.summary.total_sessions, 2);
    assert.equal(d.summary.total_steps, 18);
    const every = d.sessions.find((s) => s.session_id === 'sess-every-decision')!;
    assert.equal(every.status, 'failed');
    assert.equal(every.steps.length, 14);
    assert.equal(every.metrics.tokensSaved, 1494);
    assert.ok(every.tools.some((t) => t.key === 'filesystem/read_file'));
    const leak = every.steps.find((s) => s.step_id === 'leak')!;
    assert.deepEqual(leak.args, { secret: '[MASKED]', q: '[REDACTED:anthropic_key]' });
    assert.deepEqual(leak.output, { content: [{ type: 'text', text: '[REDACTED:aws_access_key]' }] });
    const text = writeJsonReport(rs);
    assert.ok(!text.includes('AKIAABCDEFGHIJKLMNOP') && !text.includes('xyz"'));
    const omitted = buildJsonReport(rs, { omitPayloads: true });
    assert.ok(omitted.mcp_details.sessions.every((s) => s.steps.every((st) => st.args === undefined && st.output === undefined)));
  });

  it('writes null, not NaN, for percentiles of a run without steps', () => {
    const text = writeJsonReport([{ id: 'empty', steps: [] }]);
    const parsed = JSON.parse(text);
    assert.equal(parsed.mcp_details.sessions[0].metrics.p50, null);
  });
});

describe('report/csv', () => {
  it('writes one quoted row per step with the detail columns', () => {
    const rs = runs();
    rs[0].steps.push(mkStep({ step_id: 'q', session_id: rs[0].id, tool: '=HYPERLINK("x")', reasons: ['a, "b"', 'line\nbreak'] }));
    const csv = writeCsv(rs);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'session_id,session_name,step_id,parent_id,started_at,kind,role,channel,server,tool,decision,latency_ms,tokens_in,tokens_out,cost_est,findings,reused,reasons,error');
    assert.ok(csv.includes(`"'=HYPERLINK(""x"")"`), 'a formula is neutralised and quoted');
    assert.ok(csv.includes('"a, ""b""; line\nbreak"'));
    const s4 = lines.find((l) => l.startsWith('sess-every-decision,every decision,s4,'))!;
    assert.ok(s4.includes('denied_guardrail'));
    assert.ok(s4.includes('secret.aws_access_key@$.content[0].text; pii.email@$.content[0].text'));
    assert.ok(!csv.includes('AWS_ACCESS_KEY_ID'), 'outputs are not in the CSV');
    const child = lines.find((l) => l.includes(',c1.2,'))!;
    assert.ok(child.startsWith('sess-every-decision,every decision,c1.2,c1,'));
  });
});

describe('report/xlsx', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'mh-xlsx-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an MCP_Details sheet that reads back with the right cells', async () => {
    const path = join(dir, 'r.xlsx');
    await writeXlsx(runs(), path);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.getWorksheet(XLSX_DETAILS_SHEET)!;
    assert.ok(ws, 'MCP_Details exists');
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    assert.deepEqual(header.slice(0, 11), ['Session ID', 'Session', 'Step ID', 'Parent step', 'Started', 'Kind', 'Role', 'Channel', 'Server', 'Tool', 'Decision']);
    assert.equal(ws.rowCount, 1 + 17);
    const rows = new Map<string, ExcelJS.Row>();
    ws.eachRow((row, n) => n > 1 && row.getCell(1).value === 'sess-every-decision' && rows.set(String(row.getCell(3).value), row));
    const s4 = rows.get('s4')!;
    assert.equal(s4.getCell(1).value, 'sess-every-decision');
    assert.equal(s4.getCell(7).value, 'tool');
    assert.equal(s4.getCell(8).value, 'llm_to_tool');
    assert.equal(s4.getCell(10).value, 'read_file');
    assert.equal(s4.getCell(11).value, 'denied_guardrail');
    assert.equal(s4.getCell(12).value, 35);
    assert.equal(s4.getCell(13).value, 10);
    assert.equal(s4.getCell(14).value, 20);
    assert.equal(s4.getCell(15).value, 0.0001);
    assert.equal(s4.getCell(16).value, 'secret.aws_access_key@$.content[0].text; pii.email@$.content[0].text');
    assert.equal(rows.get('s9')!.getCell(17).value, true);
    assert.equal(rows.get('c1.1')!.getCell(4).value, 'c1');
    const sessions = wb.getWorksheet('Sessions')!;
    assert.equal(sessions.rowCount, 3);
    const tools = wb.getWorksheet('Tools')!;
    assert.ok(tools.rowCount > 5);
  });
});

describe('report: a server\'s log records are listed apart from the steps', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'mh-logs-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const withLogs = (): TraceRun[] => {
    const rs = runs();
    const every = rs.find((r) => r.id === 'sess-every-decision')!;
    every.steps.push(
      mkStep({ step_id: 'log-1', session_id: every.id, kind: 'log', server: 'chatty', tool: 'notifications/message', level: 'warning', latency_ms: 5000, output: { level: 'warning', data: { note: 'disk almost full', token: 'abc' } } }),
      mkStep({ step_id: 'log-2', session_id: every.id, kind: 'log', server: 'chatty', tool: 'notifications/resources/updated', level: 'info', output: { uri: 'mem://AKIAABCDEFGHIJKLMNOP' } }),
    );
    return rs;
  };

  it('JSON: logs beside the steps, not among them; the summary counts them apart', () => {
    const d = buildJsonReport(withLogs()).mcp_details;
    const every = d.sessions.find((s) => s.session_id === 'sess-every-decision')!;
    assert.equal(every.steps.length, 13);
    assert.ok(every.steps.every((s) => s.kind !== 'log'));
    assert.deepEqual(every.logs.map((l) => l.step_id), ['log-1', 'log-2']);
    assert.deepEqual(every.logs[0].output, { level: 'warning', data: { note: 'disk almost full', token: '[MASKED]' } });
    assert.deepEqual([every.metrics.steps, every.metrics.logs], [13, 2]);
    assert.ok(!every.tools.some((t) => t.server === 'chatty'));
    assert.deepEqual([d.summary.total_steps, d.summary.total_logs], [17, 2]);
    assert.deepEqual(d.sessions.find((s) => s.session_id !== 'sess-every-decision')!.logs, []);
  });

  it('CSV: one row per step, no log rows', () => {
    const csv = writeCsv(withLogs());
    assert.equal(csv.trim().split('\r\n').length, 1 + 17);
    assert.ok(!csv.includes('chatty'));
  });

  it('XLSX: a Logs sheet with level, notification and masked message; MCP_Details and Sessions count steps only', async () => {
    const path = join(dir, 'logs.xlsx');
    await writeXlsx(withLogs(), path);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    assert.equal(wb.getWorksheet(XLSX_DETAILS_SHEET)!.rowCount, 1 + 17);
    const logs = wb.getWorksheet('Logs')!;
    assert.deepEqual((logs.getRow(1).values as unknown[]).slice(1), ['Session ID', 'Session', 'Record ID', 'Time', 'Server', 'Notification', 'Level', 'Message', 'Findings']);
    assert.equal(logs.rowCount, 3);
    assert.deepEqual((logs.getRow(2).values as unknown[]).slice(3, 9), ['log-1', '2026-01-01T00:00:00.000Z', 'chatty', 'notifications/message', 'warning', '{"note":"disk almost full","token":"[MASKED]"}']);
    assert.equal(logs.getRow(3).getCell(8).value, '{"uri":"mem://[REDACTED:aws_access_key]"}');
    const sessions = wb.getWorksheet('Sessions')!;
    const header = (sessions.getRow(1).values as unknown[]).slice(1);
    const row = [2, 3].map((n) => sessions.getRow(n)).find((r) => r.getCell(1).value === 'sess-every-decision')!;
    assert.equal(row.getCell(header.indexOf('Steps') + 1).value, 13);
    assert.equal(row.getCell(header.indexOf('Logs') + 1).value, 2);
    const tools = wb.getWorksheet('Tools')!;
    tools.eachRow((r) => assert.ok(!String(r.getCell(2).value).startsWith('chatty/'), 'log records are not tool calls'));
  });
});

describe('report/html', () => {
  it('embeds data and script safely, with a CSP that allows exactly the inline script', () => {
    const rs = runs();
    rs[0].steps.push(mkStep({ step_id: 'x', session_id: rs[0].id, args: { text: '</script><script>alert(1)</script><!--' } }));
    const script = 'window.x = "</script>"; // <!-- comment\n//# sourceMappingURL=webview.js.map\n';
    const html = writeHtmlReport(rs, { script, title: 'T <b>' });
    assert.equal(html.match(/<\/script>/gi)!.length, 2, 'only the two real script ends');
    assert.ok(html.includes(`<div id="${WEBVIEW_ROOT_ID}"></div>`));
    assert.ok(html.includes('<title>T &lt;b&gt;</title>'));
    const data = html.match(new RegExp(`<script type="application/json" id="${WEBVIEW_DATA_ID}">([\\s\\S]*?)</script>`))![1];
    const parsed = JSON.parse(data);
    assert.equal(parsed.kind, 'mcp-harness-report');
    assert.equal(parsed.runs.length, 2);
    assert.ok(JSON.stringify(parsed).includes('</script><script>alert(1)</script>'), 'the data round-trips');
    const inline = html.match(/<script>([\s\S]*?)<\/script>/)![1];
    assert.ok(!inline.includes('sourceMappingURL'), 'no reference to a file that is not there');
    const hash = `'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
    assert.ok(html.includes(`script-src ${hash}`));
    assert.ok(html.includes("default-src 'none'"));
    assert.ok(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'no remote resources');
  });

  it('embeds a long run in blocks: the first screen first, the rest in order, every step once, masked', () => {
    const rs = runs();
    const big = rs[0];
    big.steps = Array.from({ length: FIRST_SCREEN_STEPS + 2 * CHUNK_STEPS + 7 }, (_, i) => mkStep({ step_id: `b${i}`, session_id: big.id, args: i === 4321 ? { key: 'AKIAABCDEFGHIJKLMNOP' } : { n: i } }));
    const html = writeHtmlReport(rs, { script: 'void 0;' });
    const block = (id: string) => JSON.parse(html.match(new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`))![1]);
    const first = block(WEBVIEW_DATA_ID);
    assert.equal(first.chunks, 3);
    assert.equal(first.runs.find((r: TraceRun) => r.id === big.id).steps.length, FIRST_SCREEN_STEPS);
    assert.equal(first.runs.find((r: TraceRun) => r.id === rs[1].id).steps.length, rs[1].steps.length, 'a short run fits in the first block');
    const rest = [1, 2, 3].map((n) => block(chunkBlockId(n)));
    assert.deepEqual(rest.map((c) => [c.sessionId, c.steps.length]), [[big.id, CHUNK_STEPS], [big.id, CHUNK_STEPS], [big.id, 7]]);
    const ids = [...first.runs[0].steps, ...rest.flatMap((c) => c.steps)].map((s: { step_id: string }) => s.step_id);
    assert.deepEqual(ids, big.steps.map((s) => s.step_id));
    assert.ok(!html.includes('AKIAABCDEFGHIJKLMNOP'), 'steps in later blocks are masked too');
    assert.ok(html.indexOf(`id="${chunkBlockId(3)}"`) < html.indexOf('<script>void 0;'), 'the blocks come before the bundle');
  });

  it('escapes what would end a script block', () => {
    assert.equal(jsonForScript({ a: '</script>&\u2028' }), '{"a":"\\u003c/script\\u003e\\u0026\\u2028"}');
    assert.equal(scriptForInline('a</SCRIPT>b<!--c'), 'a<\\/SCRIPT>b<\\!--c');
  });
});
