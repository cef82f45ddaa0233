// Tasks (2025-11-25 experimental tasks; the 2026 `io.modelcontextprotocol/tasks` extension) through the
// official @modelcontextprotocol/ext-tasks package, on the v2 client:
// - a tool that requires task-based execution is called as a task: created, polled to its end, its status
//   changes (working → input_required → completed / failed / cancelled) reported to the caller, cancelled
//   when the caller's signal aborts, bounded by the call's timeout;
// - a server may send sampling/elicitation requests as tasks (the client is the receiver): they reach the
//   same host handlers as plain requests, and the receiver's capabilities are declared with them.
// The package is ESM only; it is imported when first needed, like the SDK itself.
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type * as TasksClient from '@modelcontextprotocol/ext-tasks/client' with { 'resolution-mode': 'import' };
import type * as TasksReceiver from '@modelcontextprotocol/ext-tasks/receiver' with { 'resolution-mode': 'import' };
import type { ServerRequestContext, ServerRequestHandlers } from './serverRequests';

export type TaskState = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export interface TaskStatusUpdate {
  taskId: string;
  status: TaskState;
  message?: string;
}

export interface TaskCallOptions {
  signal: AbortSignal;
  /** Per-request timeout of the call and of each poll. */
  timeoutMs: number;
  /** The whole task's deadline: past it the task is cancelled and the call fails with a timeout. */
  deadlineMs: number;
  onStatus?: (update: TaskStatusUpdate) => void;
}

/** Why a task call ended without a result, with a code the guards classify (timeout, cancelled, error). */
export class TaskCallError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'cancelled' | 'task_failed',
  ) {
    super(message);
  }
}

/**
 * The package types the client from the SDK's ESM build, our code from its CommonJS build: the same class
 * with the same public surface, which is all the package uses.
 */
function esmClient(client: Client): never {
  return client as never;
}

/** True when the tool may only be called as a task. */
export function requiresTask(tool: Pick<Tool, 'execution'> | undefined): boolean {
  return tool?.execution?.taskSupport === 'required';
}

const sessions = new WeakMap<Client, Promise<TasksClient.TaskEnabledSession>>();

function sessionFor(client: Client, server: string): Promise<TasksClient.TaskEnabledSession> {
  let session = sessions.get(client);
  if (!session) {
    session = import('@modelcontextprotocol/ext-tasks/client').then((m) => m.createTaskSessionFromClient(esmClient(client), { endpointId: `mcp-harness:${server}` }));
    sessions.set(client, session);
  }
  return session;
}

/** Calls a task-based tool and waits for its outcome within `deadlineMs`. */
export async function callToolAsTask(client: Client, server: string, tool: Tool, args: Record<string, unknown>, options: TaskCallOptions): Promise<CallToolResult> {
  const tasks = await import('@modelcontextprotocol/ext-tasks/client');
  const session = await sessionFor(client, server);
  const deadline = AbortSignal.timeout(options.deadlineMs);
  const stop = AbortSignal.any([options.signal, deadline]);
  const execution = await session.callTool<CallToolResult>(tool.name, args as never, {
    declaration: tasks.toolDeclarationFromMcpTool(tool),
    signal: options.signal,
    requestTimeoutMs: options.timeoutMs,
    resetTimeoutOnProgress: true,
    task: { preference: 'require' },
  });
  let last: TaskStatusUpdate | undefined;
  const report = (view: TasksClient.TaskView | undefined) => {
    if (!view || (last && last.status === view.status && last.message === view.statusMessage)) return;
    last = { taskId: view.taskId, status: view.status, ...(view.statusMessage ? { message: view.statusMessage } : {}) };
    options.onStatus?.(last);
  };
  const cancel = () => void execution.cancel().catch(() => {});
  stop.addEventListener('abort', cancel, { once: true });
  try {
    const { outcome } = await execution.settle({ signal: stop, onEvent: (event) => report(tasks.taskViewFromExecutionEvent(event)) });
    report(outcome.task);
    if (outcome.status === 'completed') return outcome.result;
    if (outcome.status === 'cancelled') throw new TaskCallError(`The task of '${tool.name}' on ${server} was cancelled.`, 'cancelled');
    throw new TaskCallError(`The task of '${tool.name}' on ${server} failed: ${outcome.error.message}`, 'task_failed');
  } catch (err) {
    if (err instanceof TaskCallError) throw err;
    if (deadline.aborted) {
      if (last && last.status !== 'cancelled') options.onStatus?.({ taskId: last.taskId, status: 'cancelled', message: 'cancelled at the deadline' });
      throw new TaskCallError(`The task of '${tool.name}' on ${server} did not finish within ${options.deadlineMs} ms; it was cancelled.`, 'timeout');
    }
    if (options.signal.aborted) throw new TaskCallError(`The task of '${tool.name}' on ${server} was cancelled.`, 'cancelled');
    throw err;
  } finally {
    stop.removeEventListener('abort', cancel);
  }
}

/**
 * Makes the client a task receiver for the sampling and elicitation handlers present, before it connects:
 * returns the `tasks` capability to declare, and a close function. A task-augmented request reaches the
 * same handler as a plain one.
 */
export async function bindTaskRequests(
  client: Client,
  handlers: ServerRequestHandlers | undefined,
  context: (signal: AbortSignal) => ServerRequestContext,
): Promise<{ capabilities: TasksReceiver.TaskReceiverCapabilities; close(): void } | undefined> {
  if (!handlers?.createMessage && !handlers?.elicit) return undefined;
  const { bindTaskReceiver } = await import('@modelcontextprotocol/ext-tasks/receiver');
  const { createMessage, elicit } = handlers;
  return bindTaskReceiver(esmClient(client), {
    methods: { 'sampling/createMessage': Boolean(createMessage), 'elicitation/create': Boolean(elicit) },
    ...(createMessage ? { sampling: async (request, { signal }) => (await createMessage.call(handlers, context(signal), request.params as never)) as never } : {}),
    ...(elicit ? { elicitation: async (request, { signal }) => (await elicit.call(handlers, context(signal), request.params as never)) as never } : {}),
  });
}
