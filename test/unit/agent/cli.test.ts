// `mcp-harness agent` and `mcp-harness run` of an agent session, from the built CLI bundle, against a
// scripted model server on 127.0.0.1 and real MCP servers.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';
import { EVERYTHING } from '../guards/helpers';
import { FILESYSTEM, startScriptedModel, type ScriptedModel } from './helpers';

const KEY = 'sk-test-5f1c0d2e9a8b7c6d5e4f3a2b';

describe('agent: the CLI', function () {
  this.timeout(180_000);
  let bundle: ReturnType<typeof buildPrivateCli>;
  let dir: string;
  let note: string;
  let model: ScriptedModel | undefined;

  before(() => {
    bundle = buildPrivateCli();
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-agent-cli-'));
    mkdirSync(join(dir, '.vscode'));
    mkdirSync(join(dir, 'files'));
    note = join(dir, 'files', 'note.txt');
    writeFileSync(join(dir, '.vscode', 'mcp.json'), JSON.stringify({ servers: { everything: { command: process.execPath, args: [EVERYTHING] }, fs: { command: process.execPath, args: [FILESYSTEM, join(dir, 'files')] } } }));
    writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['everything', 'fs'] }));
  });
  after(() => {
    bundle.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => writeFileSync(note, 'The launch code word is heliotrope.'));
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  const readNote = () => ({ toolCalls: [{ name: 'fs__read_text_file', arguments: { path: note } }] });
  const agent = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(bundle.cli, ['agent', '--workspace', dir, ...args], dir, '', { OPENAI_API_KEY: KEY, ...env });

  it('keeps the model SDKs out of the CLI bundle (they load from their own files on first use)', () => {
    const cli = readFileSync(bundle.cli, 'utf8');
    assert.ok(!cli.includes('api.anthropic.com') && !cli.includes('api.openai.com'), 'no SDK inlined in cli.js');
    assert.ok(existsSync(join(bundle.cli, '..', 'openai-sdk.js')) && existsSync(join(bundle.cli, '..', 'anthropic-sdk.js')));
  });

  it('runs a goal, prints the run as JSON, traces every turn, and never shows the API key', async () => {
    model = await startScriptedModel([readNote(), { text: 'The word is heliotrope.' }]);
    const r = await agent(['--goal', 'Find the code word in note.txt.', '--base-url', model.openaiURL, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { runs: { outcome: string; answer: string; turns: number; tool_calls: number; trace_file: string }[] };
    assert.deepEqual([out.runs[0].outcome, out.runs[0].answer, out.runs[0].turns, out.runs[0].tool_calls], ['answered', 'The word is heliotrope.', 2, 1]);
    assert.equal(model.requests[0].headers.authorization, `Bearer ${KEY}`);
    const trace = readFileSync(out.runs[0].trace_file, 'utf8');
    assert.match(trace, /"kind":"model"/);
    for (const text of [trace, r.stdout, r.stderr]) assert.ok(!text.includes(KEY), 'the key is never printed or traced');
  });

  it('--provider anthropic without --model asks for a Claude model, not the OpenAI default', async () => {
    model = await startScriptedModel([{ text: 'Done.' }]);
    const r = await agent(['--goal', 'Say done.', '--provider', 'anthropic', '--base-url', model.anthropicURL, '--json'], { ANTHROPIC_API_KEY: 'k-test' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((model.requests[0].body as { model?: string }).model, 'claude-sonnet-4-5');
    const out = JSON.parse(r.stdout) as { runs: { model: string; answer: string }[] };
    assert.deepEqual([out.runs[0].model, out.runs[0].answer], ['claude-sonnet-4-5', 'Done.']);
  });

  it('--mode both prints the comparison and writes it as JSON and Markdown', async () => {
    model = await startScriptedModel([
      { ...readNote(), usage: null },
      { text: 'heliotrope', usage: null },
      { toolCalls: [{ name: 'run_code', arguments: { code: `return (await tools.fs.read_text_file({ path: ${JSON.stringify(note)} })).text.split(' ').pop();` } }], usage: null },
      { text: 'heliotrope', usage: null },
    ]);
    const report = join(dir, 'ab.json');
    const r = await agent(['--goal', 'Find the code word.', '--mode', 'both', '--base-url', model.openaiURL, '--report', report]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\| Tokens in \| \d+ \| \d+ \|/);
    assert.match(r.stdout, /\[direct\] ANSWERED[\s\S]*\[code\] ANSWERED/);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { section: string; runs: { mode: string; tokens_in: number }[] };
    assert.equal(json.section, 'agent-comparison');
    assert.ok(json.runs[1].tokens_in < json.runs[0].tokens_in);
    assert.match(readFileSync(join(dir, 'ab.md'), 'utf8'), /\| Turns \| 2 \| 2 \|/);
  });

  it('--replay re-runs a recorded run without a model, and reports a divergence when a result changed', async () => {
    model = await startScriptedModel([readNote(), { text: 'heliotrope' }]);
    const first = await agent(['--goal', 'Find the code word.', '--base-url', model.openaiURL, '--json']);
    const trace = (JSON.parse(first.stdout) as { runs: { trace_file: string }[] }).runs[0].trace_file;
    await model.close();
    model = undefined;
    const same = await agent(['--replay', trace], { OPENAI_API_KEY: '' });
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /made the recorded tool calls/);
    writeFileSync(note, 'The launch code word is marigold.');
    const changed = await agent(['--replay', trace, '--json'], { OPENAI_API_KEY: '' });
    assert.equal(changed.code, 1);
    const out = JSON.parse(changed.stdout) as { divergences: { turn: number; message: string }[] };
    assert.equal(out.divergences[0].turn, 2);
    assert.match(out.divergences[0].message, /marigold/);
  });

  it('stops on a limit with exit 1 and says which flag raises it', async () => {
    model = await startScriptedModel([readNote(), readNote(), readNote()]);
    const r = await agent(['--goal', 'Loop.', '--base-url', model.openaiURL, '--max-turns', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /STOPPED \(max_turns\)/);
    assert.match(r.stdout, /limit maxTurns = 2\)\. Pass --max-turns to allow more\./);
  });

  it('refuses bad arguments with exit 2 and what to do', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /--goal/],
      [['--goal', 'x', '--mode', 'fast'], {}, /--mode must be direct, code or both/],
      [['--goal', 'x', '--max-turns', '0'], {}, /--max-turns \(agent.limits.maxTurns\) must be a number from 1/],
      [['--goal', 'x', '--max-cost', 'lots'], {}, /--max-cost must be a number/],
      [['--goal', 'x'], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' }, /OPENAI_API_KEY/],
      [['--goal', 'x', '--provider', 'anthropic'], { ANTHROPIC_API_KEY: '' }, /ANTHROPIC_API_KEY/],
      [['--goal', 'x', '--provider', 'anthropic', '--thinking-budget', '100'], { ANTHROPIC_API_KEY: 'k' }, /--thinking-budget must be a whole number of tokens from 1024/],
      [['--goal', 'x', '--servers', 'nope', '--base-url', 'http://127.0.0.1:9/v1'], {}, /no MCP server named 'nope'/],
      [['--replay', join(dir, 'missing.jsonl')], {}, /Could not read the trace/],
    ];
    for (const [args, env, expected] of cases) {
      const r = await agent(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected);
    }
  });

  it('mcp-harness run of a session file with an "agent" block runs the agent with the session\'s policy', async () => {
    model = await startScriptedModel([
      { toolCalls: [{ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }] },
      { text: 'Adding is not allowed here.' },
    ]);
    const file = join(dir, 'agent.mcp-session.json');
    writeFileSync(file, JSON.stringify({ name: 'agent session', servers: ['everything'], policy: { deny: ['everything/get-sum'] }, agent: { goal: 'Add 1 and 2.', limits: { maxTurns: 4 } } }));
    const r = await runCli(bundle.cli, ['run', file, '--workspace', dir, '--json'], dir, '', { OPENAI_API_KEY: '', OPENAI_BASE_URL: model.openaiURL });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { runs: { outcome: string; denied: number; answer: string }[] };
    assert.deepEqual([out.runs[0].outcome, out.runs[0].denied, out.runs[0].answer], ['answered', 1, 'Adding is not allowed here.']);
    const tools = (model.requests[0].body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    assert.ok(tools.every((n) => n.startsWith('everything__')), 'only the session\'s servers');
  });
});
