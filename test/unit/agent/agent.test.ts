// Agent runs end to end: a scripted OpenAI-compatible (or Anthropic) server on 127.0.0.1 plays the model,
// real MCP servers answer, and every call goes through the run service's guards into one trace.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnthropicProvider, type AgentLimits, OpenAIProvider, resolveAgentLimits, runAgent, type AgentMode, type AgentRunInput, type ModelProvider } from '../../../src/core/agent/index';
import { agentSuite, toolMessages } from './helpers';

describe('agent: model-driven runs through the run service', function () {
  this.timeout(120_000);
  const s = agentSuite();

  async function scripted(script: unknown[]): Promise<ModelProvider> {
    await s.start(script);
    return new OpenAIProvider({ baseURL: s.model!.openaiURL, maxRetries: 0 });
  }

  function run(provider: ModelProvider, goal: string, extra: Partial<Omit<AgentRunInput, 'limits'>> & { limits?: Partial<AgentLimits> } = {}) {
    return runAgent({
      service: s.ws.service,
      provider,
      goal,
      model: 'gpt-4o',
      mode: 'direct' as AgentMode,
      servers: ['everything', 'fs', 'rugpull'],
      sandbox: s.pool,
      ...extra,
      limits: resolveAgentLimits(extra.limits),
    });
  }

  it('runs a multi-turn goal: tool calls, results back to the model, an answer, every turn and call in the trace', async () => {
    const provider = await scripted([
      { toolCalls: [{ name: 'everything__echo', arguments: { message: 'hello' } }], usage: { input: 1200, output: 30 } },
      { toolCalls: [{ name: 'everything__get-sum', arguments: { a: 2, b: 40 } }], usage: { input: 1300, output: 25 } },
      { text: 'The echo said hello and 2 + 40 = 42.', usage: { input: 1400, output: 15 } },
    ]);
    const result = await run(provider, 'Echo hello, then add 2 and 40.');
    assert.equal(result.outcome, 'answered', result.message);
    assert.equal(result.answer, 'The echo said hello and 2 + 40 = 42.');
    assert.deepEqual([result.turns, result.toolCalls, result.tokensIn, result.tokensOut], [3, 2, 3900, 70]);
    assert.ok(result.costUsd > 0, 'cost from the price table');
    // What the model was shown: the tools by namespaced name, then each tool's result.
    const [first, second, third] = s.model!.requests.map((r) => r.body);
    assert.ok((first.tools as { function: { name: string } }[]).some((t) => t.function.name === 'fs__read_text_file'));
    assert.match(toolMessages(second)[0].content, /Echo: hello/);
    assert.match(toolMessages(third).at(-1)!.content, /42/);
    const trace = s.ws.trace(result.session.session_id);
    assert.equal(trace.header?.run_kind, 'agent');
    // The model that worked in the run is named in its header (the trace panel shows it as "Model").
    assert.equal(trace.header?.model, 'gpt-4o');
    assert.deepEqual(
      trace.steps.map((s) => [s.step_id, s.kind, s.channel, s.decision]),
      [
        ['turn-1', 'model', 'user_to_llm', 'ok'],
        ['turn-1.1', 'tool', 'llm_to_tool', 'ok'],
        ['turn-2', 'model', 'tool_to_llm', 'ok'],
        ['turn-2.1', 'tool', 'llm_to_tool', 'ok'],
        ['turn-3', 'model', 'tool_to_llm', 'ok'],
      ],
    );
    const turn1 = trace.steps[0];
    assert.deepEqual([turn1.tokens_in, turn1.tokens_out, turn1.model_turn?.usage_source], [1200, 30, 'model']);
    assert.equal(trace.end?.status, 'passed');
  });

  it('gives the model a denial as the tool result and lets it recover', async () => {
    const provider = await scripted([
      { toolCalls: [{ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }] },
      (body: Record<string, unknown>) =>
        /denied_policy/.test(toolMessages(body)[0]?.content ?? '') ? { toolCalls: [{ name: 'everything__echo', arguments: { message: 'sum is off limits' } }] } : { text: 'no denial seen' },
      { text: 'I could not add, so I echoed instead.' },
    ]);
    const result = await run(provider, 'Add 1 and 2.', { policy: { deny: ['everything/get-sum'] } });
    assert.equal(result.outcome, 'answered');
    assert.equal(result.answer, 'I could not add, so I echoed instead.');
    assert.equal(result.denied, 1);
    assert.match(toolMessages(s.model!.requests[1].body)[0].content, /The call was denied \(denied_policy\).*get-sum/);
    const steps = s.ws.trace(result.session.session_id).steps.filter((s) => s.kind === 'tool');
    assert.deepEqual(steps.map((s) => s.decision), ['denied_policy', 'ok']);
  });

  it('answers an unknown tool, arguments that are not JSON and schema-invalid arguments with what is wrong', async () => {
    const provider = await scripted([
      {
        toolCalls: [
          { name: 'nowhere__nothing', arguments: {} },
          { name: 'everything__echo', arguments: '{"message": ' },
          { name: 'everything__echo', arguments: { message: 5 } },
        ],
      },
      { text: 'done' },
    ]);
    const result = await run(provider, 'Try some calls.');
    assert.equal(result.outcome, 'answered');
    const replies = toolMessages(s.model!.requests[1].body).map((m) => m.content);
    assert.match(replies[0], /There is no tool named 'nowhere__nothing'.*everything__echo/);
    assert.match(replies[1], /not valid JSON/);
    assert.match(replies[2], /denied \(denied_schema\).*message/);
    const steps = s.ws.trace(result.session.session_id).steps.filter((s) => s.kind === 'tool');
    assert.deepEqual(steps.map((s) => s.decision), ['error', 'denied_schema', 'denied_schema']);
    assert.equal(result.denied, 2);
  });

  it('stops cleanly at maxTurns, maxTokens and the wall time, saying which limit', async () => {
    const loop = (_b: unknown, i: number) => ({ toolCalls: [{ name: 'everything__echo', arguments: { message: `again ${i}` } }], usage: { input: 500, output: 10 } });
    let provider = await scripted([loop, loop, loop, loop]);
    let result = await run(provider, 'Loop.', { limits: { maxTurns: 2 } });
    assert.deepEqual([result.outcome, result.stopReason, result.turns], ['stopped', 'max_turns', 2]);
    assert.match(result.message!, /maxTurns = 2/);
    assert.equal(s.ws.trace(result.session.session_id).end?.status, 'failed');
    assert.match(s.ws.trace(result.session.session_id).end?.error ?? '', /maxTurns/);
    await s.model!.close();

    provider = await scripted([loop, loop, loop, loop]);
    result = await run(provider, 'Loop.', { limits: { maxTokens: 1000 } });
    assert.deepEqual([result.stopReason, result.turns, result.tokensIn + result.tokensOut], ['max_tokens', 2, 1020]);
    await s.model!.close();

    provider = await scripted([loop, loop, loop]);
    result = await run(provider, 'Loop.', { limits: { maxCostUsd: 0.001 } });
    // gpt-4o at the default prices: 500 in + 10 out is $0.00135, over the cap after one turn.
    assert.deepEqual([result.stopReason, result.turns, result.costUsd], ['max_cost', 1, 0.00135]);
    assert.match(result.message!, /maxCostUsd = 0.001/);
    await s.model!.close();

    provider = await scripted([{ ...loop(0, 0), delayMs: 5000 }]);
    result = await run(provider, 'Loop.', { limits: { wallTimeMs: 300 } });
    assert.deepEqual([result.outcome, result.stopReason, result.turns], ['stopped', 'wall_time', 0]);
    assert.match(result.message!, /wallTimeMs = 300/);
  });

  it('is cancelled by its signal while the model is thinking, and ends the trace cancelled', async () => {
    const provider = await scripted([{ text: 'too late', delayMs: 5000 }]);
    const controller = new AbortController();
    const pending = run(provider, 'Think long.', { signal: controller.signal });
    while (!s.model!.requests.length) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const result = await pending;
    assert.deepEqual([result.outcome, result.stopReason], ['stopped', 'cancelled']);
    assert.equal(s.ws.trace(result.session.session_id).end?.status, 'cancelled');
  });

  it('waits for a model that takes its time (delayMs) and goes on with its answer', async () => {
    const provider = await scripted([
      { toolCalls: [{ name: 'everything__echo', arguments: { message: 'slowly' } }], delayMs: 400 },
      { text: 'Echoed slowly.', delayMs: 200 },
    ]);
    const started = Date.now();
    const result = await run(provider, 'Echo slowly.', { limits: { wallTimeMs: 20_000 } });
    assert.equal(result.outcome, 'answered', result.message);
    assert.equal(result.answer, 'Echoed slowly.');
    assert.deepEqual([result.turns, result.toolCalls], [2, 1]);
    assert.ok(Date.now() - started >= 600, 'both turns were held back by the model server');
  });

  it('a cancel while the model thinks over its second turn keeps the first turn and its tool call', async () => {
    const provider = await scripted([
      { toolCalls: [{ name: 'everything__echo', arguments: { message: 'first' } }], delayMs: 300 },
      { text: 'too late', delayMs: 5000 },
    ]);
    const controller = new AbortController();
    const pending = run(provider, 'Echo, then think long.', { signal: controller.signal });
    // A guard against a model server that never answers the first turn, not a timing.
    for (const deadline = Date.now() + 10_000; s.model!.requests.length < 2; await new Promise((r) => setTimeout(r, 10))) {
      assert.ok(Date.now() < deadline, 'the first (delayed) turn was never answered');
    }
    controller.abort();
    const result = await pending;
    assert.deepEqual([result.outcome, result.stopReason, result.turns, result.toolCalls], ['stopped', 'cancelled', 1, 1]);
    const trace = s.ws.trace(result.session.session_id);
    assert.deepEqual(trace.steps.filter((x) => x.kind === 'tool').map((x) => [x.step_id, x.decision]), [['turn-1.1', 'ok']]);
    assert.equal(trace.end?.status, 'cancelled');
  });

  it('reports a model failure as an error outcome with the API message', async () => {
    const provider = await scripted([{ status: 400, error: 'model "nope" does not exist' }]);
    const result = await run(provider, 'Anything.', { model: 'nope' });
    assert.equal(result.outcome, 'error');
    assert.match(result.message!, /The model failed: .*does not exist/);
    assert.equal(s.ws.trace(result.session.session_id).end?.status, 'error');
  });

  it('never passes the API key on when the API quotes it in an error', async () => {
    const key = 'sk-proj-quoted0123456789abcdef';
    await s.start([{ status: 401, error: `Incorrect API key provided: ${key}.` }]);
    const result = await run(new OpenAIProvider({ apiKey: key, baseURL: s.model!.openaiURL, maxRetries: 0 }), 'Anything.');
    assert.equal(result.outcome, 'error');
    assert.match(result.message!, /Incorrect API key provided: \[API key\]/);
    assert.ok(!readFileSync(result.session.trace_file!, 'utf8').includes(key));
  });

  it('ends the run with an error, not a model failure, when the harness cannot set the run up', async () => {
    const provider = await scripted([{ text: 'never asked' }]);
    const result = await run(provider, 'Anything.', { mode: 'code', sandbox: undefined });
    assert.deepEqual([result.outcome, result.stopReason, s.model!.served], ['error', 'internal_error', 0]);
    assert.match(result.message!, /^The agent run failed: Code mode needs a sandbox/);
    assert.equal(s.ws.trace(result.session.session_id).end?.status, 'error');
  });

  it('redacts the goal before the model sees it; PII placeholders reach the tool restored, never the model', async () => {
    writeFileSync(s.ws.callsFile, '');
    const provider = await scripted([
      (body: Record<string, unknown>) => {
        const goal = (body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')!.content;
        const placeholder = /\[EMAIL_\d+\]/.exec(goal)?.[0] ?? 'no placeholder';
        return { toolCalls: [{ name: 'rugpull__greet', arguments: { name: placeholder } }] };
      },
      { text: 'Greeted.' },
    ]);
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    const result = await run(provider, `Greet ada.lovelace@example.com; the key is ${secret}.`, { guardrails: { redact: ['secrets', 'pii'], tokenizePii: true } });
    assert.equal(result.outcome, 'answered');
    const sent = JSON.stringify(s.model!.requests.map((r) => r.body));
    assert.ok(!sent.includes('ada.lovelace@example.com'), 'the model never saw the email');
    assert.ok(!sent.includes(secret), 'the model never saw the secret');
    assert.match(sent, /\[EMAIL_1\]/);
    // The tool got the real value; its answer came back to the model as the placeholder again.
    const calls = readFileSync(s.ws.callsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(calls.at(-1), { tool: 'greet', args: { name: 'ada.lovelace@example.com' } });
    assert.equal(toolMessages(s.model!.requests[1].body)[0].content, 'Hello, [EMAIL_1]!');
    const traceText = readFileSync(result.session.trace_file!, 'utf8');
    assert.ok(!traceText.includes('ada.lovelace@example.com') && !traceText.includes(secret), 'the trace holds neither');
    assert.ok(s.ws.trace(result.session.session_id).steps[0].findings.some((f) => f.kind === 'secret.aws_access_key'));
  });

  it('code mode: the model sees search_tools and run_code, and its code calls tools through the same run', async () => {
    const provider = await scripted([
      { toolCalls: [{ name: 'search_tools', arguments: { query: 'read text file' } }] },
      { toolCalls: [{ name: 'run_code', arguments: { code: `const r = await tools.fs.read_text_file({ path: ${JSON.stringify(join(s.ws.files, 'note.txt'))} }); return r.text.split(' ').pop();` } }] },
      { text: 'The word is heliotrope.' },
    ]);
    const result = await run(provider, 'Find the code word in note.txt.', { mode: 'code' });
    assert.equal(result.outcome, 'answered', result.message);
    const [first, second, third] = s.model!.requests.map((r) => r.body);
    assert.deepEqual((first.tools as { function: { name: string } }[]).map((t) => t.function.name), ['search_tools', 'run_code']);
    assert.match(toolMessages(second)[0].content, /fs\/read_text_file/);
    assert.match(toolMessages(third).at(-1)!.content, /heliotrope/);
    const steps = s.ws.trace(result.session.session_id).steps;
    const code = steps.find((s) => s.kind === 'code')!;
    assert.equal(code.step_id, 'turn-2.1');
    const child = steps.find((s) => s.parent_id === 'turn-2.1')!;
    assert.deepEqual([child.server, child.tool, child.decision], ['fs', 'read_text_file', 'ok']);
  });

  it('code mode: a secret the model writes into run_code is masked everywhere in the trace: the model step, the code step and the results recorded on the next turn', async () => {
    const secret = `ghp_${'Q7'.repeat(18)}`;
    const provider = await scripted([
      { toolCalls: [{ name: 'run_code', arguments: { code: `const key = "${secret}"; console.log(key); return key.length;` } }] },
      { text: 'It is 40 characters long.' },
    ]);
    const result = await run(provider, 'How long is the key?', { mode: 'code' });
    assert.equal(result.outcome, 'answered', result.message);
    assert.match(toolMessages(s.model!.requests[1].body)[0].content, /"value": ?40/, 'the code ran with the key as written');
    const code = s.ws.trace(result.session.session_id).steps.find((st) => st.kind === 'code')!;
    assert.equal((code.args as { code: string }).code, 'const key = "[REDACTED:github_token]"; console.log(key); return key.length;');
    assert.deepEqual(code.logs, [{ level: 'log', text: '[REDACTED:github_token]' }]);
    assert.ok(!readFileSync(result.session.trace_file!, 'utf8').includes(secret.slice(0, 20)), 'no part of the key in the trace');
  });

  it('talks to the Anthropic Messages API: tool_use in, tool_result blocks back', async () => {
    await s.start([
      { toolCalls: [{ name: 'everything__echo', arguments: { message: 'via claude' } }], usage: { input: 900, output: 12 } },
      { text: 'Echoed.', usage: { input: 950, output: 4 } },
    ]);
    const provider = new AnthropicProvider({ apiKey: 'test-key', baseURL: s.model!.anthropicURL, maxRetries: 0 });
    const result = await run(provider, 'Echo via claude.', { model: 'claude-sonnet-4' });
    assert.equal(result.outcome, 'answered', result.message);
    assert.deepEqual([result.tokensIn, result.tokensOut, result.provider], [1850, 16, 'anthropic']);
    const second = s.model!.requests[1].body as { system: string; messages: { role: string; content: unknown }[]; tools: { name: string }[] };
    assert.equal(s.model!.requests[1].api, 'anthropic');
    assert.ok(second.tools.some((t) => t.name === 'everything__echo'));
    const last = second.messages.at(-1) as { role: string; content: { type: string; tool_use_id: string; content: string }[] };
    assert.equal(last.role, 'user');
    assert.deepEqual([last.content[0].type, last.content[0].tool_use_id, last.content[0].content], ['tool_result', 'toolu_1_1', 'Echo: via claude']);
    assert.match(JSON.stringify(s.model!.requests[0].headers), /test-key/);
  });

  it('records an OpenAI-compatible server\'s reasoning text on the model step, redacted like the model\'s text', async () => {
    const provider = await scripted([
      { reasoning: 'The user wants an echo; write to ada@example.com later.', toolCalls: [{ name: 'everything__echo', arguments: { message: 'r' } }] },
      { text: 'Done.' },
    ]);
    const result = await run(provider, 'Echo r.');
    assert.equal(result.outcome, 'answered', result.message);
    const [turn1, , turn2] = s.ws.trace(result.session.session_id).steps;
    assert.match(turn1.model_turn?.reasoning ?? '', /^The user wants an echo; write to \[(REDACTED:email|EMAIL_\d+)\] later\.$/);
    assert.ok(!JSON.stringify(turn1).includes('ada@example.com'), 'the address in the reasoning reached the trace');
    assert.ok(turn1.findings.some((f) => f.kind === 'pii.email'), JSON.stringify(turn1.findings));
    assert.equal(turn2.model_turn?.reasoning, undefined);
  });

  it('records Anthropic thinking as the turn\'s reasoning and gives the thinking block back with its signature', async () => {
    await s.start([
      { reasoning: 'Echo first, then answer.', toolCalls: [{ name: 'everything__echo', arguments: { message: 'think' } }] },
      { text: 'Echoed.' },
    ]);
    const provider = new AnthropicProvider({ apiKey: 'test-key', baseURL: s.model!.anthropicURL, maxRetries: 0, thinkingBudgetTokens: 2048 });
    const result = await run(provider, 'Echo think.', { model: 'claude-sonnet-4' });
    assert.equal(result.outcome, 'answered', result.message);
    const first = s.model!.requests[0].body as { thinking?: { type: string; budget_tokens: number }; max_tokens: number };
    assert.deepEqual(first.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(first.max_tokens, 4096 + 2048);
    const second = s.model!.requests[1].body as { messages: { role: string; content: { type: string; thinking?: string; signature?: string }[] }[] };
    const assistant = second.messages.find((m) => m.role === 'assistant')!;
    assert.deepEqual(assistant.content.map((b) => b.type), ['thinking', 'tool_use']);
    assert.deepEqual([assistant.content[0].thinking, assistant.content[0].signature], ['Echo first, then answer.', 'sig-1']);
    assert.equal(s.ws.trace(result.session.session_id).steps[0].model_turn?.reasoning, 'Echo first, then answer.');
  });

  it('counts tokens with the tokenizer when the model reports no usage', async () => {
    const provider = await scripted([{ text: 'Hi.', usage: null }]);
    const result = await run(provider, 'Say hi.');
    assert.ok(result.tokensIn > 500, `the tool definitions are counted (${result.tokensIn})`);
    assert.equal(s.ws.trace(result.session.session_id).steps[0].model_turn?.usage_source, 'tokenizer');
  });
});
