// A trace file the CLI is still writing: after the first read only the appended lines are parsed, and
// the result is the same as reading the whole file again (runs, steps, end, bad lines and their numbers).
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTraceFile } from '../../../src/extension/traces/fileTail';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'traces', 'every-decision.jsonl'), 'utf8');
const lines = fixture.trim().split('\n');

describe('reading a growing trace file', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mh-tail-'));
    file = join(dir, 'run.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses only what was appended and ends with what a whole read gives', async () => {
    writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    const first = await readTraceFile(file);
    assert.equal(first.runs[0].steps.length, 2);
    assert.equal(first.bytes, readFileSync(file).length);
    appendFileSync(file, lines.slice(3).join('\n') + '\n');
    const next = await readTraceFile(file, first);
    assert.equal(next.bytes, readFileSync(file).length);
    assert.equal(next.lines, lines.length);
    const whole = await readTraceFile(file);
    assert.deepEqual(next.runs, whole.runs);
    assert.ok(next.runs[0].end, 'the end line was read');
    assert.equal(first.runs[0].steps.length, 2, 'the previous read is left as it was');
  });

  it('does not parse the part it read before again', async () => {
    writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    const first = await readTraceFile(file);
    // Same file, same length for the part already read, but that part is no longer JSON: only a whole read would see it.
    writeFileSync(file, 'x'.repeat(lines[0].length) + '\n' + lines.slice(1, 4).join('\n') + '\n');
    const next = await readTraceFile(file, first);
    assert.deepEqual(next.badLines, []);
    assert.equal(next.runs[0].steps.length, 3);
    assert.equal((await readTraceFile(file)).badLines.length, 1, 'a whole read does see the garbage');
  });

  it('numbers bad lines in the appended part by their line in the file', async () => {
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n');
    const first = await readTraceFile(file);
    appendFileSync(file, 'not json\n' + lines[2] + '\n');
    const next = await readTraceFile(file, first);
    assert.deepEqual(next.badLines.map((b) => b.line), [3]);
    assert.deepEqual(next.badLines, (await readTraceFile(file)).badLines);
  });

  it('leaves a line still being written for the next read', async () => {
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n');
    const first = await readTraceFile(file);
    const half = Math.floor(lines[2].length / 2);
    appendFileSync(file, lines[2].slice(0, half));
    const partial = await readTraceFile(file, first);
    assert.equal(partial, first, 'nothing complete was appended');
    appendFileSync(file, lines[2].slice(half) + '\n');
    const done = await readTraceFile(file, partial);
    assert.deepEqual(done.badLines, []);
    assert.equal(done.runs[0].steps.length, 2);
  });

  it('reads the whole file again after a whole read found a cut-off last line', async () => {
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n' + lines[2].slice(0, 10));
    const first = await readTraceFile(file);
    assert.equal(first.badLines.length, 1, 'the cut-off line is reported');
    assert.equal(first.bytes, 0);
    writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    const next = await readTraceFile(file, first);
    assert.deepEqual(next.badLines, []);
    assert.equal(next.runs[0].steps.length, 2);
  });

  it('reads a replaced or shortened file from the start', async () => {
    writeFileSync(file, lines.join('\n') + '\n');
    const first = await readTraceFile(file);
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n');
    const next = await readTraceFile(file, first);
    assert.equal(next.runs[0].steps.length, 1);
    assert.equal(next.runs[0].end, undefined);
  });
});
