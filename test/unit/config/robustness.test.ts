import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { discover, parseConfigFile, WORKSPACE_KINDS, type ConfigKind } from '../../../src/core/config';
import { parseDotenv } from '../../../src/core/config/dotenv';

const KINDS: ConfigKind[] = [...WORKSPACE_KINDS, 'claude-desktop'];

// Text that is likely to reach deep into the parser: JSON-ish fragments, variables, escapes.
const fragment = fc.constantFrom(
  '{', '}', '[', ']', ':', ',', '"', '\\', '\\u00', '//', '/*', '*/', '\n', '\r\n', ' ', 'null', 'true', '1e', '-',
  '"servers"', '"mcpServers"', '"inputs"', '"command"', '"args"', '"env"', '"url"', '"httpUrl"', '"serverUrl"', '"type"',
  '"stdio"', '"http"', '"sse"', '"envFile"', '"cwd"', '"headers"', '"timeout"', '"dev"', '"id"', '"options"',
  '"${env:X}"', '"${input:k}"', '"${A:-b}"', '"${workspaceFolder}"', '"${"', '"\\u0024{x}"', '\uFEFF', '😀',
);
const configText = fc.oneof(fc.string(), fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join('')));

describe('robustness: bad input never throws', () => {
  it('parseConfigFile returns problems inside the text for any input, in every format', () => {
    fc.assert(
      fc.property(configText, fc.constantFrom(...KINDS), (text, kind) => {
        const result = parseConfigFile(text, '/ws/f.json', kind, kind === 'claude-desktop' ? undefined : '/ws', { env: { X: 'x' }, home: '/h', platform: 'linux' });
        for (const p of result.problems) {
          assert.ok(p.range.offset >= 0 && p.range.length >= 0 && p.range.offset + p.range.length <= text.length, JSON.stringify({ text, p }));
          assert.ok(p.message.length > 0);
        }
        for (const d of result.definitions) {
          assert.match(d.hash, /^[0-9a-f]{64}$/);
          assert.ok(d.source.nameRange.offset + d.source.nameRange.length <= text.length);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('parseDotenv keeps problem ranges inside the text for any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom('A', '=', '"', "'", '`', '#', '\n', '\r\n', ' ', 'export ', '\\', ':', 'x'), { maxLength: 40 }).map((p) => p.join(''))), (text) => {
        const { problems } = parseDotenv(text);
        for (const p of problems) assert.ok(p.range.offset >= 0 && p.range.offset + p.range.length <= text.length);
      }),
      { numRuns: 600 },
    );
  });

  it('discover survives any file content and any resolver behaviour', async () => {
    await fc.assert(
      fc.asyncProperty(configText, fc.constantFrom('value', 'undefined', 'throw'), async (text, behaviour) => {
        const result = await discover({
          folders: ['/virtual'],
          env: {},
          home: '/h',
          platform: 'linux',
          readFile: async (file) => (file.endsWith('.env') ? 'A=1' : text),
          resolveInput: async () => {
            if (behaviour === 'throw') throw new Error('no');
            return behaviour === 'value' ? 'v' : undefined;
          },
        });
        assert.equal(result.files.length, 5);
      }),
      { numRuns: 150 },
    );
  });
});

describe('secrets stay out of messages and notes', () => {
  it('never puts resolved values into notes, problems or errors', async () => {
    const secret = 'SUPER-SECRET-VALUE';
    const files: Record<string, string> = {
      '/w/.vscode/mcp.json': JSON.stringify({
        inputs: [{ id: 'k', type: 'pickString', options: ['a'] }],
        servers: {
          s: { command: 'x', env: { TOKEN: '${env:TOKEN}', PICK: '${input:k}' }, url: 'ftp://${env:TOKEN}' },
          h: { type: 'http', url: 'mailto:${env:TOKEN}' },
        },
      }),
      '/w/.mcp.json': JSON.stringify({ mcpServers: { s: { command: 'x', env: { TOKEN: 'other' } } } }),
    };
    const result = await discover({
      folders: ['/w'],
      env: { TOKEN: secret },
      platform: 'linux',
      readFile: async (f) => files[f],
      resolveInput: async () => secret,
    });
    const visible = JSON.stringify([result.problems, result.definitions.map((d) => [d.notes, d.error])]);
    assert.ok(result.problems.length >= 2);
    assert.ok(!visible.includes(secret), visible);
  });
});
