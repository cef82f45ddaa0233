// Record and replay, the A/B comparison, and the agent block of session files.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAIProvider, checkAgentSpec, comparisonMarkdown, replayAgent, resolveAgentLimits, runAgentSpec, type AgentHost } from '../../../src/core/agent/index';
import { parseSession } from '../../../src/core/session/parse';
import { agentSuite } from './helpers';

describe('agent: record and replay, A/B, session files', function () {
  this.timeout(120_000);
  const s = agentSuite();
  let host: AgentHost;

  before(() => {
    host = { service: s.ws.service, sandbox: s.pool, servers: ['everything', 'fs'] };
  });

  const note = () => join(s.ws.files, 'note.txt');

  async function recordRun(mode: 'direct' | 'code'): Promise<string> {
    writeFileSync(note(), 'The launch code word is heliotrope.');
    const script =
      mode === 'direct'
        ? [
            { toolCalls: [{ name: 'fs__read_text_file', arguments: { path: note() } }] },
            { toolCalls: [{ name: 'everything__echo', arguments: { message: 'heliotrope' } }, { name: 'everything__get-sum', arguments: { a: 1, b: 1 } }] },
            { text: 'The word is heliotrope.' },
          ]
        : [
            { toolCalls: [{ name: 'run_code', arguments: { code: `const r = await tools.fs.read_text_file({ path: ${JSON.stringify(note())} }); return r.text.split(' ').pop();` } }] },
            { text: 'The word is heliotrope.' },
          ];
    await s.start(script);
    const provider = new OpenAIProvider({ baseURL: s.model!.openaiURL, maxRetries: 0 });
    const { runs } = await runAgentSpec(host, { goal: 'Find the code word in note.txt.', mode }, provider);
    assert.equal(runs[0].outcome, 'answered', runs[0].message);
    await s.model!.close();
    s.model = undefined;
    return runs[0].session.trace_file!;
  }

  for (const mode of ['direct', 'code'] as const) {
    it(`replays a recorded ${mode}-mode run without a model: the same tool calls, no divergence`, async () => {
      const trace = await recordRun(mode);
      const replay = await replayAgent(host, trace);
      assert.equal(replay.run.outcome, 'answered', replay.run.message);
      assert.equal(replay.run.provider, 'replay');
      assert.equal(replay.run.answer, 'The word is heliotrope.');
      assert.deepEqual(replay.callMismatches, []);
      assert.deepEqual(replay.run.divergences, []);
      assert.equal(replay.recording.toolSteps.length, mode === 'direct' ? 3 : 2);
      assert.ok(replay.run.session.trace_file && replay.run.session.trace_file !== trace, 'the replay is a run with its own trace');
    });
  }

  it('reports a divergence when a server answers differently than in the recording', async () => {
    const trace = await recordRun('direct');
    writeFileSync(note(), 'The launch code word is marigold.');
    const replay = await replayAgent(host, trace);
    assert.equal(replay.run.divergences.length, 1);
    const [d] = replay.run.divergences;
    assert.deepEqual([d.turn, d.name], [2, 'fs__read_text_file']);
    assert.match(d.message, /differs from the recording.*marigold/);
    // The calls themselves are the recorded ones; what they returned is not.
    assert.deepEqual(replay.callMismatches, []);
  });

  it('stops a replay that needs more model turns than were recorded', async () => {
    await s.start([{ toolCalls: [{ name: 'everything__echo', arguments: { message: 'one' } }] }]);
    const provider = new OpenAIProvider({ baseURL: s.model!.openaiURL, maxRetries: 0 });
    const { runs } = await runAgentSpec(host, { goal: 'Echo.', limits: { maxTurns: 1 } }, provider);
    assert.equal(runs[0].stopReason, 'max_turns');
    const replay = await replayAgent(host, runs[0].session.trace_file!);
    assert.deepEqual([replay.run.outcome, replay.run.stopReason, replay.run.turns], ['stopped', 'replay_exhausted', 1]);
    assert.match(replay.run.message!, /The recording has 1 model turns and the replay needs another/);
  });

  it('says what is wrong with a trace that is not an agent run', async () => {
    const file = join(s.ws.dir, 'plain.jsonl');
    writeFileSync(file, JSON.stringify({ type: 'session', session_id: 'x', name: 'n', started_at: '', config_hash: '', servers: [], harness_version: '0' }) + '\n');
    await assert.rejects(replayAgent(host, file), /records no model turns: replay needs the trace of an agent run/);
    await assert.rejects(replayAgent(host, join(s.ws.dir, 'missing.jsonl')), /Could not read the trace/);
  });

  it('--mode both: the same goal in direct and code mode, compared (code mode reads fewer input tokens)', async () => {
    await s.start([
      { toolCalls: [{ name: 'fs__read_text_file', arguments: { path: note() } }], usage: null },
      { text: 'heliotrope', usage: null },
      { toolCalls: [{ name: 'run_code', arguments: { code: `return (await tools.fs.read_text_file({ path: ${JSON.stringify(note())} })).text.length;` } }], usage: null },
      { text: 'heliotrope', usage: null },
    ]);
    writeFileSync(note(), 'The launch code word is heliotrope.');
    const provider = new OpenAIProvider({ baseURL: s.model!.openaiURL, maxRetries: 0 });
    const { runs, comparison } = await runAgentSpec(host, { goal: 'Find the code word for ada@example.com.', mode: 'both' }, provider);
    assert.deepEqual(runs.map((r) => [r.mode, r.outcome, r.turns, r.toolCalls]), [['direct', 'answered', 2, 1], ['code', 'answered', 2, 1]]);
    assert.ok(comparison);
    assert.deepEqual(comparison.runs.map((r) => r.mode), ['direct', 'code']);
    assert.ok(!JSON.stringify(comparison).includes('ada@example.com'), 'the report masks the goal');
    assert.ok(comparison.runs[1].tokens_in < comparison.runs[0].tokens_in, `code ${comparison.runs[1].tokens_in} < direct ${comparison.runs[0].tokens_in}`);
    assert.ok(comparison.input_tokens_saved > 0.5);
    const md = comparisonMarkdown(comparison);
    assert.match(md, /\| Tokens in \| \d+ \| \d+ \|/);
    assert.match(md, /\| Outcome \| answered \| answered \|/);
  });

  it('a scripted run of an agent-only session file is refused instead of passing with no steps', async () => {
    const parsed = parseSession(JSON.stringify({ name: 'only agent', agent: { goal: 'Echo hi.' } }));
    await assert.rejects(s.ws.service.runSession(parsed.session!), /has an "agent" block and no steps: it runs as an agent/);
  });

  it('session files take an "agent" block; bad values are reported with what they must be', () => {
    const ok = parseSession(JSON.stringify({ name: 'a', servers: ['everything'], agent: { goal: 'Echo hi.', mode: 'both', model: 'gpt-4o', limits: { maxTurns: 5 }, system: 'Be brief.' } }));
    assert.deepEqual(ok.problems, []);
    assert.deepEqual({ ...ok.session?.agent, limits: { ...ok.session?.agent?.limits } }, { goal: 'Echo hi.', mode: 'both', model: 'gpt-4o', limits: { maxTurns: 5 }, system: 'Be brief.' });
    assert.deepEqual(ok.session?.steps, []);
    const bad = parseSession(JSON.stringify({ name: 'a', agent: { goal: '', mode: 'fast', limits: { maxTurns: 0 }, colour: 1 } }));
    const messages = bad.problems.map((p) => p.message);
    assert.ok(messages.some((m) => /agent.goal must be a non-empty string/.test(m)));
    assert.ok(messages.some((m) => /agent.mode must be "direct", "code" or "both"/.test(m)));
    assert.ok(messages.some((m) => /maxTurns must be a number from 1 to 1000 \(got 0\)/.test(m)));
    assert.ok(messages.some((m) => /Unknown agent setting "colour"/.test(m)));
    assert.match(parseSession(JSON.stringify({ name: 'a' })).problems[0].message, /no "steps".*"agent"/);
    assert.deepEqual(checkAgentSpec('x').problems, ['"agent" must be an object with at least "goal".']);
    assert.throws(() => resolveAgentLimits({ wallTimeMs: 5 }), /wallTimeMs must be a number from 100/);
  });
});
