// NextTurnBatch: items pushed in one turn are handed over together after it, and nothing is lost when the
// process exits first — also when one batch's delivery pushes into another (the gateway's deferred call
// bookkeeping writes into its audit log's batch).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NextTurnBatch, runJobs } from '../../../src/core/util/nextTurn';

const ROOT = join(__dirname, '../../..');

describe('NextTurnBatch', () => {
  it('hands over one turn\'s items together, after the turn, in order', async () => {
    const delivered: number[][] = [];
    const batch = new NextTurnBatch<number>((items) => delivered.push(items));
    batch.push(1);
    batch.push(2);
    assert.deepEqual(delivered, [], 'nothing during the turn');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(delivered, [[1, 2]]);
    batch.push(3);
    batch.dispose();
    assert.deepEqual(delivered, [[1, 2], [3]], 'dispose hands over the rest');
  });

  it('runJobs: a deferred job that throws is reported and the jobs after it still run', async () => {
    const ran: string[] = [];
    const errors: string[] = [];
    const batch = new NextTurnBatch<() => void>((jobs) => runJobs(jobs, (err) => errors.push(err.message)));
    batch.push(() => ran.push('first'));
    batch.push(() => {
      throw new Error('totals broke');
    });
    batch.push(() => ran.push('third'));
    await new Promise((resolve) => setImmediate(resolve));
    batch.dispose();
    assert.deepEqual([ran, errors], [['first', 'third'], ['totals broke']]);
  });

  it('drains at process exit until every batch is empty, also what one batch\'s delivery pushed into another', () => {
    // The audit-like batch is created first, so the exit drain meets it before the bookkeeping that feeds it.
    const script = `
      const { NextTurnBatch } = require(${JSON.stringify(join(ROOT, 'src/core/util/nextTurn'))});
      const lines = [];
      const audit = new NextTurnBatch((items) => lines.push(...items));
      const bookkeeping = new NextTurnBatch((jobs) => jobs.forEach((job) => job()));
      process.on('exit', () => process.stdout.write(JSON.stringify(lines)));
      bookkeeping.push(() => audit.push('call 1'));
      bookkeeping.push(() => audit.push('call 2'));
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), ['call 1', 'call 2']);
  });
});
