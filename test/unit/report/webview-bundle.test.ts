// The webview bundle must run under a strict CSP in a browser: built from the current sources,
// it has no Node modules, no eval, no remote loads, and no inline style attributes in markup.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const repo = join(__dirname, '..', '..', '..');

describe('webview bundle', function () {
  this.timeout(60_000);
  let code = '';
  before(async () => {
    const out = await esbuild.build({
      entryPoints: [join(repo, 'webview', 'main.ts')],
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      write: false,
      loader: { '.css': 'text' },
      logLevel: 'silent',
    });
    code = out.outputFiles[0].text;
  });

  it('builds for the browser without Node modules', () => {
    assert.ok(code.length > 10_000);
    assert.doesNotMatch(code, /require\(["'](node:|fs|path|crypto|child_process)/);
  });

  it('uses no eval or new Function (a nonce CSP forbids them)', () => {
    assert.doesNotMatch(code, /\beval\(|new Function\(/);
  });

  it('loads nothing remote', () => {
    const urls = [...code.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
    // Only namespace URIs and documentation links in comments/messages, never fetched.
    for (const u of urls) assert.match(u, /^(http:\/\/www\.w3\.org\/2000\/svg|https:\/\/developer\.mozilla\.org\/|https:\/\/vscode-elements\.github\.io\/)/, u);
    assert.doesNotMatch(code, /\bfetch\(|XMLHttpRequest|importScripts/);
  });

  it('never writes style attributes through markup (the CSSOM is used instead)', () => {
    const ours = code.slice(code.indexOf('mh-app'));
    assert.doesNotMatch(ours, /setAttribute\(\s*["']style["']/);
  });
});
