// What the model of an agent run may call, by mode. Direct: every tool of the run's servers as
// `server__tool`. Code: `search_tools` (the sandbox's progressive discovery) and `run_code` (sandboxed code
// whose tool calls go through the same open run). Every call the model asks for becomes a step of the run:
// tool calls through the run's guards, and what never reaches a tool (an unknown name, arguments that are
// not JSON) as a step of its own, so the trace shows everything the model tried.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, StepRecord } from '../../protocol/trace';
import { textForTokens } from '../guards/pipeline';
import type { ToolCatalogEntry } from '../guards/types';
import type { OpenRun } from '../run/types';
import { unexecutedStepRecord } from '../trace/records';
import { runCodeStep } from '../sandbox/code-step';
import { HostBridge } from '../sandbox/host';
import { resolveLimits } from '../sandbox/sandbox';
import type { ExecResult, ExecuteOptions, SandboxLimits } from '../sandbox/types';
import { SessionWorkspace } from '../sandbox/workspace';
import type { AgentMode, ModelToolSpec } from './types';
import { ModelToolNames } from './toolNames';

export const SEARCH_TOOLS = 'search_tools';
export const RUN_CODE = 'run_code';
const SEARCH_DEFAULT = 10;
const DENIED = new Set<Decision>(['denied_schema', 'denied_policy', 'denied_guardrail']);

/** The result of one tool call as the model is given it. */
export interface ToolReply {
  text: string;
  isError: boolean;
  decision: Decision;
}

export interface ToolSurface {
  readonly mode: AgentMode;
  readonly specs: readonly ModelToolSpec[];
  call(name: string, argsText: string, stepId: string, signal: AbortSignal): Promise<ToolReply>;
}

export interface CodeSandbox {
  execute(options: ExecuteOptions): Promise<ExecResult>;
}

/** Builds the tool surface of a mode over an open run's catalog. */
export async function toolSurface(mode: AgentMode, run: OpenRun, options: { sandbox?: CodeSandbox; servers?: string[]; limits?: Partial<SandboxLimits> }): Promise<ToolSurface> {
  const catalog = await run.listTools();
  if (mode === 'direct') return new DirectTools(run, catalog);
  if (!options.sandbox) throw new Error('Code mode needs a sandbox to run the model\'s code in.');
  return new CodeTools(run, catalog, options.sandbox, options.servers, resolveLimits(options.limits));
}

class DirectTools implements ToolSurface {
  readonly mode = 'direct' as const;
  readonly specs: ModelToolSpec[];
  private readonly names: ModelToolNames;

  constructor(private readonly run: OpenRun, catalog: readonly ToolCatalogEntry[]) {
    this.names = new ModelToolNames(catalog.map((e) => ({ server: e.server, tool: e.tool.name })));
    this.specs = catalog.map((e) => ({
      name: this.names.nameOf(e.server, e.tool.name)!,
      description: e.tool.description ?? '',
      parameters: e.tool.inputSchema as Record<string, unknown>,
    }));
  }

  async call(name: string, argsText: string, stepId: string, signal: AbortSignal): Promise<ToolReply> {
    const target = this.names.resolve(name);
    if (!target) {
      const reason = `There is no tool named '${name.slice(0, 200)}'. The tools are: ${this.names.names.join(', ') || 'none'}.`;
      return unrouted(this.run, stepId, name, argsText, 'error', reason);
    }
    const args = parseArgs(argsText);
    if (typeof args === 'string') return unrouted(this.run, stepId, name, argsText, 'denied_schema', args, target);
    const outcome = await this.run.callTool({ server: target.server, tool: target.tool, args, stepId, signal });
    return replyOf(outcome.record, outcome.result);
  }
}

class CodeTools implements ToolSurface {
  readonly mode = 'code' as const;
  readonly specs = CODE_MODE_SPECS;
  /** Code of one run shares its `workspace` store, as code steps of one session do. */
  private readonly workspace = new SessionWorkspace();

  constructor(
    private readonly run: OpenRun,
    private readonly catalog: ToolCatalogEntry[],
    private readonly sandbox: CodeSandbox,
    private readonly servers: string[] | undefined,
    private readonly limits: SandboxLimits,
  ) {}

  async call(name: string, argsText: string, stepId: string, signal: AbortSignal): Promise<ToolReply> {
    if (name !== SEARCH_TOOLS && name !== RUN_CODE) {
      return unrouted(this.run, stepId, name, argsText, 'error', `There is no tool named '${name.slice(0, 200)}'. In code mode the tools are ${SEARCH_TOOLS} and ${RUN_CODE}.`);
    }
    const args = parseArgs(argsText);
    if (typeof args === 'string') return unrouted(this.run, stepId, name, argsText, 'denied_schema', args);
    return name === SEARCH_TOOLS ? this.search(args, stepId, argsText) : this.runCode(args, stepId, argsText, signal);
  }

  private async search(args: Record<string, unknown>, stepId: string, argsText: string): Promise<ToolReply> {
    if (typeof args.query !== 'string') return unrouted(this.run, stepId, SEARCH_TOOLS, argsText, 'denied_schema', `${SEARCH_TOOLS} needs "query": a string of words (empty lists every tool).`);
    const limit = typeof args.limit === 'number' && args.limit >= 1 ? Math.min(50, Math.floor(args.limit)) : SEARCH_DEFAULT;
    const bridge = new HostBridge(this.run, this.catalog, stepId, this.limits);
    const hits = JSON.parse((await bridge.handle('search', [args.query])).json ?? '[]') as { name: string; description: string }[];
    const found: { name: string; description: string; signature?: string }[] = [];
    for (const hit of hits.slice(0, limit)) {
      const described = await bridge.handle('describe', [hit.name]);
      found.push({ ...hit, signature: described.json ? (JSON.parse(described.json) as { stub?: string }).stub : undefined });
    }
    const text = found.length ? JSON.stringify(found, null, 1) : `No tool matches "${args.query}". Search with other words, or with "" to list every tool.`;
    this.run.recordStep(localStep(this.run.sessionId, stepId, SEARCH_TOOLS, args, 'ok', [], { content: [{ type: 'text', text }] }));
    return { text, isError: false, decision: 'ok' };
  }

  private async runCode(args: Record<string, unknown>, stepId: string, argsText: string, signal: AbortSignal): Promise<ToolReply> {
    if (typeof args.code !== 'string' || !args.code.trim()) {
      return unrouted(this.run, stepId, RUN_CODE, argsText, 'denied_schema', `${RUN_CODE} needs "code": the body of an async function that returns the answer.`);
    }
    const { record, result } = await runCodeStep({
      sandbox: this.sandbox,
      gateway: this.run,
      sessionId: this.run.sessionId,
      stepId,
      code: args.code,
      limits: this.limits,
      workspace: this.workspace,
      servers: this.servers,
      signal,
      redact: (value) => this.run.guardText(value).redacted,
    });
    // Its tool calls are steps of this run already (with their costs): the code step must not count them twice.
    this.run.recordStep({ ...record, cost_est: 0 });
    const printed: Record<string, unknown> = { ok: result.ok };
    if ('value' in result) printed.value = result.value;
    if (result.logs.length) printed.logs = result.logs;
    if (result.error) printed.error = { kind: result.error.kind, message: result.error.message };
    return { text: JSON.stringify(printed), isError: !result.ok, decision: record.decision };
  }
}

const CODE_MODE_SPECS: ModelToolSpec[] = [
  {
    name: SEARCH_TOOLS,
    description: 'Find tools by words ("" lists all): their "server/tool" names and TypeScript signatures.',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] },
  },
  {
    name: RUN_CODE,
    description: 'Run an async JavaScript function body in a sandbox; call tools as `await tools.<server>.<tool>(args)`. Returns its return value and logs.',
    parameters: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] },
  },
];

/** The arguments as an object, or a message saying what is wrong with them. */
function parseArgs(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = text.trim() ? JSON.parse(text) : {};
  } catch (err) {
    return `The arguments are not valid JSON (${(err as Error).message}); send a JSON object.`;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'The arguments must be a JSON object of argument names to values.';
  return value as Record<string, unknown>;
}

/** What the model is given for a guarded call: the result's text, or the guard's decision and reasons. */
function replyOf(record: StepRecord, result: CallToolResult | undefined): ToolReply {
  if (result) return { text: textForTokens(result), isError: result.isError === true, decision: record.decision };
  const why = record.reasons.join(' ') || record.error || 'no reason given';
  const what = DENIED.has(record.decision) ? 'The call was denied' : 'The call failed';
  return { text: `${what} (${record.decision}): ${why}`, isError: true, decision: record.decision };
}

/** A call that never reached the guards (unknown name, arguments that are not an object): a step of its own. */
function unrouted(run: OpenRun, stepId: string, name: string, argsText: string, decision: Decision, reason: string, target?: { server: string; tool: string }): ToolReply {
  const args = run.guardText({ arguments: argsText.slice(0, 4000) }).redacted;
  const record = localStep(run.sessionId, stepId, target?.tool ?? name, args, decision, [reason], undefined, target?.server);
  record.stages = [{ stage: decision === 'denied_schema' ? 'schema' : 'preflight', decision, reasons: [reason] }];
  if (decision === 'error') record.error = reason;
  run.recordStep(record);
  return { text: `The call was not made (${decision}): ${reason}`, isError: true, decision };
}

function localStep(sessionId: string, stepId: string, tool: string, args: unknown, decision: Decision, reasons: string[], output?: unknown, server = 'agent'): StepRecord {
  return unexecutedStepRecord({
    session_id: sessionId,
    step_id: stepId,
    kind: 'tool',
    role: 'tool',
    channel: 'llm_to_tool',
    server,
    tool,
    decision,
    reasons,
    stages: [],
    args,
    ...(output ? { output } : {}),
  });
}
