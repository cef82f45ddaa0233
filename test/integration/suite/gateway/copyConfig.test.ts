// "Copy Gateway Config for…" over HTTP and the gateway token, in the real extension host: run from the palette
// (no target named) it asks whether the token goes into the snippet, and honours the answer (included, referred
// to, or cancelled); a caller that names the target or passes includeToken is not asked; the token is read from
// the gateway's token file (a missing or readable-by-others file copies nothing); a port that is not one is
// refused, not replaced. The target quick pick is the real one; the token question is answered through
// api.testing (as the other dialogs are).
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import { acceptQuickInput } from '../client/helpers';
import { activateHarness } from '../helpers';

const TOKEN = 'copy-config-test-token-0123456789abcdef';

describe('gateway: Copy Gateway Config over HTTP, and the token', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let configHome: string;
  let tokenFile: string;
  const savedConfigHome = process.env.XDG_CONFIG_HOME;
  let asked = 0;
  let answer: boolean | undefined;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    // The extension reads the token file from the user's config dir at the time of the copy (this process's env).
    configHome = mkdtempSync(join(tmpdir(), 'mcp-harness-copy-'));
    process.env.XDG_CONFIG_HOME = configHome;
    tokenFile = join(configHome, 'mcp-harness', 'gateway-token');
    api.testing.setIncludeTokenQuestion(async () => {
      asked++;
      return answer;
    });
  });
  beforeEach(async () => {
    asked = 0;
    answer = undefined;
    rmSync(join(configHome, 'mcp-harness'), { recursive: true, force: true });
    await vscode.env.clipboard.writeText('unchanged');
  });
  after(() => {
    api.testing.setIncludeTokenQuestion(undefined);
    if (savedConfigHome === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedConfigHome;
    rmSync(configHome, { recursive: true, force: true });
  });

  function writeToken(mode = 0o600): void {
    mkdirSync(join(configHome, 'mcp-harness'), { recursive: true, mode: 0o700 });
    writeFileSync(tokenFile, TOKEN + '\n');
    chmodSync(tokenFile, mode);
  }

  /** Runs the command as the palette does (no target): picks Cursor in the real quick pick, HTTP on `port`. */
  async function copyFromPalette(port = 9127): Promise<string | undefined> {
    const pending = vscode.commands.executeCommand<string | undefined>('mcpHarness.copyGatewayConfig', undefined, { transport: 'http', port });
    // The pick and its items reach the workbench before this command does: Claude Desktop is first, Cursor next.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await acceptQuickInput();
    return pending;
  }

  it('from the palette, asks whether to include the token; "include" puts the token file\'s token in the snippet', async () => {
    writeToken();
    answer = true;
    const text = await copyFromPalette();
    assert.equal(asked, 1, 'the question was asked once');
    assert.ok(text, 'something was copied');
    assert.equal(JSON.parse(text).mcpServers['mcp-harness'].headers.Authorization, `Bearer ${TOKEN}`);
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  it('from the palette, "refer to the token" leaves it out of the snippet', async () => {
    writeToken();
    answer = false;
    const text = await copyFromPalette();
    assert.equal(asked, 1);
    assert.ok(text && !text.includes(TOKEN), text);
    assert.equal(JSON.parse(text).mcpServers['mcp-harness'].headers.Authorization, 'Bearer ${env:MCP_HARNESS_GATEWAY_TOKEN}');
  });

  it('from the palette, cancelling the question copies nothing', async () => {
    writeToken();
    answer = undefined;
    assert.equal(await copyFromPalette(), undefined);
    assert.equal(asked, 1);
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });

  it('a caller that names the target is not asked: the token is referred to', async () => {
    writeToken();
    const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', 'cursor', { transport: 'http', port: 9128 });
    assert.equal(asked, 0);
    assert.ok(text && !text.includes(TOKEN), text);
  });

  it('a caller that passes includeToken is not asked, and gets the token in the snippet', async () => {
    writeToken();
    const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', 'vscode', { transport: 'http', port: 9128, includeToken: true });
    assert.equal(asked, 0);
    assert.equal(JSON.parse(text).servers['mcp-harness'].headers.Authorization, `Bearer ${TOKEN}`);
  });

  it('copies nothing when the token is to be included but there is no token file yet, or others can read it', async () => {
    const copy = () => vscode.commands.executeCommand<string | undefined>('mcpHarness.copyGatewayConfig', 'cursor', { transport: 'http', port: 9128, includeToken: true });
    assert.equal(await copy(), undefined, 'no token file');
    writeToken(0o644);
    assert.equal(await copy(), undefined, 'a token file others can read');
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });

  for (const port of [0, 65536, 8931.5, '80a', 'http', -1]) {
    it(`refuses the port ${JSON.stringify(port)} instead of using another`, async () => {
      const text = await vscode.commands.executeCommand<string | undefined>('mcpHarness.copyGatewayConfig', 'cursor', { transport: 'http', port });
      assert.equal(text, undefined);
      assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
    });
  }

  it('takes a port given as digits', async () => {
    const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', 'cursor', { transport: 'http', port: '9129' });
    assert.equal(JSON.parse(text).mcpServers['mcp-harness'].url, 'http://127.0.0.1:9129/mcp');
  });
});
