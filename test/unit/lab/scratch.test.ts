import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerDefinition } from '../../../src/core/config/types';
import { scratchDefinition, ScratchTooLargeError } from '../../../src/core/lab/scratch';

describe('lab: scratch copies of the data a server is given', () => {
  let dir: string;
  const def = (over: Partial<ServerDefinition>): ServerDefinition => ({
    id: 'fs', name: 'fs', transport: 'stdio', command: 'node', args: [], hash: 'h', notes: [],
    source: { file: join(dir, '.vscode/mcp.json'), kind: 'vscode', workspaceFolder: dir, nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } },
    ...over,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mh-scratch-'));
    mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'data', 'sub', 'f.txt'), 'original');
    writeFileSync(join(dir, 'server.js'), '');
    writeFileSync(join(dir, 'state.json'), '{}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies folder arguments and file or folder env values (relative to the workspace), and rewrites them', () => {
    const s = scratchDefinition(def({ args: ['server.js', 'data', '--flag', 'not-a-path'], env: { STATE: join(dir, 'state.json'), NEW: join(dir, 'later.jsonl'), NAME: 'x' } }))!;
    try {
      assert.equal(s.definition.id, 'fs~scratch');
      assert.equal(s.definition.args![0], 'server.js', 'a file argument (the script) is not copied');
      assert.notEqual(s.definition.args![1], 'data');
      assert.equal(readFileSync(join(s.definition.args![1], 'sub', 'f.txt'), 'utf8'), 'original');
      assert.deepEqual(s.definition.args!.slice(2), ['--flag', 'not-a-path']);
      assert.equal(readFileSync(s.definition.env!.STATE, 'utf8'), '{}');
      assert.ok(!s.definition.env!.NEW.startsWith(dir) && !existsSync(s.definition.env!.NEW), 'a file to be created gets a scratch path');
      assert.equal(s.definition.env!.NAME, 'x');
      assert.notEqual(s.definition.hash, 'h');
      writeFileSync(join(s.definition.args![1], 'sub', 'f.txt'), 'changed');
      assert.equal(readFileSync(join(dir, 'data', 'sub', 'f.txt'), 'utf8'), 'original');
    } finally {
      s.dispose();
    }
    assert.ok(!existsSync(s.copies[0].to), 'dispose removes the copies');
  });

  it('gives nothing to copy for a server without paths, and for HTTP servers', () => {
    assert.equal(scratchDefinition(def({ args: ['server.js'] })), undefined);
    assert.equal(scratchDefinition(def({ transport: 'http', url: 'http://127.0.0.1:1/mcp', args: ['data'] })), undefined);
  });

  it('refuses data over the size limit, saying what to do', () => {
    writeFileSync(join(dir, 'data', 'big.bin'), Buffer.alloc(4096));
    assert.throws(() => scratchDefinition(def({ args: ['data'] }), 1024), (e: Error) => e instanceof ScratchTooLargeError && /more than .* MB, too much to copy/.test(e.message));
  });
});
