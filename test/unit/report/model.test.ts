import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadTrace, loadTraceFile, loadTraceFiles, TraceFileError } from '../../../src/core/report/load';
import { appendSteps, mergeLoads, orderedSteps, parseTrace, runDurationMs, runName, runStatus, MAX_TRACE_LINE_CHARS } from '../../../src/core/report/model';
import { DECISIONS } from '../../../src/protocol/trace';
import { FIXTURES, fixture, mkStep } from './helpers';

describe('report/model: parseTrace', () => {
  it('reads a run with header, every decision, child steps and end', () => {
    const { runs, badLines } = parseTrace(fixture('every-decision.jsonl'));
    assert.deepEqual(badLines, []);
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.equal(run.id, 'sess-every-decision');
    assert.equal(runName(run), 'every decision');
    assert.equal(runStatus(run), 'failed');
    assert.equal(run.steps.length, 13);
    assert.deepEqual(new Set(run.steps.map((s) => s.decision)), new Set(DECISIONS));
    assert.equal(run.steps.filter((s) => s.parent_id === 'c1').length, 3);
    assert.equal(runDurationMs(run), 6000);
  });

  it('keeps the good lines of a truncated file and says the last line was cut off', () => {
    const { runs, badLines } = parseTrace(fixture('truncated.jsonl'), 'truncated.jsonl');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].steps.length, 5);
    assert.equal(runStatus(runs[0]), 'running');
    assert.equal(badLines.length, 1);
    assert.equal(badLines[0].line, 7);
    assert.equal(badLines[0].source, 'truncated.jsonl');
    assert.match(badLines[0].message, /last line is cut off.*truncated or is still being written/);
  });

  it('reports each malformed line with its number and reason', () => {
    const { runs, badLines } = parseTrace(fixture('malformed.jsonl'));
    assert.deepEqual(badLines.map((b) => b.line), [3, 4, 5, 6, 8]);
    assert.match(badLines[0].message, /not valid JSON/);
    assert.match(badLines[1].message, /not a trace record/);
    assert.match(badLines[2].message, /unknown record type "mystery"/);
    assert.match(badLines[3].message, /without step_id/);
    assert.match(badLines[4].message, /unknown decision 'maybe'/);
    assert.equal(runs[0].steps.length, 3);
    assert.ok(runs[0].end, 'the end record after the bad lines is kept');
  });

  it('handles CRLF, blank lines, steps before the header and a duplicate header', () => {
    const header = JSON.stringify({ type: 'session', session_id: 'X', name: 'x', started_at: '2026-01-01T00:00:00Z', config_hash: 'h', servers: [], harness_version: '0' });
    const step = JSON.stringify(mkStep({ step_id: 'a', session_id: 'X' }));
    const { runs, badLines } = parseTrace(`${step}\r\n\r\n${header}\r\n${header}\r\n`);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].steps.length, 1);
    assert.equal(runs[0].header?.name, 'x');
    assert.equal(badLines.length, 1);
    assert.match(badLines[0].message, /second header/);
  });

  it('fills optional fields of sparse step records instead of failing later', () => {
    const { runs } = parseTrace(JSON.stringify({ type: 'step', session_id: 'Y', step_id: '1', tool: 't', decision: 'ok' }));
    const s = runs[0].steps[0];
    assert.deepEqual([s.reasons, s.stages, s.findings, s.latency_ms, s.tokens_in, s.kind], [[], [], [], 0, 0, 'tool']);
    assert.equal(runName(runs[0]), 'Y');
    assert.equal(runStatus(runs[0]), 'incomplete');
  });

  it('keeps every known step kind (a log record stays a log record); an unknown or missing kind reads as a tool step', () => {
    const kinds = ['tool', 'code', 'model', 'resource', 'prompt', 'sampling', 'elicitation', 'log', 'banana', 'constructor', undefined];
    const text = kinds.map((kind, i) => JSON.stringify({ type: 'step', session_id: 'K', step_id: String(i), tool: 't', decision: 'ok', ...(kind ? { kind } : {}) })).join('\n');
    assert.deepEqual(parseTrace(text).runs[0].steps.map((s) => s.kind), ['tool', 'code', 'model', 'resource', 'prompt', 'sampling', 'elicitation', 'log', 'tool', 'tool', 'tool']);
  });

  it('refuses a line over the size limit with a message', () => {
    const huge = JSON.stringify(mkStep({ step_id: 'h', output: 'x'.repeat(MAX_TRACE_LINE_CHARS) }));
    const { runs, badLines } = parseTrace(huge + '\n');
    assert.equal(runs.length, 0);
    assert.match(badLines[0].message, /more than the .* a trace record may have/);
  });

  it('returns nothing, without throwing, for empty text', () => {
    assert.deepEqual(parseTrace(''), { runs: [], badLines: [] });
  });
});

describe('report/model: ordering and merging', () => {
  it('puts child steps right after their code step, orphans and cycles at top level', () => {
    const steps = [mkStep({ step_id: 'c', kind: 'code' }), mkStep({ step_id: 'x' }), mkStep({ step_id: 'c.1', parent_id: 'c' }), mkStep({ step_id: 'o', parent_id: 'missing' }), mkStep({ step_id: 'p', parent_id: 'q' }), mkStep({ step_id: 'q', parent_id: 'p' })];
    const out = orderedSteps(steps).map((r) => `${r.step.step_id}:${r.depth}`);
    assert.deepEqual(out.slice(0, 4), ['c:0', 'c.1:1', 'x:0', 'o:0']);
    assert.equal(out.length, 6, 'steps in a parent cycle are still shown');
  });

  it('merges the same session from two files once and sorts newest first', () => {
    const a = parseTrace(fixture('every-decision.jsonl'), 'a');
    const b = parseTrace(fixture('two-runs.jsonl'), 'b');
    const merged = mergeLoads([a, b]);
    assert.deepEqual(merged.runs.map((r) => r.id), ['sess-every-decision', 'sess-small']);
    assert.equal(merged.runs[0].steps.length, 13);
  });

  it('appendSteps skips step ids already present', () => {
    const run = { id: 'S', steps: [mkStep({ step_id: '1' })] };
    assert.equal(appendSteps(run, [mkStep({ step_id: '1' }), mkStep({ step_id: '2' })]), 1);
    assert.deepEqual(run.steps.map((s) => s.step_id), ['1', '2']);
  });
});

describe('report/load', () => {
  it('loads files and text, and explains a missing file', async () => {
    const file = await loadTraceFile(join(FIXTURES, 'two-runs.jsonl'));
    assert.equal(file.runs.length, 2);
    assert.equal(file.runs[0].source, join(FIXTURES, 'two-runs.jsonl'));
    const text = await loadTrace(fixture('every-decision.jsonl'));
    assert.equal(text.runs[0].steps.length, 13);
    const viaPath = await loadTrace(join(FIXTURES, 'every-decision.jsonl'));
    assert.equal(viaPath.runs[0].steps.length, 13);
    await assert.rejects(loadTraceFile(join(FIXTURES, 'nope.jsonl')), (e: Error) => e instanceof TraceFileError && /does not exist/.test(e.message));
    await assert.rejects(loadTraceFile(FIXTURES), /is not a file/);
    const both = await loadTraceFiles([join(FIXTURES, 'every-decision.jsonl'), join(FIXTURES, 'malformed.jsonl')]);
    assert.equal(both.runs.length, 1);
    assert.equal(both.badLines.length, 5);
  });
});
