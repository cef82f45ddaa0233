// Runs on a copy of test/fixtures/workspaces/harness: "MCP: Run Code in Sandbox" starts only the servers the code
// uses. The workspace defines several servers (everything, crashy, withinput, half, nocommand); code that uses only
// `everything` asks consent for that one and spawns nothing else; a refused server is the code's ToolNotFoundError;
// a server the static scan missed (an aliased mcp.call) is started on first use through the same consent prompt.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { RunCodeResult } from '../../../../../src/extension/sandbox/commands';
import { activateHarness } from '../../helpers';
import { serverProcesses } from './processes';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('harness workspace: Run Code in Sandbox starts only what the code uses', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  const asked: string[] = [];
  let answer: (id: string) => 'allow' | 'deny' = () => 'allow';
  const files: string[] = [];

  /** A *.mcp.js file in the workspace with this code, run through the command as a user would. */
  async function runFile(name: string, code: string): Promise<RunCodeResult> {
    const file = path.join(folder(), name);
    fs.writeFileSync(file, code);
    files.push(file);
    const pending = vscode.commands.executeCommand<RunCodeResult>('mcpHarness.runCode', vscode.Uri.file(file));
    // A run that starts a server the code does not use can wait for that server's ${input:…} prompt: say so, not just time out.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} did not finish in 20 s; consent was asked for ${asked.join(', ') || 'nothing'}; servers starting or running: ${JSON.stringify(api.servers.list().filter((s) => s.status !== 'stopped' && s.status !== 'error').map((s) => s.id))}`)), 20_000);
    });
    const result = await Promise.race([pending, stuck]).finally(() => clearTimeout(timer));
    assert.ok(result, 'the command returns the run result');
    return result;
  }

  const running = () => api.servers.list().filter((s) => s.status === 'running' || s.status === 'starting').map((s) => s.id).sort();

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    await api.servers.stopAll();
    await api.consent.forget();
    api.testing.setConsentPrompt(async (def) => {
      asked.push(def.id);
      return answer(def.id);
    });
    // server-everything is not a trusted server here, so its tools need the call confirmation.
    api.testing.setConfirmPrompt(async () => true);
  });

  beforeEach(() => {
    asked.length = 0;
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.consent.forget();
    await api.servers.stopAll();
    for (const f of files) fs.rmSync(f, { force: true });
  });

  it('asks consent for and starts only `everything` when the code uses only it', async () => {
    assert.deepEqual(await serverProcesses(), [], 'nothing runs before the code');
    const result = await runFile('only-everything.mcp.js', 'const r = await tools.everything.echo({ message: "only everything" });\nreturn r.text;\n');
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value, 'Echo: only everything');
    assert.deepEqual(asked, ['everything'], 'consent was asked for the server the code uses, and only for it');
    assert.deepEqual(running(), ['everything']);
    const procs = await serverProcesses();
    assert.equal(procs.length, 1, procs.join('\n'));
    assert.match(procs[0], /server-everything/);
    for (const id of ['crashy', 'withinput', 'half']) assert.equal(api.servers.state(id)?.status, 'stopped', `${id} was left alone`);
  });

  it('gives the code a ToolNotFoundError naming the server, with the way to start it, when consent is refused', async () => {
    answer = (id) => (id === 'crashy' ? 'deny' : 'allow');
    try {
      const result = await runFile('refused.mcp.js', 'try { await mcp.call("crashy/echo", { text: "x" }); return "called"; } catch (e) { return [e.name, e.message]; }\n');
      assert.equal(result.ok, true, JSON.stringify(result.error));
      const [name, message] = result.value as string[];
      assert.equal(name, 'ToolNotFoundError');
      assert.match(message, /^The server 'crashy' is not running and could not be started for this run: crashy was not started because starting it was not allowed\. Start it again to be asked again\.$/);
      assert.deepEqual(asked, ['crashy']);
      assert.deepEqual(running(), ['everything'], 'crashy was not started');
      assert.ok(!(await serverProcesses()).some((p) => p.includes('crash.mjs')));
    } finally {
      answer = () => 'allow';
    }
  });
  it('starts a server the scan missed (an aliased mcp.call) on first use, through the consent prompt', async () => {
    await api.consent.forget();
    const result = await runFile('aliased.mcp.js', 'const { call } = mcp;\nconst id = ["cra", "shy"].join("");\nreturn (await call(id + "/echo", { text: "reached" })).text;\n');
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value, 'reached');
    assert.deepEqual(asked, ['crashy'], 'everything is running; crashy is asked about when the code reaches it');
    assert.deepEqual(running(), ['crashy', 'everything']);
    assert.equal(api.servers.state('withinput')?.status, 'stopped');
  });


  it('a server whose tool list is remembered is in the index without being started; a refused start fails the call', async () => {
    await api.servers.stop('crashy');
    await api.consent.forget();
    answer = (id) => (id === 'crashy' ? 'deny' : 'allow');
    try {
      // `const m = mcp` hides the search from the scan, so only what is known without starting anything is searched.
      const result = await runFile('cached.mcp.js', 'const m = mcp;\nconst found = (await m.search("crash")).map((t) => t.name);\nconst echo = found.find((n) => n.endsWith("/echo"));\ntry { await m.call(echo, { text: "x" }); return [found]; } catch (e) { return [found, e.name, e.message]; }\n');
      assert.equal(result.ok, true, JSON.stringify(result.error));
      const [found, name, message] = result.value as [string[], string, string];
      assert.ok(found.includes('crashy/crash'), `mcp.search finds the remembered tools: ${JSON.stringify(found)}`);
      assert.equal(name, 'ToolCallError');
      assert.match(message, /crashy was not started because starting it was not allowed/);
      assert.deepEqual(asked, ['crashy'], 'the search asked nothing; the call asked once');
      assert.ok(!(await serverProcesses()).some((p) => p.includes('crash.mjs')));
    } finally {
      answer = () => 'allow';
    }
  });
});
