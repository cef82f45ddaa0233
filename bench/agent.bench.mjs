// Agent mode, measured in one run (needs `node esbuild.mjs`: the sandbox worker, tokenizer and OpenAI SDK
// bundles in dist/).
//
// Reference task (test/fixtures/models/reference-task.json): servers server-everything, server-filesystem
// on a fresh temp folder holding logs/server.log (4 000 generated lines, 37 of them ERROR) and server-memory;
// goal "count the ERROR lines of logs/server.log and store the count in the knowledge graph as an observation
// of the entity 'server.log'"; expected answer 37. The model is the recording in that file, served by the
// scripted OpenAI-compatible server (test/fixtures/models/scripted-server.mjs) on 127.0.0.1; it reports no
// usage, so the harness counts every request with its tokenizer (o200k), as it does for any such model.
// guardrails.maxOutputTokens is raised to 200 000 so the direct-mode model reads the whole log, as a client
// without the harness's cap would (with the default cap of 4 000 it reads a cut log and cannot answer).
//
// 1. total model input tokens over the run, code mode vs direct mode: target >= 97 % fewer.
// 2. tool-definition tokens with every server-everything, filesystem and memory tool: the direct-mode tool
//    definitions vs the code-mode prompt (system prompt + search_tools + run_code): target >= 95 % fewer.
// 3. the agent loop's own time per turn (a turn's wall time less the model's and the tools'), with an
//    in-process model answering at once over 200 turns of guarded echo calls: p50, target <= 2 ms; also as a
//    ratio to the p50 of the guarded echo call itself, measured in the same run.
import { bundleSources } from './bundle.mjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = (pkg) => join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');
const TURNS = Number(process.env.MCP_HARNESS_BENCH_AGENT_TURNS ?? 200);

async function load(dir) {
  return bundleSources(join(dir, 'agent-bench.cjs'), `
        export { runAgent, OpenAIProvider, resolveAgentLimits, defaultSystemPrompt, toolSurface } from './src/core/agent/index';
        export { RunService, buildRunEnvironment } from './src/core/run/index';
        export { ServerManager } from './src/core/servers/manager';
        export { ClientFeatures } from './src/core/client/features';
        export { SandboxPool } from './src/core/sandbox/sandbox';
        export { settingsJsonReader, settingsToConfig } from './src/core/guards/settings';
        export { countTokens } from './src/core/tokens/index';
        export { nullLogger } from './src/core/types';`);
}

function definition(id, script, args = [], env) {
  return { id, name: id, source: { file: join(ROOT, 'bench'), kind: 'mcp-json', nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } }, transport: 'stdio', command: process.execPath, args: [script, ...args], ...(env ? { env } : {}), hash: id, notes: [] };
}

function writeLog(file) {
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const level = i % 108 === 7 ? 'ERROR' : i % 5 === 0 ? 'WARN' : 'INFO';
    lines.push(`2026-12-05T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z ${level} worker-${i % 8} request ${100000 + i} ${level === 'ERROR' ? 'failed: upstream reset' : `served in ${(i * 7) % 90} ms`}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-agent-bench-'));
  const m = await load(dir);
  const { startScriptedModel } = await import(pathToFileURL(join(ROOT, 'test/fixtures/models/scripted-server.mjs')).href);
  mkdirSync(join(dir, 'files', 'logs'), { recursive: true });
  const log = join(dir, 'files', 'logs', 'server.log');
  writeLog(log);
  // The client declares sampling, elicitation and roots as the CLI and VS Code do, so server-everything offers
  // all of its tools (19), not the 14 a client without those capabilities sees.
  const client = new m.ClientFeatures({ samplingDefault: 'deny', roots: () => [{ uri: pathToFileURL(dir).href, name: 'bench' }] });
  const manager = new m.ServerManager({
    serverRequests: client.requestHandlers(),
    serverNotifications: client.notificationHandlers(),
    definitions: [
      definition('everything', server('server-everything')),
      definition('fs', server('server-filesystem'), [join(dir, 'files')]),
      definition('memory', server('server-memory'), [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
    ],
    logger: m.nullLogger,
    clientInfo: { name: 'agent-bench', version: '0' },
    requestTimeoutMs: 30_000,
    stopGraceMs: 500,
  });
  const pool = new m.SandboxPool({ size: 1 });
  const settings = m.settingsToConfig(m.settingsJsonReader({ 'mcpHarness.trustedServers': ['everything', 'fs', 'memory'], 'mcpHarness.guardrails.maxOutputTokens': 200000 }));
  const service = new m.RunService(await m.buildRunEnvironment({ client, connections: manager, knownServers: ['everything', 'fs', 'memory'], settings, folder: dir, traceDir: undefined }));
  const servers = ['everything', 'fs', 'memory'];
  try {
    // 1. the reference task in both modes, from the recording.
    const task = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/models/reference-task.json'), 'utf8').replaceAll('{{LOG}}', log));
    const results = {};
    for (const mode of ['direct', 'code']) {
      const model = await startScriptedModel(task[mode]);
      try {
        const provider = new m.OpenAIProvider({ baseURL: model.openaiURL, maxRetries: 0 });
        results[mode] = await m.runAgent({ service, provider, goal: task.goal, model: 'gpt-4o', mode, limits: m.resolveAgentLimits(), servers, sandbox: pool, guardrails: { maxOutputTokens: 200000 } });
      } finally {
        await model.close();
      }
      if (results[mode].outcome !== 'answered' || !results[mode].answer.includes(task.expected)) throw new Error(`${mode} mode did not answer ${task.expected}: ${results[mode].message ?? results[mode].answer}`);
    }
    const inputSaved = 1 - results.code.tokensIn / results.direct.tokensIn;

    // 2. tool definitions alone: every tool in direct mode vs the whole code-mode prompt.
    const open = await service.open({ servers, noTrace: true });
    const direct = await m.toolSurface('direct', open, { servers });
    const code = await m.toolSurface('code', open, { servers, sandbox: pool });
    await open.end();
    const directDefs = m.countTokens(JSON.stringify(direct.specs));
    const codePrompt = m.countTokens(m.defaultSystemPrompt('code') + JSON.stringify(code.specs));
    const defsSaved = 1 - codePrompt / directDefs;

    // 3. the loop's own time per turn, with a model that answers at once.
    let turn = 0;
    const instant = { name: 'instant', complete: async () => (++turn > TURNS ? { text: 'done', toolCalls: [] } : { toolCalls: [{ id: `c${turn}`, name: 'everything__echo', arguments: `{"message":"turn ${turn}"}` }], usage: { input: 1000, output: 20 } }) };
    const loop = await m.runAgent({ service, provider: instant, goal: 'Echo many times.', model: 'gpt-4o', mode: 'direct', limits: m.resolveAgentLimits({ maxTurns: TURNS + 1, maxTokens: 1e8 }), servers, sandbox: pool });
    const overhead = p50(loop.overheadMs.slice(5));
    const echoes = loop.session.steps.filter((s) => s.kind === 'tool').map((s) => s.latency_ms).slice(5);
    const echoP50 = p50(echoes);
    return {
      name: 'agent',
      metrics: [
        { name: 'reference task: model input tokens, direct mode', value: results.direct.tokensIn, unit: 'tokens' },
        { name: 'reference task: model input tokens, code mode', value: results.code.tokensIn, unit: 'tokens' },
        { name: 'reference task: code mode input tokens fewer', value: Math.round(inputSaved * 1000) / 10, unit: '%', target: '>= 97', pass: inputSaved >= 0.97 },
        { name: `tool definitions, direct (${direct.specs.length} tools)`, value: directDefs, unit: 'tokens' },
        { name: 'code-mode prompt (system + 2 tools)', value: codePrompt, unit: 'tokens' },
        { name: 'tool-definition tokens fewer in code mode', value: Math.round(defsSaved * 1000) / 10, unit: '%', target: '>= 95', pass: defsSaved >= 0.95 },
        { name: 'agent loop overhead per turn (excl. model, tools) p50', value: overhead, unit: 'ms', target: '<= 2', pass: overhead <= 2 },
        { name: 'loop overhead / guarded echo call (p50s)', value: Math.round((overhead / echoP50) * 1000) / 1000, unit: 'ratio' },
      ],
      notes: `reference task answered in both modes (${results.direct.turns} and ${results.code.turns} turns); ${TURNS} turns measured for the loop overhead; guarded echo p50 ${echoP50.toFixed(3)} ms.`,
    };
  } finally {
    await manager.dispose();
    await pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
