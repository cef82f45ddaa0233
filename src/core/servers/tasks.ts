// Tasks (2025-11-25 experimental tasks; the 2026 `io.modelcontextprotocol/tasks` extension) through the
// official @modelcontextprotocol/ext-tasks package, on the v2 client:
// - a tool that requires task-based execution is called as a task: created, polled to its end, its status
//   changes (working → input_required → completed / failed / cancelled) reported to the caller, cancelled
//   when the caller's signal aborts, bounded by the call's timeout;
// - a server may send sampling/elicitation requests as tasks (the client is the receiver): they reach the
//   same host handlers as plain requests, and the receiver's capabilities are declared with them.
// The package is ESM only; it is loaded when first needed, from its own bundle (./tasksSdk.mts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type * as TasksClient from '@modelcontextprotocol/ext-tasks/client' with { 'resolution-mode': 'import' };
import type * as TasksReceiver from '@modelcontextprotocol/ext-tasks/receiver' with { 'resolution-mode': 'import' };
import { ServerError } from './errors';
import type { ServerRequestContext, ServerRequestHandlers } from './serverRequests';

export type TaskState = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export interface TaskStatusUpdate {
  taskId: string;
  status: TaskState;
  message?: string;
  /** While the task runs: cancels it on the server (tasks/cancel); the call then ends as cancelled. */
  cancel?: () => Promise<void>;
}

export interface TaskCallOptions {
  signal: AbortSignal;
  /** Who answers when the task asks for input (input_required: sampling, elicitation, roots). */
  handlers?: ServerRequestHandlers;
  /** The call's origin, handed to those handlers. */
  origin?: unknown;
  /** Per-request timeout of the call and of each poll. */
  timeoutMs: number;
  /** The whole task's deadline: past it the task is cancelled and the call fails with a timeout. */
  deadlineMs: number;
  onStatus?: (update: TaskStatusUpdate) => void;
}

/**
 * Why a task call ended without a result. A timeout or a cancellation is a ServerError with that code (the
 * guards classify it like any call's); a failed task keeps the server's message.
 */
export class TaskCallError extends ServerError {
  constructor(message: string, code: 'timeout' | 'cancelled' | 'task_failed', server: string) {
    super(message, code === 'task_failed' ? 'server_error' : code, server);
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

type TasksSdk = Pick<typeof TasksClient, 'createTaskSessionFromClient' | 'taskViewFromExecutionEvent' | 'toolDeclarationFromMcpTool'>;
type TasksReceiverSdk = Pick<typeof TasksReceiver, 'bindTaskReceiver'>;

const loadAtRuntime: (id: string) => unknown = require;
const loaded = new Map<string, Promise<unknown>>();

/**
 * A part of the package: dist/<bundle> beside the bundles (./tasksSdk.mts, ./tasksReceiver.mts), else, run
 * from source, the package entry. The names are passed as values so esbuild never inlines the package.
 */
function lazyEsm<T>(bundle: string, entry: string): Promise<T> {
  let part = loaded.get(bundle);
  if (!part) {
    const bundled = join(__dirname, bundle);
    part = existsSync(bundled) ? Promise.resolve(loadAtRuntime(bundled)) : import(entry);
    loaded.set(bundle, part);
  }
  return part as Promise<T>;
}

const tasksSdk = () => lazyEsm<TasksSdk>('tasks-sdk.js', '@modelcontextprotocol/ext-tasks/client');
const receiverSdk = () => lazyEsm<TasksReceiverSdk>('tasks-receiver.js', '@modelcontextprotocol/ext-tasks/receiver');

const sessions = new WeakMap<Client, Promise<TasksClient.TaskEnabledSession<TaskCallContext>>>();

/** What each task call hands its input requests: its server, origin and the host's handlers. */
interface TaskCallContext {
  server: string;
  origin: unknown;
  handlers: ServerRequestHandlers | undefined;
  signal: AbortSignal;
}

function sessionFor(client: Client, server: string): Promise<TasksClient.TaskEnabledSession<TaskCallContext>> {
  let session = sessions.get(client);
  if (!session) {
    session = tasksSdk().then((m) =>
      m.createTaskSessionFromClient<TaskCallContext>(esmClient(client), { endpointId: `mcp-harness:${server}`, onInputRequest: (request, context) => answerInput(request, context) as never }),
    );
    sessions.set(client, session);
  }
  return session;
}

/** A task's input request (input_required) goes to the same host handlers as a server's request. */
async function answerInput(request: TasksClient.ApplicationInputRequest, context: TasksClient.ResolvedInputExchangeContext<TaskCallContext>): Promise<unknown> {
  const call = context.applicationContext;
  const ctx: ServerRequestContext = { server: call.server, origin: call.origin, signal: context.signal ?? call.signal, via: 'input_required' };
  const { handlers } = call;
  if (request.kind === 'sampling' && handlers?.createMessage) return handlers.createMessage(ctx, request.params as never);
  if (request.kind === 'elicitation' && handlers?.elicit) return handlers.elicit(ctx, request.params as never);
  if (request.kind === 'roots' && handlers?.listRoots) return handlers.listRoots(ctx);
  throw new Error(`The task asked for ${request.kind}, which this client does not offer.`);
}

const TERMINAL: ReadonlySet<TaskState> = new Set(['completed', 'failed', 'cancelled']);

/** tasks/result is answered after the task ends; what it returns is read through the package, not here. */
const ANY_RESULT = { '~standard': { version: 1, vendor: 'mcp-harness', validate: (value: unknown) => ({ value }) } };

/** Calls a task-based tool and waits for its outcome within `deadlineMs`. */
export async function callToolAsTask(client: Client, server: string, tool: Tool, args: Record<string, unknown>, options: TaskCallOptions): Promise<CallToolResult> {
  const tasks = await tasksSdk();
  const session = await sessionFor(client, server);
  const deadline = AbortSignal.timeout(options.deadlineMs);
  const stop = AbortSignal.any([options.signal, deadline]);
  const execution = await session.callTool<CallToolResult>(tool.name, args as never, {
    declaration: tasks.toolDeclarationFromMcpTool(tool),
    applicationContext: { server, origin: options.origin, handlers: options.handlers, signal: options.signal },
    signal: options.signal,
    requestTimeoutMs: options.timeoutMs,
    resetTimeoutOnProgress: true,
    task: { preference: 'require' },
  });
  let last: TaskStatusUpdate | undefined;
  let draining = false;
  // Only this call's task: the run and its other calls go on; the step ends as cancelled.
  const cancelTask = () => execution.cancel();
  const report = (view: { taskId: string; status: TaskState; statusMessage?: string } | undefined) => {
    if (!view || (last && last.status === view.status && last.message === view.statusMessage)) return;
    last = { taskId: view.taskId, status: view.status, ...(view.statusMessage ? { message: view.statusMessage } : {}) };
    options.onStatus?.(TERMINAL.has(view.status) ? last : { ...last, cancel: cancelTask });
    // A 2025 server delivers the requests of an input_required task over a pending tasks/result, which the
    // package only sends once the task has ended: opening one now lets those requests reach the handlers.
    if (view.status === 'input_required' && !draining) {
      draining = true;
      void Promise.resolve()
        .then(() => client.request({ method: 'tasks/result', params: { taskId: view.taskId } } as never, ANY_RESULT as never, { signal: options.signal } as never))
        .catch(() => {})
        .finally(() => (draining = false));
    }
  };
  const cancel = () => void execution.cancel().catch(() => {});
  stop.addEventListener('abort', cancel, { once: true });
  try {
    const { outcome } = await execution.settle({ signal: stop, onEvent: (event) => report(tasks.taskViewFromExecutionEvent(event)) });
    report(outcome.task);
    if (outcome.status === 'completed') return outcome.result;
    if (outcome.status === 'cancelled') {
      // A cancelled outcome may carry the task as last polled (still working): the history ends as it ended.
      if (last && last.status !== 'cancelled') report({ taskId: last.taskId, status: 'cancelled', statusMessage: 'cancelled by the client' });
      throw new TaskCallError(`The task of '${tool.name}' on ${server} was cancelled.`, 'cancelled', server);
    }
    throw new TaskCallError(`The task of '${tool.name}' on ${server} failed: ${outcome.error.message}`, 'task_failed', server);
  } catch (err) {
    if (err instanceof TaskCallError) throw err;
    if (deadline.aborted) {
      if (last && last.status !== 'cancelled') options.onStatus?.({ taskId: last.taskId, status: 'cancelled', message: 'cancelled at the deadline' });
      throw new TaskCallError(`The task of '${tool.name}' on ${server} did not finish within ${options.deadlineMs} ms; it was cancelled (the call's timeout).`, 'timeout', server);
    }
    if (options.signal.aborted) throw new TaskCallError(`The task of '${tool.name}' on ${server} was cancelled.`, 'cancelled', server);
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
  serve: <T>(signal: AbortSignal, handle: (ctx: ServerRequestContext) => Promise<T>) => Promise<T>,
): Promise<{ capabilities: TasksReceiver.TaskReceiverCapabilities; close(): void } | undefined> {
  if (!handlers?.createMessage && !handlers?.elicit) return undefined;
  const { bindTaskReceiver } = await receiverSdk();
  const { createMessage, elicit } = handlers;
  return bindTaskReceiver(esmClient(client), {
    methods: { 'sampling/createMessage': Boolean(createMessage), 'elicitation/create': Boolean(elicit) },
    ...(createMessage ? { sampling: async (request, { signal }) => (await serve(signal, (ctx) => createMessage.call(handlers, ctx, request.params as never))) as never } : {}),
    ...(elicit ? { elicitation: async (request, { signal }) => (await serve(signal, (ctx) => elicit.call(handlers, ctx, request.params as never))) as never } : {}),
  });
}
