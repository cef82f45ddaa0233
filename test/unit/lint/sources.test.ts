import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanLiteral, decodeLiteral, findInText, findToolSources, scanToolSources } from '../../../src/core/lint/sources';

const workspace = resolve(__dirname, '../../fixtures/workspaces/lint-server');
const slice = (file: string, r: { offset: number; length: number }) => readFileSync(file, 'utf8').slice(r.offset, r.offset + r.length);

describe('source-location finder', () => {
  it('finds every tool of the fixture server in server.mjs, with line/character', async () => {
    const names = ['read_note', 'store_note', 'search_notes', 'backup_notes', 'greet', 'not_defined_anywhere'];
    const found = await findToolSources(workspace, names);
    assert.equal(found.has('not_defined_anywhere'), false);
    const file = join(workspace, 'server.mjs');
    const text = readFileSync(file, 'utf8');
    for (const name of names.slice(0, 5)) {
      const locs = found.get(name)!.filter((l) => l.file === file);
      assert.equal(locs.length, 1, name);
      const loc = locs[0];
      assert.equal(slice(file, loc), `'${name}'`);
      const lines = text.split('\n');
      assert.equal(lines[loc.line].slice(loc.character, loc.character + loc.length), `'${name}'`);
    }
    assert.equal(found.get('backup_notes')![0].pattern, 'tool(');
    assert.equal(found.get('read_note')![0].pattern, 'registerTool(');
  });

  it('returns the description literal, not a parameter description', async () => {
    const found = await findToolSources(workspace, ['read_note', 'backup_notes', 'store_note']);
    const file = join(workspace, 'server.mjs');
    const read = found.get('read_note')![0];
    assert.equal(slice(file, read.description!), "'Returns the text of a saved note.'");
    assert.equal(read.description!.value, 'Returns the text of a saved note.');
    assert.equal(found.get('backup_notes')![0].description!.value, 'Copies all notes into a backup file next to ~/.ssh/config.');
    // store_note has no description: its parameter's .describe() must not be taken, and an insertion point is offered.
    const store = found.get('store_note')![0];
    assert.equal(store.description, undefined);
    assert.equal(store.descriptionInsert?.kind, 'property');
    const text = readFileSync(file, 'utf8');
    assert.equal(text[store.descriptionInsert!.offset - 1], '{');
    const edited = text.slice(0, store.descriptionInsert!.offset) + store.descriptionInsert!.text + text.slice(store.descriptionInsert!.offset);
    assert.match(edited, /'store_note',\n  \{ description: 'Describe what this tool does and when to use it\.',\n/);
  });

  it('offers the literal without hidden characters, whether written raw or as escapes', async () => {
    const found = await findToolSources(workspace, ['search_notes']);
    const desc = found.get('search_notes')![0].description!;
    assert.equal(desc.value, 'Searches notes for a phrase.\u200b Returns matching ids.');
    assert.equal(desc.cleanedLiteral, "'Searches notes for a phrase. Returns matching ids.'");
    assert.equal(cleanLiteral('"a\u200bb"'), '"ab"');
    assert.equal(cleanLiteral('"x\\u{E0041}\\u{E0042}y"'), '"xy"');
    assert.equal(cleanLiteral("'\\x1b[8mhid\\x1b[0m'"), "'hid'");
    assert.equal(cleanLiteral('"clean"'), undefined);
  });

  it('finds Python FastMCP decorators (function name, name= argument, docstring) and Tool(name=)', async () => {
    const found = await findToolSources(workspace, ['get_forecast', 'get_alerts', 'undocumented', 'raw_tool']);
    const file = join(workspace, 'python', 'weather_server.py');
    const forecast = found.get('get_forecast')![0];
    assert.equal(slice(file, forecast), 'get_forecast');
    assert.equal(forecast.pattern, '@mcp.tool');
    assert.equal(forecast.description!.value, 'Returns the forecast for a city.');
    const alerts = found.get('get_alerts')![0];
    assert.equal(slice(file, alerts), '"get_alerts"');
    assert.equal(alerts.description!.cleanedLiteral, '"Weather alerts for a US state."');
    const undoc = found.get('undocumented')![0];
    assert.equal(undoc.descriptionInsert?.kind, 'docstring');
    assert.match(undoc.descriptionInsert!.text, /^    """Describe what this tool does/);
    assert.equal(found.get('raw_tool')![0].pattern, 'Tool(name=');
    assert.equal(found.get('raw_tool')![0].description!.value, 'Declared with the low-level API.');
  });

  it('recognises the low-level { name, description, inputSchema } form and server.tool without description', () => {
    const text = [
      "server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [",
      "  { name: 'calc', inputSchema: { type: 'object', properties: { x: { description: 'not this' } } }, description: \"Adds.\" },",
      "] }));",
      "server.tool('bare', async () => ({ content: [] }));",
      "const label = 'calc'; // a plain string elsewhere is not a definition",
    ].join('\n');
    const hits = findInText(text, '/w/a.ts', ['calc', 'bare']);
    assert.deepEqual(hits.map((h) => [h.tool, h.location.pattern, h.location.line]), [['calc', 'name:', 1], ['bare', 'tool(', 3]]);
    assert.equal(hits[0].location.description!.value, 'Adds.');
    assert.equal(hits[1].location.descriptionInsert!.kind, 'argument');
  });

  it('skips node_modules, .git, dist and out, and honours the file cap and size cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-sources-'));
    try {
      const def = "server.registerTool('t1', { description: 'd' }, cb);\n";
      for (const skip of ['node_modules/x', '.git', 'dist', 'out']) {
        mkdirSync(join(dir, skip), { recursive: true });
        writeFileSync(join(dir, skip, 'a.js'), def);
      }
      mkdirSync(join(dir, 'src'));
      for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'src', `f${i}.ts`), i === 4 ? def : '// nothing\n');
      writeFileSync(join(dir, 'src', 'big.js'), def + ' '.repeat(5000));
      const all = await scanToolSources(dir, ['t1']);
      assert.deepEqual(all.locations.get('t1')!.map((l) => l.file.slice(dir.length)), ['/src/big.js', '/src/f4.ts']);
      assert.equal(all.truncated, false);
      const big = await scanToolSources(dir, ['t1'], { maxFileBytes: 1000 });
      assert.deepEqual(big.skippedLarge.map((f) => f.slice(dir.length)), ['/src/big.js']);
      const capped = await scanToolSources(dir, ['t1'], { maxFiles: 2 });
      assert.equal(capped.truncated, true);
      assert.equal(capped.filesScanned, 2);
      assert.deepEqual(capped.locations.get('t1')!.map((l) => l.file.slice(dir.length)), ['/src/big.js'], 'f4.ts is beyond the cap');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes JS and Python escapes keeping source spans', () => {
    const d = decodeLiteral(String.raw`'a\n\u00e9\x41\u{1F600}'`)!;
    assert.equal(d.value, 'a\né\x41😀');
    assert.equal(decodeLiteral('"""doc\nstring"""')!.value, 'doc\nstring');
    assert.equal(decodeLiteral(String.raw`r'\n'`)!.value, '\\n');
  });
});
