// The in-host gateway ("MCP Harness (guarded)") forwards a server's sampling and elicitation requests to the
// MCP client whose call caused them, when that client declared them — through this window's guards: the
// sampling consent (policy "ask") sees the redacted prompt, the client gets it redacted, and the Sessions view
// shows the forwarded request as a child of the gateway call.
import * as assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, type CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HarnessApi } from '../../../../src/extension/api';
import type { SamplingConsentRequest } from '../../../../src/extension/client/samplingConsent';
import { waitFor } from '../helpers';
import { clientApi } from './helpers';

const TOKEN = 'ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3poR2d2';

function textOf(result: unknown): string {
  return ((result as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');
}

describe('client: the in-host gateway forwards server requests to its client', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  const consent: SamplingConsentRequest[] = [];
  const sampled: CreateMessageRequest['params'][] = [];

  before(async () => {
    api = await clientApi();
    api.testing.setConfirmPrompt(async () => true);
    api.testing.setSamplingConsentPrompt(async (r) => {
      consent.push(r);
      return 'once';
    });
  });

  after(async () => {
    api.testing.setSamplingConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.gateway.gateway.stop('test over');
    await api.servers.stopAll();
  });

  it('sampling and a form elicitation go to the client that declared them; the trace has them under the call', async () => {
    const def = (await api.gateway.provider.resolveMcpServerDefinition(api.gateway.provider.provideMcpServerDefinitions()[0]))!;
    const client = new Client({ name: 'agent-with-sampling', version: '0' }, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      sampled.push(request.params);
      return { role: 'assistant', content: { type: 'text', text: 'Answered by the agent.' }, model: 'agent-model' };
    });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada', email: 'ada@example.org', size: 'm', topics: ['mcp'] } }));
    const transport = new StreamableHTTPClientTransport(new URL(def.uri.toString(true)), { requestInit: { headers: def.headers } });
    await client.connect(transport);
    try {
      const sampledResult = await client.callTool({ name: 'ui__ask-model', arguments: { prompt: `Summarise. My token is ${TOKEN}` } });
      assert.notEqual(sampledResult.isError, true, textOf(sampledResult));
      assert.match(textOf(sampledResult), /Answered by the agent\./);
      assert.match(textOf(sampledResult), /agent-model/);
      assert.equal(sampled.length, 1);
      assert.ok(!JSON.stringify(sampled[0]).includes(TOKEN), 'the client got the prompt after redaction');
      assert.equal(consent.length, 1, 'policy "ask": this window asked before forwarding');
      assert.ok(!JSON.stringify(consent[0]).includes(TOKEN));

      const form = await client.callTool({ name: 'ui__ask-form', arguments: {} });
      assert.match(textOf(form), /"action":\s*"accept"/, textOf(form));
      assert.match(textOf(form), /Ada/);

      const run = await waitFor(
        () => api.traceStore.runs().find((r) => r.header?.name.startsWith('gateway agent-with-sampling') && r.steps.some((s) => s.kind === 'elicitation')),
        'the gateway session with the forwarded requests',
      );
      const call = run.steps.find((s) => s.tool === 'ask-model')!;
      const sampling = run.steps.find((s) => s.kind === 'sampling')!;
      assert.equal(sampling.parent_id, call.step_id);
      assert.equal(sampling.decision, 'ok');
      assert.match(sampling.stages.map((s) => s.reasons.join(' ')).join(' '), /answered by the client 'agent-with-sampling \(http\)'/);
      assert.ok(!JSON.stringify(run.steps).includes(TOKEN), 'no token in the recorded steps');
      await transport.terminateSession();
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
