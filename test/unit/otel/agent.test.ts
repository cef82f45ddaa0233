// An agent run exported live: a scripted OpenAI-compatible model on 127.0.0.1 plays the model, real
// servers answer; the run is an invoke_agent span with a `chat {model}` span per turn (token usage from
// the model's report) and an execute_tool span per tool call, all under it.
import * as assert from 'node:assert/strict';
import { OpenAIProvider, resolveAgentLimits, runAgent } from '../../../src/core/agent/index';
import { OtelExporter } from '../../../src/core/otel/index';
import { agentSuite } from '../agent/helpers';
import { startReceiver } from './receiver';

describe('otel: agent runs as GenAI spans', function () {
  this.timeout(120_000);
  const s = agentSuite();

  it('sends invoke_agent, chat turns with token usage and tool calls, parented to the run', async () => {
    const receiver = await startReceiver();
    const warnings: string[] = [];
    const otel = new OtelExporter({ endpoint: receiver.url, logger: { trace() {}, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} } });
    const subscription = otel.attach(s.ws.service);
    try {
      await s.start([
        { toolCalls: [{ name: 'everything__echo', arguments: { message: 'hello' } }], usage: { input: 1200, output: 30 } },
        { text: 'It said hello.', usage: { input: 1300, output: 10 } },
      ]);
      const result = await runAgent({
        service: s.ws.service,
        provider: new OpenAIProvider({ baseURL: s.model!.openaiURL, maxRetries: 0 }),
        goal: 'Echo hello.',
        model: 'gpt-4o',
        mode: 'direct',
        servers: ['everything'],
        sandbox: s.pool,
        limits: resolveAgentLimits({}),
      });
      assert.equal(result.outcome, 'answered', result.message);
      await otel.shutdown();
      const spans = await receiver.waitFor(4);
      const root = spans.find((x) => x.name.startsWith('invoke_agent '))!;
      assert.ok(root, spans.map((x) => x.name).join(', '));
      assert.equal(root.attributes['gen_ai.operation.name'], 'invoke_agent');
      assert.deepEqual([root.attributes['gen_ai.usage.input_tokens'], root.attributes['gen_ai.usage.output_tokens']], [2500, 40]);
      const turns = spans.filter((x) => x.name === 'chat gpt-4o');
      assert.equal(turns.length, 2);
      for (const t of turns) {
        assert.equal(t.parentSpanId, root.spanId);
        assert.equal(t.attributes['gen_ai.operation.name'], 'chat');
        assert.equal(t.attributes['gen_ai.request.model'], 'gpt-4o');
        assert.equal(t.kind, 3);
      }
      assert.deepEqual(turns.map((t) => [t.attributes['gen_ai.usage.input_tokens'], t.attributes['gen_ai.usage.output_tokens']]).sort(), [[1200, 30], [1300, 10]]);
      assert.equal(turns.every((t) => t.attributes['gen_ai.output.messages'] === undefined), true, 'no content unless opted in');
      const call = spans.find((x) => x.name === 'tools/call echo')!;
      assert.equal(call.parentSpanId, root.spanId);
      assert.equal(call.attributes['gen_ai.operation.name'], 'execute_tool');
      assert.deepEqual(warnings, []);
    } finally {
      subscription.dispose();
      await otel.shutdown();
      await receiver.close();
    }
  });
});
