// Every command of the extension is in one Command Palette category, "MCP Harness" (VS Code's own MCP commands
// use "MCP"), and the README names them the way the palette shows them.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '../../..');

describe('package.json: command categories', () => {
  const commands = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string; category?: string }[] } }).contributes.commands;

  it('every command is in the "MCP Harness" category', () => {
    assert.deepEqual(commands.filter((c) => c.category !== 'MCP Harness').map((c) => c.command), []);
  });

  it('the README calls no command by another category', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const misnamed = commands.filter((c) => readme.includes(`"MCP: ${c.title}`) || readme.includes(`MCP: ${c.title}`)).map((c) => c.title);
    assert.deepEqual(misnamed, []);
  });
});
