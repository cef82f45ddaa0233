// The gateway's `code` mode: instead of every upstream tool, two tools — `search_tools` (the sandbox's
// progressive discovery: find tools by words, then read their signatures) and `run_code` (an async
// function body run in the QuickJS sandbox, whose tool calls go through the same guarded run).
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolGateway } from '../guards/types';
import type { GatewayRun } from './core';
import { runCodeStep } from '../sandbox/code-step';
import { HostBridge } from '../sandbox/host';
import { resolveLimits } from '../sandbox/sandbox';
import type { ExecResult, ExecuteOptions, SandboxLimits, SkillSource, WorkspaceStore } from '../sandbox/types';

export const SEARCH_TOOLS = 'search_tools';
export const RUN_CODE = 'run_code';
const MAX_CODE_CHARS = 1024 * 1024;
const DEFAULT_SEARCH_LIMIT = 10;

export interface CodeSandbox {
  execute(options: ExecuteOptions): Promise<ExecResult>;
}

export interface CodeModeOptions {
  sandbox: CodeSandbox;
  servers: string[];
  limits?: Partial<SandboxLimits>;
  skills?: SkillSource[];
}

export const CODE_MODE_TOOLS: Tool[] = [
  {
    name: SEARCH_TOOLS,
    title: 'Search tools',
    description:
      'Find the tools of the connected MCP servers by words (e.g. "read file", "echo"). Returns their names ("server/tool"), ' +
      'first description lines and TypeScript signatures. Call them from run_code as `await tools.<server>.<tool>(args)` or `await mcp.call("server/tool", args)`.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to look for in tool names and descriptions; empty lists every tool.' },
        limit: { type: 'integer', minimum: 1, maximum: 50, description: `How many tools to return (default ${DEFAULT_SEARCH_LIMIT}).` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: RUN_CODE,
    title: 'Run code',
    description:
      'Run JavaScript (the body of an async function) in a sandbox without network or file access. It can call tools with ' +
      '`await tools.<server>.<tool>(args)`, `await mcp.call("server/tool", args)`, `mcp.search(q)`, `mcp.describe(name)`; every call is guarded ' +
      'and traced. Its return value (summarised when large) and console output are the result.',
    inputSchema: {
      type: 'object',
      properties: { code: { type: 'string', description: 'An async function body, e.g. `const r = await tools.everything.echo({message: "hi"}); return r.text;`' } },
      required: ['code'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  },
];

export class CodeMode {
  private limits: SandboxLimits;

  constructor(private readonly options: CodeModeOptions) {
    this.limits = resolveLimits(options.limits);
  }

  /** The host's sandbox limits changed (a reloaded setting): run_code calls from now on get them. */
  setLimits(limits: Partial<SandboxLimits> | undefined): void {
    this.limits = resolveLimits(limits);
  }

  async search(gateway: ToolGateway, args: Record<string, unknown>): Promise<CallToolResult> {
    const query = typeof args.query === 'string' ? args.query : '';
    const limit = typeof args.limit === 'number' && args.limit >= 1 ? Math.min(50, Math.floor(args.limit)) : DEFAULT_SEARCH_LIMIT;
    const bridge = new HostBridge(gateway, await gateway.listTools(), 'search', this.limits);
    const hits = JSON.parse((await bridge.handle('search', [query])).json ?? '[]') as { name: string; description: string }[];
    const found = [];
    for (const hit of hits.slice(0, limit)) {
      const described = await bridge.handle('describe', [hit.name]);
      const detail = described.json ? (JSON.parse(described.json) as { stub?: string }) : {};
      found.push({ name: hit.name, description: hit.description, signature: detail.stub });
    }
    const text = found.length ? JSON.stringify(found, null, 2) : `No tool matches "${query}". Search with other words, or with an empty query to list every tool.`;
    return { content: [{ type: 'text', text }], structuredContent: { tools: found } };
  }

  /**
   * Runs the code; its tool calls go through `gateway` (the run as the gateway's clients reach it) and the
   * code's own step is recorded in `run`, so those calls have their parent in the trace and the Sessions view.
   */
  async run(gateway: ToolGateway, run: Pick<GatewayRun, 'sessionId' | 'recordStep' | 'guardText'>, args: Record<string, unknown>, stepId: string, workspace: WorkspaceStore, signal?: AbortSignal): Promise<CallToolResult> {
    const code = typeof args.code === 'string' ? args.code : '';
    if (!code.trim()) return errorResult('run_code needs `code`: an async function body that returns a value, e.g. `return await mcp.servers();`.');
    if (code.length > MAX_CODE_CHARS) return errorResult(`The code is longer than ${MAX_CODE_CHARS} characters; send a smaller program.`);
    const { record, result } = await runCodeStep({
      sandbox: this.options.sandbox,
      gateway,
      sessionId: run.sessionId,
      stepId,
      code,
      limits: this.limits,
      skills: this.options.skills,
      workspace,
      servers: this.options.servers,
      signal,
      redact: (value) => run.guardText(value).redacted,
    });
    // Its tool calls are steps of the run already, with their costs: the code step must not count them twice.
    run.recordStep({ ...record, cost_est: 0 });
    const printed: Record<string, unknown> = { ok: result.ok };
    if ('value' in result) printed.value = result.value;
    if (result.logs.length) printed.logs = result.logs;
    if (result.error) printed.error = { kind: result.error.kind, message: result.error.message };
    printed.tool_calls = result.childSteps.map((s) => ({ step: s.step_id, tool: `${s.server}/${s.tool}`, decision: s.decision }));
    return { content: [{ type: 'text', text: JSON.stringify(printed, null, 2) }], isError: !result.ok };
  }
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
