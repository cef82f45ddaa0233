// Every entry point runs through the one run service: each one, given a pinned tool whose definition
// changed since (a "rug pull"), denies it under hard_gate before it reaches the server, keeps the
// warning finding in the other modes, and writes a trace. The server records the calls it receives.
import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GuardrailMode } from '../../../src/core/guards/types';
import { settingsJsonReader, settingsToConfig } from '../../../src/core/guards/settings';
import { RunService, buildRunEnvironment, traceDirFor } from '../../../src/core/run/index';
import { SandboxPool } from '../../../src/core/sandbox/sandbox';
import { registerCodeStepKind } from '../../../src/core/sandbox/session-step';
import type { ServerManager } from '../../../src/core/servers/manager';
import { parseSession } from '../../../src/core/session/parse';
import { readTrace, type ParsedTrace } from '../../../src/core/trace/reader';
import type { StepRecord } from '../../../src/protocol/trace';
import { makeManager, stdioDefinition } from '../guards/helpers';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';
import { rugpullWorkspace, type RugpullWorkspace } from './helpers';

/** What an entry point did with its call to rugpull/greet: the call's record and the run's trace. */
interface EntryOutcome {
  record: StepRecord;
  trace: ParsedTrace;
}

const GREET_CODE = 'return await tools.rugpull.greet({ name: "Ada" });';

describe('run service: every entry point checks pins and writes a trace', function () {
  this.timeout(240_000);
  let ws: RugpullWorkspace;
  let bundle: ReturnType<typeof buildPrivateCli>;
  const pool = new SandboxPool({ size: 1 });
  const managers: ServerManager[] = [];

  /** A fresh service: a new server process, so it offers the tool as it is now. */
  async function service(): Promise<RunService> {
    const manager = makeManager([stdioDefinition('rugpull', ws.args[0], ws.args.slice(1))]);
    managers.push(manager);
    return new RunService(
      await buildRunEnvironment({
        connections: manager,
        knownServers: ['rugpull'],
        settings: settingsToConfig(settingsJsonReader({ 'mcpHarness.trustedServers': ['rugpull'] })),
        folder: ws.dir,
        traceDir: traceDirFor(ws.dir),
      }),
    );
  }

  function traceOf(sessionId: string): ParsedTrace {
    const dir = join(ws.dir, '.mcp-harness', 'traces');
    for (const f of readdirSync(dir)) {
      const trace = readTrace(join(dir, f));
      if (trace.header?.session_id === sessionId) return trace;
    }
    throw new Error(`no trace in ${dir} for session ${sessionId}`);
  }

  function sessionText(mode: GuardrailMode): string {
    return JSON.stringify({ name: `rug pull ${mode}`, guardrails: { mode }, steps: [{ id: 'greet', tool: 'rugpull/greet', args: { name: 'Ada' }, expect: { decision: ['ok', 'denied_policy'] } }] });
  }

  async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runCli(bundle.cli, args, ws.dir);
  }

  function policyFile(mode: GuardrailMode): string {
    const file = join(ws.dir, `policy-${mode}.json`);
    writeFileSync(file, JSON.stringify({ guardrails: { mode } }));
    return file;
  }

  const entries: { name: string; run(mode: GuardrailMode): Promise<EntryOutcome> }[] = [
    {
      name: 'RunService.runSession',
      async run(mode) {
        const parsed = parseSession(sessionText(mode), join(ws.dir, 'rug.mcp-session.json'));
        const result = await (await service()).runSession(parsed.session!);
        return { record: result.steps[0], trace: readTrace(result.trace_file!) };
      },
    },
    {
      name: 'RunService.callTool',
      async run(mode) {
        const call = await (await service()).callTool('rugpull', 'greet', { name: 'Ada' }, { guardrails: { mode } });
        return { record: call.record, trace: readTrace(call.session.trace_file!) };
      },
    },
    {
      name: 'RunService.runCode',
      async run(mode) {
        const run = await (await service()).runCode(GREET_CODE, { guardrails: { mode } });
        assert.equal(run.children.length, 1);
        return { record: run.children[0], trace: readTrace(run.session.trace_file!) };
      },
    },
    {
      name: 'RunService.open',
      async run(mode) {
        const open = await (await service()).open({ guardrails: { mode }, name: 'gateway' });
        const outcome = await open.callTool({ server: 'rugpull', tool: 'greet', args: { name: 'Ada' } });
        const result = await open.end();
        return { record: outcome.record, trace: readTrace(result.trace_file!) };
      },
    },
    {
      name: 'mcp-harness run',
      async run(mode) {
        writeFileSync(join(ws.dir, 'rug.mcp-session.json'), sessionText(mode));
        const r = await cli(['run', 'rug.mcp-session.json', '--json']);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const trace = readTrace(JSON.parse(r.stdout).trace_file);
        return { record: trace.steps[0], trace };
      },
    },
    {
      name: 'mcp-harness call',
      async run(mode) {
        const r = await cli(['call', 'rugpull/greet', '--args', '{"name":"Ada"}', '--policy', policyFile(mode), '--json']);
        const record = JSON.parse(r.stdout) as StepRecord;
        assert.equal(r.code, record.decision === 'ok' ? 0 : 1, r.stderr);
        return { record, trace: traceOf(record.session_id) };
      },
    },
    {
      name: 'mcp-harness exec',
      async run(mode) {
        const file = join(ws.dir, 'greet.mcp.js');
        writeFileSync(file, GREET_CODE);
        const r = await cli(['exec', 'greet.mcp.js', '--policy', policyFile(mode), '--json']);
        const out = JSON.parse(r.stdout);
        assert.equal(r.code, out.ok ? 0 : 1, r.stderr);
        const trace = readTrace(out.trace_file);
        const children = trace.steps.filter((s) => s.parent_id === 'exec');
        assert.equal(children.length, 1, JSON.stringify(trace.steps));
        return { record: children[0], trace };
      },
    },
  ];

  before(async () => {
    bundle = buildPrivateCli();
    ws = rugpullWorkspace();
    registerCodeStepKind({ sandbox: pool });
    await ws.pin();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.dispose()));
    await pool.dispose();
    bundle?.dispose();
    ws?.dispose();
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.dispose()));
    ws.restore();
    ws.clearCalls();
  });

  for (const entry of entries) {
    it(`${entry.name}: hard_gate denies the changed pinned tool (rule pinned), the server never sees the call, and the run is traced`, async () => {
      ws.poison();
      const { record, trace } = await entry.run('hard_gate');
      assert.equal(record.decision, 'denied_policy', JSON.stringify(record));
      const policy = record.stages.find((s) => s.stage === 'policy');
      assert.equal(policy?.rule, 'pinned');
      assert.match(record.reasons[0], /definition of 'rugpull\/greet' changed since it was pinned/);
      assert.ok(!record.stages.some((s) => s.stage === 'execute'), 'no execute stage');
      assert.deepEqual(ws.calls(), [], 'the server received no call');
      const traced = trace.steps.find((s) => s.step_id === record.step_id && s.server === 'rugpull');
      assert.equal(traced?.decision, 'denied_policy');
      assert.ok(trace.header && trace.end, 'the trace has its header and end line');
      assert.equal(trace.header!.session_id, record.session_id);
    });

    it(`${entry.name}: mixed mode calls the changed tool with a pin.changed warning; an unchanged pin passes silently`, async () => {
      ws.poison();
      const changed = await entry.run('mixed');
      assert.equal(changed.record.decision, 'ok', JSON.stringify(changed.record));
      assert.deepEqual(changed.record.findings.filter((f) => f.kind === 'pin.changed').map((f) => f.severity), ['warning']);
      assert.deepEqual(ws.calls(), [{ tool: 'greet', args: { name: 'Ada' } }]);
      assert.ok(changed.trace.end);
      ws.restore();
      ws.clearCalls();
      const same = await entry.run('hard_gate');
      assert.equal(same.record.decision, 'ok', JSON.stringify(same.record));
      assert.deepEqual(same.record.findings.filter((f) => f.kind.startsWith('pin.')), []);
      assert.equal(ws.calls().length, 1);
    });
  }
});
