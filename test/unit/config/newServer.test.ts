import * as assert from 'node:assert/strict';
import { parseCommandLine, serverNameProblem, serverUrlProblem, suggestServerName } from '../../../src/core/config/newServer';

describe('Add Server: what the user typed', () => {
  it('splits a command line like a spawn does: quotes keep spaces, variables and backslashes stay as written', () => {
    assert.deepEqual(parseCommandLine('npx -y @modelcontextprotocol/server-everything'), { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] });
    assert.deepEqual(parseCommandLine('  node "${workspaceFolder}/my server.js" --root=\'a b\'  '), { command: 'node', args: ['${workspaceFolder}/my server.js', '--root=a b'] });
    assert.deepEqual(parseCommandLine('python -m srv $HOME ${env:TOKEN}'), { command: 'python', args: ['-m', 'srv', '$HOME', '${env:TOKEN}'] });
    assert.deepEqual(parseCommandLine('C:\\tools\\srv.exe --port 1'), { command: 'C:\\tools\\srv.exe', args: ['--port', '1'] });
    assert.deepEqual(parseCommandLine('node "it\'s.js" "say \\"hi\\"" \'\' "|"'), { command: 'node', args: ["it's.js", 'say "hi"', '', '|'] });
    assert.match(parseCommandLine('"" --flag').error ?? '', /The command is empty/);
  });

  it('refuses an empty line, an unclosed quote and shell syntax, saying what to do', () => {
    assert.match(parseCommandLine('   ').error ?? '', /Enter the command that starts the server/);
    assert.match(parseCommandLine('node "server.js').error ?? '', /double quote is not closed/);
    assert.match(parseCommandLine("node 'server.js").error ?? '', /single quote is not closed/);
    assert.match(parseCommandLine('uvx mcp-server-fetch | tee log.txt').error ?? '', /"\|" is shell syntax.*put the pipeline in a script/);
    assert.match(parseCommandLine('cd x && node s.js').error ?? '', /"&&" is shell syntax/);
  });

  it('takes http(s) URLs only', () => {
    assert.equal(serverUrlProblem('https://example.com/mcp'), undefined);
    assert.equal(serverUrlProblem(' http://127.0.0.1:8931/mcp '), undefined);
    assert.match(serverUrlProblem('') ?? '', /Enter the URL/);
    assert.match(serverUrlProblem('127.0.0.1:9/mcp') ?? '', /not a URL: start it with https:\/\//);
    assert.match(serverUrlProblem('example.com/mcp') ?? '', /not a URL/);
    assert.match(serverUrlProblem('ftp://example.com/mcp') ?? '', /http:\/\/ or https:\/\/, not ftp:\/\//);
    assert.match(serverUrlProblem('https://') ?? '', /not a valid URL/);
  });

  it('refuses a name with "/", control characters, or one the file already has', () => {
    const taken = new Set(['memory']);
    assert.equal(serverNameProblem('fetch', taken, 'mcp.json'), undefined);
    assert.equal(serverNameProblem('my server', taken, 'mcp.json'), undefined);
    assert.match(serverNameProblem('  ', taken, 'mcp.json') ?? '', /Give the server a name/);
    assert.match(serverNameProblem('a/b', taken, 'mcp.json') ?? '', /cannot contain "\/": tools are named "server\/tool"/);
    assert.match(serverNameProblem('a\tb', taken, 'mcp.json') ?? '', /control characters/);
    assert.match(serverNameProblem(' memory ', taken, 'mcp.json') ?? '', /"memory" already exists in mcp\.json/);
  });

  it('suggests a name from the package, program or host, unique in the file', () => {
    const none = new Set<string>();
    const cmd = (line: string) => parseCommandLine(line) as { command: string; args: string[] };
    assert.equal(suggestServerName(cmd('npx -y @modelcontextprotocol/server-memory'), none), 'memory');
    assert.equal(suggestServerName(cmd('npx -y @acme/weather-mcp@1.2.3'), none), 'weather');
    assert.equal(suggestServerName(cmd('uvx mcp-server-fetch'), none), 'fetch');
    assert.equal(suggestServerName(cmd('docker run -i --rm mcp/github'), none), 'github');
    assert.equal(suggestServerName(cmd('node ./build/index.js'), none), 'index');
    assert.equal(suggestServerName(cmd('node ${workspaceFolder}/../../node_modules/@modelcontextprotocol/server-memory/dist/index.js'), none), 'memory');
    assert.equal(suggestServerName(cmd('node C:\\tools\\weather-mcp\\build\\main.js'), none), 'weather');
    assert.equal(suggestServerName(cmd('python3 servers/github_server.py'), none), 'github_server');
    assert.equal(suggestServerName(cmd('/opt/bin/my-tool --stdio'), none), 'my-tool');
    assert.equal(suggestServerName({ url: 'https://mcp.linear.app/sse' }, none), 'linear');
    assert.equal(suggestServerName({ url: 'http://127.0.0.1:8931/mcp' }, none), 'local-server');
    assert.equal(suggestServerName(cmd('npx -y @modelcontextprotocol/server-memory'), new Set(['memory', 'memory-2'])), 'memory-3');
  });
});
