import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientFeatures } from '../../../src/core/client/features';
import type { ToolChangeReport } from '../../../src/core/client/toolChanges';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { LockfilePins } from '../../../src/core/pin/lockfileCheck';
import { PinStore } from '../../../src/core/pin/store';
import { RunService } from '../../../src/core/run/service';
import { ServerManager } from '../../../src/core/servers/manager';
import { nullLogger } from '../../../src/core/types';
import type { StepRecord } from '../../../src/protocol/trace';
import { FIXTURES, stdioDefinition } from '../guards/helpers';
import { session } from './helpers';

describe('client features: tools/list_changed during a run', function () {
  this.timeout(60_000);
  let dir: string;
  let manager: ServerManager;
  const reports: ToolChangeReport[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-shifty-'));
    manager = new ServerManager({ definitions: [stdioDefinition('shifty', join(FIXTURES, 'shifty.mjs'))], logger: nullLogger, clientInfo: { name: 't', version: '0' }, stopGraceMs: 500 });
  });
  afterEach(async () => {
    await manager.dispose();
    rmSync(dir, { recursive: true, force: true });
    reports.length = 0;
  });

  it('a pinned tool that changes mid-run is denied at its next call (hard_gate), and the change is linted and recorded', async () => {
    await (await PinStore.open(dir)).pinAll('shifty', await (await manager.ensureStarted('shifty')).listTools());
    const client = new ClientFeatures({ samplingDefault: 'deny', onToolsChanged: (r) => reports.push(r) });
    const service = new RunService({
      connections: manager,
      knownServers: ['shifty'],
      policy: { ...DEFAULT_POLICY, trustedServers: ['shifty'], confirmDestructive: false },
      guardrails: { ...DEFAULT_GUARDRAILS, mode: 'hard_gate' },
      pins: await LockfilePins.open(dir),
      client,
    });
    const seen: StepRecord[] = [];
    service.onStep((r) => seen.push(r));
    const result = await service.runSession(
      session({
        name: 'drift',
        steps: [
          { id: 'before', tool: 'shifty/greet', args: { name: 'Ann' }, expect: { contains: 'Hello, Ann!' } },
          { id: 'mutate', tool: 'shifty/mutate' },
          { id: 'after', tool: 'shifty/greet', args: { name: 'Bo' }, expect: { decision: 'denied_policy' } },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.reasons])));
    assert.equal(result.steps[2].stages.find((s) => s.stage === 'policy')?.rule, 'pinned');
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0].changed, reports[0].drift], [['greet'], ['greet']]);
    assert.ok(reports[0].findings.some((f) => f.kind === 'lint.hidden-instructions'), JSON.stringify(reports[0].findings.map((f) => f.kind)));
    const log = seen.find((r) => r.kind === 'log' && r.tool === 'notifications/tools/list_changed')!;
    assert.equal(log.level, 'warning');
    assert.ok(log.findings.some((f) => f.kind === 'pin.changed'));
  });
});
