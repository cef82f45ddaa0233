// Agent tests: a run service over real MCP servers (server-everything, server-filesystem on a temporary
// folder, the rugpull fixture that records the calls it gets) in a temporary workspace with traces, and the
// scripted model server of test/fixtures/models.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxPool } from '../../../src/core/sandbox/sandbox';
import { settingsJsonReader, settingsToConfig } from '../../../src/core/guards/settings';
import { RunService, buildRunEnvironment, traceDirFor } from '../../../src/core/run/index';
import type { ServerManager } from '../../../src/core/servers/manager';
import { readTrace, type ParsedTrace } from '../../../src/core/trace/reader';
import { EVERYTHING, FIXTURES, ROOT, makeManager, stdioDefinition } from '../guards/helpers';

export const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { startScriptedModel } = require('../../fixtures/models/scripted-server.mjs') as {
  startScriptedModel(script: unknown[]): Promise<ScriptedModel>;
};

export interface ScriptedModel {
  openaiURL: string;
  anthropicURL: string;
  requests: { api: string; body: Record<string, unknown>; headers: Record<string, unknown> }[];
  readonly served: number;
  close(): Promise<void>;
}

export interface AgentWorkspace {
  dir: string;
  files: string;
  callsFile: string;
  manager: ServerManager;
  service: RunService;
  trace(sessionId: string): ParsedTrace;
  dispose(): Promise<void>;
}

export async function agentWorkspace(settings: Record<string, unknown> = {}): Promise<AgentWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-agent-'));
  const files = join(dir, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'note.txt'), 'The launch code word is heliotrope.');
  const callsFile = join(dir, 'calls.jsonl');
  const manager = makeManager([
    stdioDefinition('everything', EVERYTHING),
    stdioDefinition('fs', FILESYSTEM, [files]),
    stdioDefinition('rugpull', join(FIXTURES, 'rugpull.mjs'), ['--calls-file', callsFile]),
  ]);
  const env = await buildRunEnvironment({
    connections: manager,
    knownServers: ['everything', 'fs', 'rugpull'],
    settings: settingsToConfig(settingsJsonReader({ 'mcpHarness.trustedServers': ['everything', 'fs', 'rugpull'], ...settings })),
    folder: dir,
    traceDir: traceDirFor(dir),
  });
  return {
    dir,
    files,
    callsFile,
    manager,
    service: new RunService(env),
    trace(sessionId) {
      const traces = join(dir, '.mcp-harness', 'traces');
      for (const f of readdirSync(traces)) {
        const t = readTrace(join(traces, f));
        if (t.header?.session_id === sessionId) return t;
      }
      throw new Error(`no trace for ${sessionId} in ${traces}`);
    },
    async dispose() {
      await manager.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tool messages of an OpenAI request body, as (tool_call_id, content). */
export function toolMessages(body: Record<string, unknown>): { tool_call_id: string; content: string }[] {
  return (body.messages as { role: string; tool_call_id: string; content: string }[]).filter((m) => m.role === 'tool');
}

export interface AgentSuite {
  ws: AgentWorkspace;
  pool: SandboxPool;
  /** The scripted model of the current test (closed after each test). */
  model?: ScriptedModel;
  start(script: unknown[]): Promise<ScriptedModel>;
}

/** The workspace, sandbox pool and scripted model of a describe block, with the hooks that start and end them. */
export function agentSuite(): AgentSuite {
  const suite: AgentSuite = {
    ws: undefined as unknown as AgentWorkspace,
    pool: new SandboxPool({ size: 1 }),
    async start(script) {
      suite.model = await startScriptedModel(script);
      return suite.model;
    },
  };
  before(async () => {
    suite.ws = await agentWorkspace();
  });
  after(async () => {
    await suite.ws.dispose();
    await suite.pool.dispose();
  });
  afterEach(async () => {
    await suite.model?.close();
    suite.model = undefined;
  });
  return suite;
}
