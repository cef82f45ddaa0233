// Agent mode in the real extension host: "MCP: Run Agent…" and agent session files drive a scripted chat
// model registered through vscode.lm.registerLanguageModelChatProvider (test/integration/support/scripted-lm)
// against the real memory server, every call through the guards, every turn in the trace and the Sessions
// view; then "MCP: Replay Agent Run" re-runs a recording without the model.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReplayResult } from '../../../../src/core/agent/index';
import type { HarnessApi } from '../../../../src/extension/api';
import { agentLimitsFor, type AgentWindowResult } from '../../../../src/extension/agent/agentRun';
import type { SessionResult } from '../../../../src/core/run/index';
import type { StepRecord, TraceLine } from '../../../../src/protocol/trace';
import { scriptedLm, type ScriptedLmApi, type ScriptedRequest } from '../../support/scriptedLm';
import { activateHarness, waitFor } from '../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const MODEL = 'scripted-large';

function traceLines(file: string): TraceLine[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
}

function steps(file: string): StepRecord[] {
  return traceLines(file).filter((l): l is StepRecord => l.type === 'step');
}

/** The tool results the model was given in one request, in order. */
function toolResults(request: ScriptedRequest): { callId?: string; text?: string }[] {
  return request.messages.flatMap((m) => m.parts.filter((p) => p.type === 'toolResult'));
}

function lastToolResults(request: ScriptedRequest): { callId?: string; text?: string }[] {
  const last = request.messages[request.messages.length - 1];
  return last.parts.filter((p) => p.type === 'toolResult');
}

async function runAgent(options: Record<string, unknown>): Promise<AgentWindowResult> {
  const result = await vscode.commands.executeCommand<AgentWindowResult>('mcpHarness.runAgent', { servers: ['memory'], mode: 'direct', model: MODEL, folder: folder(), ...options });
  assert.ok(result, 'Run Agent returned nothing (it was cancelled or failed; see the error notification).');
  return result;
}

describe('agent mode (VS Code Language Model API)', function () {
  let api: HarnessApi;
  let lm: ScriptedLmApi;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    api.testing.setConfirmPrompt(async () => true);
  });

  beforeEach(async () => {
    lm = await scriptedLm();
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await vscode.workspace.getConfiguration('mcpHarness').update('agent.maxTurns', undefined, vscode.ConfigurationTarget.Workspace);
    await api.servers.stopAll();
  });

  it('runs a multi-turn goal: tool calls through the guards, results back to the model, every turn in the trace and the Sessions view', async () => {
    lm.script([
      { text: 'Storing Ada first.', toolCalls: [{ callId: 'c1', name: 'memory__create_entities', input: { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes tea'] }] } }] },
      { toolCalls: [{ callId: 'c2', name: 'memory__search_nodes', input: { query: 'Ada' } }] },
      { text: 'Ada likes tea.' },
    ]);
    const result = await runAgent({ goal: 'Remember that Ada likes tea, then tell me what Ada likes. My email is ada@example.com' });
    const run = result.runs[0];
    assert.equal(run.outcome, 'answered', run.message);
    assert.equal(run.answer, 'Ada likes tea.');
    assert.equal(run.turns, 3);
    assert.equal(run.toolCalls, 2);
    assert.equal(run.provider, 'vscode-lm/mcp-harness-scripted');
    assert.equal(run.model, MODEL);

    const requests = lm.requests();
    assert.equal(requests.length, 3);
    assert.ok(requests[0].tools.includes('memory__create_entities') && requests[0].tools.includes('memory__search_nodes'), requests[0].tools.join(','));
    // The instructions go first (the API has no system role), then the goal with its PII masked.
    assert.match(requests[0].messages[0].text, /Reach the user's goal with tools/);
    assert.ok(!JSON.stringify(requests).includes('ada@example.com'), 'the model saw the email address');
    assert.match(requests[0].messages[1].text, /My email is \[REDACTED:email\]/);
    // Turn 2 is given turn 1's call (as a tool-call part) and the server's result for it.
    const assistant = requests[1].messages.find((m) => m.role === 'assistant')!;
    assert.deepEqual(assistant.parts.filter((p) => p.type === 'toolCall').map((p) => [p.callId, p.name]), [['c1', 'memory__create_entities']]);
    assert.deepEqual(lastToolResults(requests[1]).map((p) => p.callId), ['c1']);
    assert.match(lastToolResults(requests[1])[0].text!, /Ada/);
    assert.match(lastToolResults(requests[2])[0].text!, /likes tea/);

    const file = run.session.trace_file!;
    assert.ok(file.startsWith(path.join(folder(), '.mcp-harness', 'traces')), file);
    const recorded = steps(file);
    assert.deepEqual(recorded.map((s) => [s.step_id, s.kind === 'model' ? 'model' : `${s.server}/${s.tool}`, s.decision]), [
      ['turn-1', 'model', 'ok'],
      ['turn-1.1', 'memory/create_entities', 'ok'],
      ['turn-2', 'model', 'ok'],
      ['turn-2.1', 'memory/search_nodes', 'ok'],
      ['turn-3', 'model', 'ok'],
    ]);
    const turn1 = recorded[0];
    assert.equal(turn1.model_turn?.usage_source, 'tokenizer');
    assert.ok(turn1.tokens_in > 0 && turn1.tokens_out > 0, `turn 1 tokens ${turn1.tokens_in}/${turn1.tokens_out}`);
    assert.equal(recorded[2].channel, 'tool_to_llm');
    // The run service fed the Sessions view's store while it ran: the same steps, no file read back.
    const inStore = api.traceStore.run(run.session.session_id);
    assert.ok(inStore, 'the run is not in the Sessions view');
    assert.equal(inStore.steps.length, 5);
    assert.equal(inStore.end?.status, 'passed');
  });

  it('with no chat model in VS Code, "MCP: Run Agent…" says so at once instead of asking the goal, servers and mode first', async () => {
    lm.setAvailable(false);
    try {
      await waitFor(async () => (await vscode.lm.selectChatModels({ vendor: lm.vendor })).length === 0, 'the scripted models to be withdrawn');
      // No options: the old order showed the goal's input box here and waited for an answer.
      const outcome = await Promise.race([
        vscode.commands.executeCommand<AgentWindowResult | undefined>('mcpHarness.runAgent').then((r) => ({ result: r })),
        new Promise<'asked'>((resolve) => setTimeout(() => resolve('asked'), 15_000)),
      ]);
      assert.notEqual(outcome, 'asked', 'Run Agent asked a question although no model can run the goal');
      assert.deepEqual(outcome, { result: undefined });
      assert.equal(lm.requests().length, 0);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      lm.setAvailable(true);
      await waitFor(async () => (await vscode.lm.selectChatModels({ vendor: lm.vendor })).length > 0, 'the scripted models to be offered again');
    }
  });

  it('gives the model the guard\'s denial reason and lets it recover (an agent session file run from "MCP: Run Session")', async () => {
    const file = path.join(folder(), 'deny.mcp-session.json');
    fs.writeFileSync(file, JSON.stringify({
      name: 'agent-deny',
      servers: ['memory'],
      policy: { deny: ['memory/delete_entities'] },
      agent: { goal: 'Forget Ada, or else read the graph', model: MODEL, mode: 'direct' },
    }, null, 2));
    lm.script([
      { toolCalls: [{ callId: 'd1', name: 'memory__delete_entities', input: { entityNames: ['Ada'] } }] },
      { toolCalls: [{ callId: 'd2', name: 'memory__read_graph', input: {} }] },
      { text: 'I may not delete; the graph is unchanged.' },
    ]);
    const session = await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', vscode.Uri.file(file));
    assert.ok(session, 'Run Session returned nothing for the agent session.');
    assert.equal(session.status, 'passed', session.error);
    const requests = lm.requests();
    assert.equal(requests.length, 3);
    const denial = lastToolResults(requests[1])[0];
    assert.equal(denial.callId, 'd1');
    assert.match(denial.text!, /The call was denied \(denied_policy\)/);
    assert.match(denial.text!, /memory\/delete_entities/);
    assert.match(lastToolResults(requests[2])[0].text!, /entities/);
    const recorded = steps(session.trace_file!);
    assert.deepEqual(recorded.filter((s) => s.kind !== 'model').map((s) => [s.tool, s.decision]), [['delete_entities', 'denied_policy'], ['read_graph', 'ok']]);
    assert.equal(recorded[recorded.length - 1].model_turn?.text, 'I may not delete; the graph is unchanged.');
  });

  it('stops cleanly on the maxTurns limit from the settings, saying which setting raises it', async () => {
    await vscode.workspace.getConfiguration('mcpHarness').update('agent.maxTurns', 2, vscode.ConfigurationTarget.Workspace);
    lm.script([0, 1, 2].map((i) => ({ toolCalls: [{ callId: `l${i}`, name: 'memory__read_graph', input: {} }] })));
    const result = await runAgent({ goal: 'Read the graph forever' });
    await vscode.workspace.getConfiguration('mcpHarness').update('agent.maxTurns', undefined, vscode.ConfigurationTarget.Workspace);
    const run = result.runs[0];
    assert.equal(run.outcome, 'stopped');
    assert.equal(run.stopReason, 'max_turns');
    assert.equal(run.turns, 2);
    assert.match(run.message!, /limit maxTurns = 2/);
    assert.equal(lm.requests().length, 2, 'the model was asked for a third turn');
    assert.equal(lm.pendingTurns(), 1);
    const end = traceLines(run.session.trace_file!).pop()!;
    assert.equal(end.type, 'end');
    assert.equal(end.type === 'end' && end.status, 'failed');
    assert.match(end.type === 'end' ? end.error ?? '' : '', /maxTurns = 2/);
  });

  it('a session file limit over the settings, and an out-of-range one refused with where to fix it', () => {
    assert.equal(agentLimitsFor(api.context, { maxTurns: 7 }).maxTurns, 7);
    assert.throws(
      () => agentLimitsFor(api.context, { maxTurns: 0 }),
      /maxTurns must be a number from 1 to 1000 \(got 0\)\. Fix mcpHarness\.agent\.maxTurns in the settings or agent\.limits\.maxTurns in the session file\./,
    );
  });

  it('cancels a run while the model is thinking: the model sees the cancellation, the run and trace end cancelled', async () => {
    lm.script([{ toolCalls: [{ callId: 'x1', name: 'memory__read_graph', input: {} }] }, { waitForCancel: true }]);
    const source = new vscode.CancellationTokenSource();
    const pending = runAgent({ goal: 'Read the graph, then think for a long time', cancellation: source.token });
    await waitFor(() => lm.requests().length === 2, 'the second model turn', 30_000);
    source.cancel();
    const result = await pending;
    const run = result.runs[0];
    assert.equal(run.outcome, 'stopped');
    assert.equal(run.stopReason, 'cancelled');
    assert.equal(run.turns, 1);
    assert.equal(run.session.status, 'cancelled');
    const end = traceLines(run.session.trace_file!).pop()!;
    assert.equal(end.type === 'end' && end.status, 'cancelled');
  });

  it('answers an unknown tool and schema-invalid arguments with what went wrong, as steps of the trace', async () => {
    lm.script([
      {
        toolCalls: [
          { callId: 'u1', name: 'memory__no_such_tool', input: {} },
          { callId: 'u2', name: 'memory__create_entities', input: { entities: 'not-a-list' } },
        ],
      },
      { text: 'Both calls failed.' },
    ]);
    const result = await runAgent({ goal: 'Try odd calls' });
    const run = result.runs[0];
    assert.equal(run.outcome, 'answered', run.message);
    assert.equal(run.denied, 1);
    const [unknown, invalid] = lastToolResults(lm.requests()[1]);
    assert.equal(unknown.callId, 'u1');
    assert.match(unknown.text!, /There is no tool named 'memory__no_such_tool'\. The tools are: .*memory__read_graph/);
    assert.equal(invalid.callId, 'u2');
    assert.match(invalid.text!, /denied \(denied_schema\)/);
    const recorded = steps(run.session.trace_file!).filter((s) => s.kind !== 'model');
    assert.deepEqual(recorded.map((s) => s.decision), ['error', 'denied_schema']);
  });

  it('runs both modes for an A/B comparison written next to the traces', async () => {
    lm.script([
      { toolCalls: [{ callId: 'a1', name: 'memory__read_graph', input: {} }] },
      { text: 'direct done' },
      { toolCalls: [{ callId: 'b1', name: 'run_code', input: { code: 'const g = await tools.memory.read_graph({}); return Object.keys(g);' } }] },
      { text: 'code done' },
    ]);
    const result = await runAgent({ goal: 'Read the graph', mode: 'both' });
    assert.deepEqual(result.runs.map((r) => [r.mode, r.outcome]), [['direct', 'answered'], ['code', 'answered']]);
    assert.deepEqual(lm.requests()[2].tools.sort(), ['run_code', 'search_tools']);
    assert.ok(result.comparison, 'no comparison');
    assert.equal(result.comparison.runs.length, 2);
    assert.ok(result.comparisonFiles?.length === 2, 'the comparison was not written');
    const json = JSON.parse(fs.readFileSync(result.comparisonFiles[0], 'utf8'));
    assert.equal(json.section, 'agent-comparison');
    assert.deepEqual(json.runs.map((r: { mode: string }) => r.mode), ['direct', 'code']);
    assert.match(fs.readFileSync(result.comparisonFiles[1], 'utf8'), /\| Turns \| 2 \| 2 \|/);
  });

  it('replays a recorded run without the model and reports a divergence when a tool result changed', async () => {
    lm.script([
      { toolCalls: [{ callId: 'r1', name: 'memory__read_graph', input: {} }] },
      { text: 'recorded' },
    ]);
    const recorded = (await runAgent({ goal: 'Read the graph once' })).runs[0];
    // The Sessions view offers "Replay Agent Run" on agent runs (package.json: viewItem == run.agent).
    const node = { kind: 'run' as const, run: api.traceStore.run(recorded.session.session_id)! };
    assert.equal(api.sessionsTree.getTreeItem(node).contextValue, 'run.agent');
    const requestsBefore = lm.requests().length;
    const same = await vscode.commands.executeCommand<ReplayResult>('mcpHarness.replayAgentRun', recorded.session.session_id);
    assert.ok(same);
    assert.equal(same.run.outcome, 'answered');
    assert.equal(same.run.answer, 'recorded');
    assert.deepEqual(same.run.divergences, []);
    assert.deepEqual(same.callMismatches, []);
    assert.equal(lm.requests().length, requestsBefore, 'the replay asked the model');
    // A new entity changes what read_graph returns: the recorded turn 2 no longer follows from its input.
    lm.script([{ toolCalls: [{ callId: 'n1', name: 'memory__create_entities', input: { entities: [{ name: 'Grace', entityType: 'person', observations: ['new'] }] } }] }, { text: 'ok' }]);
    await runAgent({ goal: 'Add Grace' });
    const changed = await vscode.commands.executeCommand<ReplayResult>('mcpHarness.replayAgentRun', recorded.session.trace_file);
    assert.ok(changed);
    assert.equal(changed.run.divergences.length, 1);
    assert.match(changed.run.divergences[0].message, /the result of memory__read_graph \(call r1\) differs from the recording/);
  });
});
