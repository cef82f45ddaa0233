// Plugs the sandbox into the session runner: steps with "code" or "codeFile" run here. The code step's
// tool calls go through the session's pipeline with parent_id = the step id (the pipeline records them);
// this executor returns the code step's own record and its value for later ${steps.ID...} references.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { scanValue } from '../guards/redact';
import { registerStepKind, type StepExecution, type StepExecutionContext } from '../session/runner';
import { runCodeStep } from './code-step';
import type { LimitAdvice } from './limits';
import { SandboxPool } from './sandbox';
import { loadSkills } from './skills';
import type { ExecResult, ExecuteOptions, SandboxLimits } from './types';
import { SessionWorkspace } from './workspace';

export interface CodeStepOptions {
  /** Where executions run; a shared lazily started pool by default. */
  sandbox?: { execute(options: ExecuteOptions): Promise<ExecResult> };
  /** Limits from settings (mcpHarness.sandbox.*); a step's "timeoutMs" and "limits" override them. */
  limits?: () => Partial<SandboxLimits>;
  /** The workspace folder whose .mcp-harness/skills are loaded; found from the session file when absent. */
  workspaceDir?: () => string | undefined;
  /** How the host lets users raise a limit a code step hit ("set mcpHarness.sandbox.timeoutMs"). */
  limitAdvice?: LimitAdvice;
}

const MAX_SESSIONS_WITH_STATE = 32;
const MAX_CODE_FILE_BYTES = 1024 * 1024;

let sharedPool: SandboxPool | undefined;
/** The pool code steps use by default (started on first use). */
export function defaultSandboxPool(): SandboxPool {
  sharedPool ??= new SandboxPool({ size: 2 });
  return sharedPool;
}

/** Ends the shared pool's workers (they keep a process alive); the next defaultSandboxPool() starts a fresh pool. */
export async function disposeDefaultSandboxPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.dispose();
}

/** The nearest folder at or above `start` that has a .mcp-harness folder. */
function findWorkspace(start: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, '.mcp-harness'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Registers the 'code' step kind with the session runner. Call once (CLI start-up, extension activation). */
export function registerCodeStepKind(options: CodeStepOptions = {}): void {
  // Workspaces live as long as their session's code steps may still run; the oldest are dropped first.
  const workspaces = new Map<string, SessionWorkspace>();
  const workspaceFor = (sessionId: string): SessionWorkspace => {
    let ws = workspaces.get(sessionId);
    if (!ws) {
      ws = new SessionWorkspace();
      workspaces.set(sessionId, ws);
      if (workspaces.size > MAX_SESSIONS_WITH_STATE) workspaces.delete(workspaces.keys().next().value!);
    }
    return ws;
  };

  registerStepKind('code', async (ctx: StepExecutionContext): Promise<StepExecution> => {
    const { step } = ctx;
    const base = ctx.sessionFile ? dirname(ctx.sessionFile) : process.cwd();
    let code = step.code;
    if (code === undefined && step.codeFile) {
      const file = isAbsolute(step.codeFile) ? step.codeFile : resolve(base, step.codeFile);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new Error(`its codeFile '${step.codeFile}' does not exist (looked at ${file}); the path is relative to the session file.`);
      }
      if (size > MAX_CODE_FILE_BYTES) throw new Error(`its codeFile '${step.codeFile}' is ${size} bytes, over the ${MAX_CODE_FILE_BYTES}-byte limit.`);
      code = await readFile(file, 'utf8');
    }
    if (code === undefined) throw new Error('it has neither "code" nor "codeFile".');
    const workspaceDir = options.workspaceDir?.() ?? ctx.workspace ?? findWorkspace(base);
    const stepLimits = (step.raw.limits && typeof step.raw.limits === 'object' ? step.raw.limits : {}) as Partial<SandboxLimits>;
    const timeout = typeof step.raw.timeoutMs === 'number' ? { timeoutMs: step.raw.timeoutMs } : {};
    const { record, result } = await runCodeStep({
      sandbox: options.sandbox ?? defaultSandboxPool(),
      gateway: ctx.gateway,
      sessionId: ctx.sessionId,
      stepId: step.id,
      code,
      codeFile: step.codeFile,
      limits: { ...options.limits?.(), ...stepLimits, ...timeout },
      skills: workspaceDir ? await loadSkills(workspaceDir) : [],
      workspace: workspaceFor(ctx.sessionId),
      signal: ctx.signal,
      limitAdvice: ctx.limitAdvice ?? options.limitAdvice,
      // Masked as the session's tool-call arguments are (the step's guardrails, no PII placeholders).
      redact: <T>(value: T) => scanValue(value, ctx.guardrails, undefined, 'record').redacted as T,
    });
    return { record, value: result.value, exec: result };
  });
}
