import * as assert from 'node:assert/strict';
import { commands } from '../../../src/cli/commands/index';
import { main } from '../../../src/cli/main';
import { alignOptions, argumentProblem } from '../../../src/cli/usage';

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

describe('CLI: a refused command line says what was wrong, for the command', () => {
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => '', cwd: process.cwd(), env: process.env });
    return { code, stdout, stderr };
  }

  it('suggests the option a typo was meant to be', async () => {
    const r = await cli(['servers', '--worksapce', 'x']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^mcp-harness: unknown option '--worksapce' for `mcp-harness servers`: did you mean --workspace\?\n/);
    // servers takes no positional argument, so the hint about '--' would only confuse.
    assert.doesNotMatch(r.stderr, /goes after '--'/);
    assert.match(r.stderr, /\n {2}--workspace DIR {2}the workspace folder/, 'the aligned usage follows');
    assert.match((await cli(['lab', 'everything', '--bugdet', '3s'])).stderr, /unknown option '--bugdet' for `mcp-harness lab`: did you mean --budget\?/);
    assert.match((await cli(['call', 'x', '--jso'])).stderr, /did you mean --json\?/, 'the global --json is known too');
  });

  it('points at the list of options when nothing is close, and at -- where a positional could start with -', async () => {
    const r = await cli(['tools', 'memory', '--yes']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mcp-harness: unknown option '--yes' for `mcp-harness tools`: its options are listed below \(an argument that starts with '-' goes after '--': -- --yes\)\n/);
    assert.match((await cli(['servers', '--ab'])).stderr, /unknown option '--ab' for `mcp-harness servers`: its options are listed below\n/, 'a two-letter typo is not "corrected"');
  });

  it('names the value an option is missing, as its usage shows it', async () => {
    assert.match((await cli(['tools', 'memory', '--workspace'])).stderr, /^mcp-harness: option --workspace needs a value: --workspace DIR\n/);
    assert.match((await cli(['agent', '-g'])).stderr, /^mcp-harness: option --goal needs a value: --goal TEXT\n/, 'a short flag is named by its long name');
    assert.match((await cli(['call', 'x', '--json=1'])).stderr, /^mcp-harness: option '--json' does not take an argument\n/);
  });

  it('falls back to VALUE when the usage does not show the option, and to node\'s own words for an error it does not know', () => {
    const command = { usage: 'Usage: mcp-harness x [--depth]', options: { depth: { type: 'string' as const } } };
    const missing = Object.assign(new Error("Option '--depth <value>' argument missing"), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
    assert.equal(argumentProblem(missing, 'x', command), 'option --depth needs a value: --depth VALUE');
    assert.equal(argumentProblem(new Error('Something else went wrong'), 'x', command), 'something else went wrong');
  });

  it('says how many arguments the command takes and which ones were too many, instead of "wrong number of arguments"', async () => {
    const missing = await cli(['tools']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^mcp-harness: tools needs 1 argument, got none \(see the usage below\)\.\nUsage: mcp-harness tools SERVER/);
    assert.match((await cli(['report'])).stderr, /^mcp-harness: report needs at least 1 argument, got none/);
    assert.match((await cli(['tools', 'a', 'b'])).stderr, /^mcp-harness: tools takes 1 argument, but also got 'b' \(a value with spaces needs quotes\)\.\n/);
    // The shell split an unquoted goal: the stray words are named.
    const split = await cli(['agent', '--goal', 'find', 'the', 'file', '--json']);
    assert.equal(split.code, 2);
    assert.deepEqual(JSON.parse(split.stderr.split('\n')[0]).error.message.split('\n')[0], "agent takes no arguments, but also got 'the', 'file' (a value with spaces needs quotes).");
  });
});
