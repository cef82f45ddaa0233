// Reading the conformance suite's result folders and comparing them with a baseline.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithBaseline, readResults, renderResults } from '../../../src/core/conformance/suite';

function resultsDir(scenarios: Record<string, { status: string; name: string; errorMessage?: string }[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-conformance-test-'));
  for (const [folder, checks] of Object.entries(scenarios)) {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'checks.json'), JSON.stringify(checks));
  }
  return dir;
}

describe('conformance suite results', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reads one result per scenario folder, nested auth folders included, and counts checks by status', () => {
    const dir = resultsDir({
      'initialize-2026-12-05T18-21-24-349Z': [{ name: 'Init', status: 'SUCCESS' }, { name: 'Info', status: 'INFO' }],
      'auth/metadata-var1-2026-12-05T18-21-24-351Z': [
        { name: 'PrmDiscovery', status: 'FAILURE', errorMessage: 'no metadata request' },
        { name: 'Token', status: 'FAILURE' },
      ],
      'sse-retry-2026-12-05T18-21-24-350Z': [{ name: 'Reconnect', status: 'SUCCESS' }, { name: 'Timing', status: 'WARNING' }],
    });
    dirs.push(dir);
    assert.deepEqual(readResults(dir, 'client'), [
      { scenario: 'auth/metadata-var1', passed: 0, failed: 2, warnings: 0, failures: ['PrmDiscovery: no metadata request', 'Token'] },
      { scenario: 'initialize', passed: 1, failed: 0, warnings: 0, failures: [] },
      { scenario: 'sse-retry', passed: 1, failed: 0, warnings: 1, failures: [] },
    ]);
  });

  it('strips the server- prefix of server-mode folders', () => {
    const dir = resultsDir({ 'server-tools-list-2026-12-05T18-21-24-349Z': [{ name: 'ToolsList', status: 'SUCCESS' }] });
    dirs.push(dir);
    assert.deepEqual(readResults(dir, 'server').map((r) => r.scenario), ['tools-list']);
  });

  it('reads nothing from a folder that does not exist', () => {
    assert.deepEqual(readResults(join(tmpdir(), 'mcp-harness-no-such-results'), 'client'), []);
  });

  it('splits failures into expected and unexpected, and names baseline entries that pass or did not run', () => {
    const r = (scenario: string, failed: number) => ({ scenario, passed: failed ? 0 : 1, failed, warnings: 0, failures: failed ? ['X: broke'] : [] });
    const cmp = compareWithBaseline([r('a', 1), r('b', 1), r('c', 0)], { b: 'needs OAuth', c: 'elicitation', gone: 'renamed' });
    assert.deepEqual(cmp.unexpected.map((x) => x.scenario), ['a']);
    assert.deepEqual(cmp.expected.map((x) => x.scenario), ['b']);
    assert.deepEqual(cmp.nowPassing, ['c']);
    assert.deepEqual(cmp.missing, ['gone']);
  });

  it('renders a row per scenario with the reason of an expected failure, else the first failure', () => {
    const text = renderResults(
      [
        { scenario: 'auth/x', passed: 0, failed: 2, warnings: 0, failures: ['A: first', 'B'] },
        { scenario: 'tools_call', passed: 1, failed: 0, warnings: 1, failures: [] },
        { scenario: 'new', passed: 0, failed: 1, warnings: 0, failures: ['C: broke'] },
      ],
      { 'auth/x': 'needs OAuth' },
    );
    const lines = text.split('\n');
    assert.match(lines[0], /^scenario\s+pass\s+fail\s+warn\s+note$/);
    assert.match(lines[1], /^auth\/x\s+0\s+2\s+0\s+expected: needs OAuth$/);
    assert.match(lines[2], /^tools_call\s+1\s+0\s+1\s+$/);
    assert.match(lines[3], /^new\s+0\s+1\s+0\s+C: broke$/);
  });
});
