// Task-based tool calls and task-augmented server requests through src/core/servers/tasks.ts, on the v2
// client against server-everything (simulate-research-query requires task-based execution;
// trigger-sampling-request-async sends sampling/createMessage as a task the client runs).
import * as assert from 'node:assert/strict';
import { Client, type Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { bindTaskRequests, callToolAsTask, requiresTask, TaskCallError, type TaskStatusUpdate } from '../../../src/core/servers/tasks';
import { EVERYTHING } from '../guards/helpers';

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
      (signal) => ({ server: 'everything', signal, via: 'request' }),
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
