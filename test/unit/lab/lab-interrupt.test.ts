// Ctrl-C during `mcp-harness lab` (built CLI, real fixture server): the first SIGINT/SIGTERM stops the lab,
// writes the partial result and stops the servers; a second one exits at once without a report.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabResult } from '../../../src/core/lab/types';
import { isAlive, waitForExit } from '../../../src/core/servers/processTree';
import { FIXTURES } from '../guards/helpers';
import { buildPrivateCli } from '../lint/cliHelpers';
import { interruptCli, type Interrupted } from '../cli/interruptHelpers';

/** Starts a lab and interrupts it once the fixture server logs a call under way to `callLog`. */
function interruptLab(cli: string, ws: string, args: string[], callLog: string, signal: NodeJS.Signals, again = false, env: NodeJS.ProcessEnv = {}): Promise<Interrupted> {
  return interruptCli(cli, ['lab', ...args, '--allow-destructive'], { cwd: ws, callLog, signal, again, env });
}

describe('mcp-harness lab: Ctrl-C keeps the partial result', function () {
  this.timeout(120_000);
  let built: { cli: string; dispose(): void };
  let ws: string;

  before(() => {
    built = buildPrivateCli();
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-int-'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
      servers: {
        slow: { command: process.execPath, args: [join(FIXTURES, 'slow.mjs'), '--call-log', join(ws, 'slow.calls')] },
        // Takes a minute to exit after its input ends: a first Ctrl-C's clean stop would wait for it.
        lingering: { command: process.execPath, args: [join(FIXTURES, 'slow.mjs'), '--exit-delay', '60000', '--call-log', join(ws, 'lingering.calls')] },
      },
    }));
  });
  beforeEach(() => {
    for (const f of ['slow.calls', 'lingering.calls']) rmSync(join(ws, f), { force: true });
  });
  after(() => {
    rmSync(ws, { recursive: true, force: true });
    built.dispose();
  });

  it('SIGINT mid-run: exit 130, JSON/Markdown/HTML marked partial, suites not started skipped, no cancelled call counted as a finding, servers gone', async () => {
    const r = await interruptLab(built.cli, ws, ['slow', '--json', '--seed', '3', '--budget', '60s', '--markdown', 'partial.md', '--report', 'partial.html'], join(ws, 'slow.calls'), 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /lab: SIGINT: stopping and keeping the partial result/);
    const result = JSON.parse(r.stdout) as LabResult;
    assert.equal(result.cancelled, true);
    assert.equal(result.server, 'slow');
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran]), [['props', true], ['faults', false], ['bench', false]]);
    for (const s of result.suites.slice(1)) assert.equal(s.skipped, 'the run was cancelled before this suite started');
    // The call under way was cancelled with the lab, not left to time out and be reported as a hang.
    assert.deepEqual(result.findings.filter((f) => f.severity !== 'info'), []);
    assert.match(readFileSync(join(ws, 'partial.md'), 'utf8'), /^### MCP reliability: `slow` scores \*\*\d+\/100\*\* \(.\) on the suites that ran — cancelled, partial result/);
    assert.match(readFileSync(join(ws, 'partial.html'), 'utf8'), /This run was cancelled: a partial result; the score covers only the suites that ran/);
    assert.ok(r.children.length >= 1, 'the fixture server was running when the signal was sent');
    assert.ok(await waitForExit(r.children, 5000), `still running after the CLI exited: ${r.children.filter(isAlive).join(', ')}`);
  });

  it('SIGTERM stops it the same way, with exit 143', async () => {
    const r = await interruptLab(built.cli, ws, ['slow', '--seed', '4', '--budget', '60s'], join(ws, 'slow.calls'), 'SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stdout, /— cancelled, partial result/);
    assert.ok(await waitForExit(r.children, 5000), `still running: ${r.children.filter(isAlive).join(', ')}`);
  });

  it('a second Ctrl-C exits at once: no report, exit 130, and the server that would take a minute to stop is killed', async () => {
    const r = await interruptLab(built.cli, ws, ['lingering', '--json', '--seed', '5', '--budget', '60s', '--markdown', 'never.md'], join(ws, 'lingering.calls'), 'SIGINT', true, { MCP_HARNESS_STOP_GRACE_MS: '120000' });
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '', 'the second Ctrl-C does not wait for the partial result');
    assert.equal(existsSync(join(ws, 'never.md')), false);
    assert.ok(r.children.length >= 1);
    assert.ok(await waitForExit(r.children, 5000), `still running: ${r.children.filter(isAlive).join(', ')}`);
  });
});
