import * as assert from 'node:assert/strict';
import { commands } from '../../../src/cli/commands/index';
import { main } from '../../../src/cli/main';
import { alignOptions } from '../../../src/cli/usage';

/** The column each option line's description starts at, and each continuation line's text. */
function columns(help: string): { option: number[]; continuation: number[] } {
  const option: number[] = [];
  const continuation: number[] = [];
  let inOption = false;
  for (const line of help.split('\n')) {
    const m = /^ {2}(-\S*(?: \S+)*?) {2,}(\S)/.exec(line);
    if (m) {
      inOption = true;
      if (m[1].length <= 24) option.push(line.indexOf(m[2], 2 + m[1].length));
      continue;
    }
    const more = inOption ? /^( {4,})\S/.exec(line) : null;
    if (more) continuation.push(more[1].length);
    else inOption = false;
  }
  return { option, continuation };
}

describe('CLI help: option descriptions in one column', () => {
  it('aligns flags of different lengths, their continuation lines, and leaves the rest alone', () => {
    const usage = [
      'Usage: mcp-harness x [--a N]',
      '                     [--long-flag VALUE]',
      '',
      '  --a N        short',
      '  --long-flag VALUE  longer flag,',
      '                     its second line',
      '  -- COMMAND ARGS   a separator with arguments',
      '  --a-flag-that-is-far-too-long-to-set-the-column X  kept two spaces after it',
      '',
      'Exit codes: 0 ok.',
    ].join('\n');
    assert.equal(
      alignOptions(usage),
      [
        'Usage: mcp-harness x [--a N]',
        '                     [--long-flag VALUE]',
        '',
        '  --a N              short',
        '  --long-flag VALUE  longer flag,',
        '                     its second line',
        '  -- COMMAND ARGS    a separator with arguments',
        '  --a-flag-that-is-far-too-long-to-set-the-column X  kept two spaces after it',
        '',
        'Exit codes: 0 ok.',
      ].join('\n'),
    );
  });

  it('returns a text without option lines as it is', () => {
    assert.equal(alignOptions('Usage: mcp-harness y\n\n    indented prose'), 'Usage: mcp-harness y\n\n    indented prose');
  });

  for (const entry of commands) {
    it(`mcp-harness ${entry.name} --help`, async () => {
      let stdout = '';
      const code = await main([entry.name, '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined, readStdin: async () => '', cwd: process.cwd(), env: process.env });
      assert.equal(code, 0);
      const { option, continuation } = columns(stdout);
      assert.ok(option.length >= 2, `${entry.name}: its options are listed`);
      const column = option[0];
      assert.deepEqual(option, option.map(() => column), `${entry.name}: every description starts at column ${column}:\n${stdout}`);
      assert.deepEqual(continuation, continuation.map(() => column), `${entry.name}: every continuation line starts at column ${column}:\n${stdout}`);
    });
  }
});
