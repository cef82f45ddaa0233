// What src/ tells users to run or set must exist: every "MCP: …" / "MCP Harness: …" command title in a
// string is one package.json contributes, and every `mcpHarness.…` name is a contributed setting, command
// or view (or one of the few internal keys listed below). Also: log records are told apart in one place.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../../..');

interface Contributes {
  commands: { command: string; title: string; category?: string }[];
  configuration: { properties: Record<string, unknown> };
  views: Record<string, { id: string }[]>;
  viewsContainers?: Record<string, { id: string }[]>;
}
const contributes = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { contributes: Contributes }).contributes;

/** Names src/ uses that are not contributed on purpose: storage keys, context keys, webview types. */
const INTERNAL = new Set([
  'mcpHarness.a.b', // an example in a comment of guards/settings.ts
  'mcpHarness.sampling.allowed.v1',
  'mcpHarness.consent.v1',
  'mcpHarness.gateway.token',
  'mcpHarness.inputs.index.v1',
  'mcpHarness.input',
  'mcpHarness.lint.config',
  'mcpHarness.lint.tools',
  'mcpHarness.lint.source',
  'mcpHarness.tracePanel',
  'mcpHarness.tracePanel.source',
  'mcpHarness.tracePanel.selection',
  'mcpHarness.sessionsFiltered', // a context key for the Sessions view's when clauses
]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(file) : /\.(ts|tsx|js|mjs|html|css)$/.test(e.name) ? [file] : [];
  });
}

/** Each line of src/ that is not a comment, with where it is. */
function codeLines(): { where: string; text: string }[] {
  return sourceFiles(path.join(repo, 'src')).flatMap((file) =>
    fs.readFileSync(file, 'utf8').split('\n').flatMap((text, i) => (/^\s*(\/\/|\*|\/\*)/.test(text) ? [] : [{ where: `${path.relative(repo, file)}:${i + 1}`, text }])),
  );
}

/** The command titles a line names, as far as they go ("MCP: Run Session" in `use "MCP: Run Session".`). */
export function unknownCommandTitles(text: string, titles: string[]): string[] {
  const unknown: string[] = [];
  for (const m of text.matchAll(/MCP(?: Harness)?: [A-Z]/g)) {
    const rest = text.slice(m.index);
    if (!titles.some((t) => rest.startsWith(t))) unknown.push(rest.slice(0, 40));
  }
  return unknown;
}

describe('names src/ shows to users exist in package.json', () => {
  const titles = contributes.commands.map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));

  it('every "MCP: …" command title in src/ is a contributed command', () => {
    const wrong = codeLines().flatMap(({ where, text }) => unknownCommandTitles(text, titles).map((t) => `${where}: ${t}`));
    assert.deepEqual(wrong, []);
  });

  it('the title check fails on a command that does not exist and passes on one that does', () => {
    assert.deepEqual(unknownCommandTitles('Check that the servers start (MCP: Show Servers / mcp-harness servers).', titles), ['MCP: Show Servers / mcp-harness servers)']);
    assert.deepEqual(unknownCommandTitles('Run a session with "MCP: Run Session".', titles), []);
  });

  it('every mcpHarness.… name in src/ is a contributed setting, command or view, or a listed internal key', () => {
    const known = new Set([
      ...Object.keys(contributes.configuration.properties),
      ...contributes.commands.map((c) => c.command),
      ...Object.values(contributes.views).flat().map((v) => v.id),
      ...Object.values(contributes.viewsContainers ?? {}).flat().map((v) => v.id),
    ]);
    // A settings group ("mcpHarness.sandbox" in `mcpHarness.sandbox.*`) is known when a setting is in it.
    const isKnown = (name: string) => known.has(name) || INTERNAL.has(name) || [...known].some((k) => k.startsWith(`${name}.`));
    const wrong = codeLines().flatMap(({ where, text }) => [...text.matchAll(/mcpHarness(?:\.[A-Za-z0-9_]+)+/g)].filter((m) => !isKnown(m[0])).map((m) => `${where}: ${m[0]}`));
    assert.deepEqual(wrong, []);
    // The internal list holds only names still used: a stale entry would hide a future typo.
    const used = new Set(sourceFiles(path.join(repo, 'src')).flatMap((f) => fs.readFileSync(f, 'utf8').match(/mcpHarness(?:\.[A-Za-z0-9_]+)+/g) ?? []));
    assert.deepEqual([...INTERNAL].filter((n) => !used.has(n)), []);
  });

  it('log records are told apart only by isLogRecord (src/core/report/model.ts)', () => {
    const own = codeLines().filter(({ where, text }) => !where.startsWith(path.join('src', 'core', 'report', 'model.ts')) && /kind\s*[!=]==?\s*'log'|'log'\s*[!=]==?\s*[\w.]*kind\b/.test(text));
    assert.deepEqual(own.map((l) => l.where), []);
  });
});
