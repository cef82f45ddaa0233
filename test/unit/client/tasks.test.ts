// Task-based tool calls and task-augmented server requests through src/core/servers/tasks.ts, on the v2
// client against server-everything (simulate-research-query requires task-based execution;
// trigger-sampling-request-async sends sampling/createMessage as a task the client runs).
import * as assert from 'node:assert/strict';
import { Client, type Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { bindTaskRequests, callToolAsTask, requiresTask, TaskCallError, type TaskStatusUpdate } from '../../../src/core/servers/tasks';
import { EVERYTHING } from '../guards/helpers';
import type { StepRecord } from '../../../src/protocol/trace';
import { clientWorld, session, type ClientWorld } from './helpers';

describe('tasks (ext-tasks on the v2 client, server-everything)', function () {
  this.timeout(60_000);
  let client: Client;
  let tools: Tool[];
  const sampled: string[] = [];

  before(async () => {
    client = new Client({ name: 'mcp-harness-test', version: '0' }, { capabilities: { sampling: {} } });
    const bound = await bindTaskRequests(
      client,
      {
        createMessage: async (ctx, params) => {
          sampled.push(`${ctx.server}:${JSON.stringify(params.messages[0].content)}`);
          return { role: 'assistant', content: { type: 'text', text: 'answered as a task' }, model: 'scripted' };
        },
      },
      (signal, handle) => handle({ server: 'everything', signal, via: 'request' }),
    );
    assert.deepEqual(bound?.capabilities.requests, { sampling: { createMessage: {} } });
    client.registerCapabilities({ tasks: bound!.capabilities } as never);
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING], stderr: 'ignore' }));
    tools = (await client.listTools()).tools;
  });
  after(async () => {
    await client.close();
  });

  it('a tool that requires tasks runs as a task: working → completed with status messages, then its result', async () => {
    const tool = tools.find((t) => t.name === 'simulate-research-query')!;
    assert.equal(requiresTask(tool), true);
    assert.equal(requiresTask(tools.find((t) => t.name === 'echo')), false);
    const updates: TaskStatusUpdate[] = [];
    const result = await callToolAsTask(client, 'everything', tool, { topic: 'tides' }, { signal: new AbortController().signal, timeoutMs: 10_000, deadlineMs: 30_000, onStatus: (u) => updates.push(u) });
    assert.match(JSON.stringify(result.content), /Research Report: tides/);
    assert.equal(updates[0].status, 'working');
    assert.equal(updates.at(-1)!.status, 'completed');
    assert.ok(updates.some((u) => u.message === 'Analyzing content...'), JSON.stringify(updates));
    assert.equal(new Set(updates.map((u) => u.taskId)).size, 1);
  });

  it('cancelling the caller cancels the task', async () => {
    const tool = tools.find((t) => t.name === 'simulate-research-query')!;
    const controller = new AbortController();
    const updates: TaskStatusUpdate[] = [];
    const call = callToolAsTask(client, 'everything', tool, { topic: 'x' }, {
      signal: controller.signal,
      timeoutMs: 10_000,
      deadlineMs: 30_000,
      onStatus: (u) => {
        updates.push(u);
        if (u.status === 'working') controller.abort();
      },
    });
    await assert.rejects(call, (err: unknown) => err instanceof TaskCallError && err.code === 'cancelled');
  });

  it('a task that outlives its deadline is cancelled and fails as a timeout', async () => {
    const tool = tools.find((t) => t.name === 'simulate-research-query')!;
    await assert.rejects(
      callToolAsTask(client, 'everything', tool, { topic: 'slow' }, { signal: new AbortController().signal, timeoutMs: 10_000, deadlineMs: 300 }),
      (err: unknown) => err instanceof TaskCallError && err.code === 'timeout' && /did not finish within 300 ms/.test(err.message),
    );
  });

  it('a sampling request sent as a task reaches the same handler (server-everything trigger-sampling-request-async)', async () => {
    const result = await client.callTool({ name: 'trigger-sampling-request-async', arguments: { prompt: 'tides?' } });
    assert.match(JSON.stringify(result.content), /COMPLETED.*answered as a task/s);
    assert.ok(sampled.some((s) => s.startsWith('everything:') && s.includes('tides?')), JSON.stringify(sampled));
  });
});

describe('tasks through the run service (ServerManager on the v2 client)', function () {
  this.timeout(60_000);
  let world: ClientWorld;
  beforeEach(() => {
    world = clientWorld({ samplingDefault: 'allow', model: { answer: async () => ({ text: 'from the host model', model: 'gpt-4o' }) } });
  });
  afterEach(() => world.dispose());

  it("a task-based step records its status history and reports each change to the host", async () => {
    const seen: string[] = [];
    const result = await world.service.runSession(session({ name: 'task', steps: [{ id: 'research', tool: 'everything/simulate-research-query', args: { topic: 'tides' }, expect: { contains: 'Research Report: tides' } }] }), {
      onTaskStatus: (_i, stepId, u) => seen.push(`${stepId} ${u.status}`),
    });
    assert.equal(result.status, 'passed', JSON.stringify(result.steps[0]));
    const task = result.steps[0].task!;
    assert.equal(task.status, 'completed');
    assert.deepEqual(task.history.map((h) => h.status), ['working', 'working', 'working', 'working', 'completed']);
    assert.equal(task.history[1].message, 'Analyzing content...');
    assert.equal(seen.at(-1), 'research completed');
  });

  it('a task-based step is cancelled with the run, and times out at the step timeout', async () => {
    const controller = new AbortController();
    const cancelled = await world.service.runSession(session({ name: 'cancel', steps: [{ id: 'research', tool: 'everything/simulate-research-query', args: { topic: 'x' } }] }), {
      signal: controller.signal,
      onTaskStatus: () => controller.abort(),
    });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.steps[0].decision, 'cancelled');
    const timedOut = await world.service.runSession(session({ name: 'timeout', steps: [{ id: 'research', tool: 'everything/simulate-research-query', args: { topic: 'x' }, policy: { timeoutMs: 500 } }] }));
    assert.equal(timedOut.steps[0].decision, 'timeout', JSON.stringify(timedOut.steps[0]));
    assert.equal(timedOut.steps[0].task?.status, 'cancelled');
  });

  it("cancel on a working task's status cancels that task only: its step ends cancelled, the run goes on; onTaskStatus names the run", async () => {
    const events: { sessionId: string; stepId: string; status: string; cancellable: boolean }[] = [];
    const sub = world.service.onTaskStatus(({ sessionId, stepId, update }) => {
      events.push({ sessionId, stepId, status: update.status, cancellable: !!update.cancel });
      if (stepId === 'stop' && update.status === 'working' && update.cancel) void update.cancel();
    });
    const result = await world.service.runSession(
      session({
        name: 'cancel one',
        steps: [
          { id: 'stop', tool: 'everything/simulate-research-query', args: { topic: 'x' } },
          { id: 'after', tool: 'everything/echo', args: { message: 'still here' } },
        ],
      }),
    );
    sub.dispose();
    assert.equal(result.status, 'failed', 'a cancelled step fails the run; the run itself was not cancelled');
    assert.deepEqual(result.steps.map((s) => [s.step_id, s.decision]), [['stop', 'cancelled'], ['after', 'ok']]);
    assert.equal(result.steps[0].task?.status, 'cancelled');
    assert.equal(result.steps[0].task?.history.at(-1)?.status, 'cancelled');
    assert.ok(events.length >= 2 && events.every((e) => e.sessionId === result.session_id && e.stepId === 'stop'), JSON.stringify(events));
    assert.deepEqual(events.filter((e) => e.cancellable).map((e) => e.status), events.filter((e) => e.status === 'working' || e.status === 'input_required').map((e) => e.status), 'only a running task can be cancelled');
    assert.ok(!JSON.stringify(result.steps[0]).includes('cancel":'), 'the cancel function is never recorded');
  });

  it('an open run (gateway, agent) reports its calls\' task status and progress to the run service\'s listeners, by run and step', async () => {
    const tasks: string[] = [];
    const progress: string[] = [];
    const subs = [
      world.service.onTaskStatus(({ sessionId, stepId, update }) => tasks.push(`${sessionId} ${stepId} ${update.status}`)),
      world.service.onToolProgress(({ sessionId, stepId, progress: p }) => progress.push(`${sessionId} ${stepId} ${p.progress}/${p.total}`)),
    ];
    const run = await world.service.open({ name: 'open', servers: ['everything', 'ui'] });
    const research = await run.callTool({ server: 'everything', tool: 'simulate-research-query', args: { topic: 'tides' }, stepId: 'gw-1' });
    const heard: number[] = [];
    await run.callTool({ server: 'ui', tool: 'progress', args: { steps: 2, ms: 10 }, stepId: 'gw-2', onProgress: (p) => heard.push(p.progress) });
    await run.end();
    subs.forEach((s) => s.dispose());
    assert.equal(research.record.task?.status, 'completed');
    assert.equal(tasks.at(-1), `${run.sessionId} gw-1 completed`);
    assert.ok(tasks.length >= 2 && tasks.every((t) => t.startsWith(`${run.sessionId} gw-1 `)), JSON.stringify(tasks));
    assert.ok(progress.length >= 1 && progress.every((p, i) => p === `${run.sessionId} gw-2 ${i + 1}/2`), JSON.stringify(progress));
    assert.equal(heard.length, progress.length, 'the caller\'s own progress callback still hears every notification');
  });

  it('a task that needs input (input_required) asks the same handlers: the answer is validated and recorded under the step', async () => {
    const children: StepRecord[] = [];
    world.service.onStep((r) => r.parent_id === 'research' && children.push(r));
    const result = await world.service.runSession(
      session({
        name: 'input',
        elicitation: { action: 'accept', content: { interpretation: 'snake' } },
        steps: [{ id: 'research', tool: 'everything/simulate-research-query', args: { topic: 'python', ambiguous: true }, expect: { contains: 'Clarification**: snake' } }],
      }),
      { onTaskStatus: () => undefined },
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps[0].output));
    assert.ok(result.steps[0].task!.history.some((h) => h.status === 'input_required'));
    assert.deepEqual(children.map((c) => [c.kind, c.decision, c.elicitation?.action]), [['elicitation', 'ok', 'accept']]);
  });

  it('an async (task) sampling request is guarded like a plain one: a sampling record under the step', async () => {
    const children: string[] = [];
    world.service.onStep((r) => r.parent_id === 'async' && children.push(`${r.kind} ${r.decision}`));
    const result = await world.service.runSession(session({ name: 'async', steps: [{ id: 'async', tool: 'everything/trigger-sampling-request-async', args: { prompt: 'why?' }, expect: { contains: 'from the host model' } }] }));
    assert.equal(result.status, 'passed', JSON.stringify(result.steps[0].output));
    assert.deepEqual(children, ['sampling ok']);
  });
});
