// `npm run package` (and so `npm run demo`, the README's first command) must produce a VSIX: vsce refuses
// to package for reasons no other test sees (e.g. a relative link in README.md), and the VSIX must carry
// every bundle the extension loads at run time — it ships no node_modules.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../../..');

describe('VSIX packaging', function () {
  this.timeout(180_000);

  it('vsce packages the built extension with every bundle it loads and nothing else', () => {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-harness-vsix-'));
    try {
      const vsix = path.join(dir, 'test.vsix');
      const vsce = path.join(repo, 'node_modules/@vscode/vsce/vsce');
      const res = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', vsix], { cwd: repo, encoding: 'utf8' });
      assert.equal(res.status, 0, `vsce package failed:\n${res.stdout}\n${res.stderr}`);
      const listing = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: repo, encoding: 'utf8' });
      assert.equal(listing.status, 0, listing.stderr);
      const files = listing.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/extension.js', 'dist/cli.js', 'dist/tokenizer.js', 'dist/o200k_base.bpe', 'dist/cl100k_base.bpe', 'dist/xlsx.js', 'dist/otel-sdk.js', 'dist/conformance.js',
        'dist/sandbox-worker.js', 'dist/quickjs-release-sync.wasm', 'dist/webview.js', 'schemas/mcp-session.schema.json']) {
        assert.ok(files.includes(f), `${f} is missing from the VSIX: ${files.join(', ')}`);
      }
      assert.deepEqual(files.filter((f) => f.startsWith('node_modules/') || f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/')), []);
      assert.ok(fs.statSync(vsix).size > 100_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
