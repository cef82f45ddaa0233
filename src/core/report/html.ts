// The self-contained HTML report: the trace explorer bundle inlined, the runs embedded as JSON,
// a CSP that allows exactly those inline blocks (by hash) and nothing remote. Opens offline.
// The runs are embedded in chunks (embedded.ts) so the page paints from a small parse.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEBVIEW_DATA_ID, WEBVIEW_ROOT_ID, type BadLine } from '../../protocol/messages';
import { CHUNK_STEPS, FIRST_SCREEN_STEPS, chunkBlockId, type EmbeddedChunk, type EmbeddedReport } from './embedded';
import { maskValue } from './mask';
import type { TraceRun } from './model';

export interface HtmlReportOptions {
  title?: string;
  badLines?: BadLine[];
  /** The webview bundle's source; by default read from dist/webview.js (see locateWebviewBundle). */
  script?: string;
  now?: Date;
}

export class WebviewBundleMissingError extends Error {}

/** dist/webview.js next to the running bundle (dist/cli.js, dist/extension.js) or the repo's dist/. */
export function locateWebviewBundle(): string {
  const candidates = [join(__dirname, 'webview.js'), join(__dirname, '..', 'dist', 'webview.js'), join(__dirname, '..', '..', '..', 'dist', 'webview.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new WebviewBundleMissingError(
      `the trace explorer bundle (webview.js) was not found next to ${__dirname}; run \`npm run build\` (node esbuild.mjs) and try again.`,
    );
  }
  return found;
}

/** JSON safe to put inside <script>: no `<` (so no `</script>` or `<!--`), no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** JavaScript safe to inline: a literal `</script` or `<!--` in the bundle would end the block early. */
export function scriptForInline(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--').replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const BASE_STYLE = 'html,body{margin:0;padding:0;height:100%;}';

export function writeHtmlReport(runs: readonly TraceRun[], options: HtmlReportOptions = {}): string {
  const script = scriptForInline(options.script ?? readFileSync(locateWebviewBundle(), 'utf8'));
  const title = options.title ?? (runs.length === 1 ? `MCP Harness trace — ${runs[0].header?.name ?? runs[0].id}` : `MCP Harness traces — ${runs.length} sessions`);
  const masked = runs.map((r) => ({
    ...r,
    steps: r.steps.map((s) => ({
      ...s,
      ...(s.args !== undefined ? { args: maskValue(s.args) } : {}),
      ...(s.output !== undefined ? { output: maskValue(s.output) } : {}),
    })),
  }));
  const chunks: EmbeddedChunk[] = [];
  for (const run of masked) {
    for (let at = FIRST_SCREEN_STEPS; at < run.steps.length; at += CHUNK_STEPS) chunks.push({ sessionId: run.id, steps: run.steps.slice(at, at + CHUNK_STEPS) });
  }
  const data: EmbeddedReport = {
    kind: 'mcp-harness-report',
    title,
    generatedAt: (options.now ?? new Date()).toISOString(),
    runs: masked.map((r) => ({ ...r, steps: r.steps.slice(0, FIRST_SCREEN_STEPS) })),
    badLines: options.badLines ?? [],
    chunks: chunks.length,
  };
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(BASE_STYLE)}`,
    'img-src data:',
    'media-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="MCP Harness">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${BASE_STYLE}</style>`,
    '</head>',
    '<body>',
    `<div id="${WEBVIEW_ROOT_ID}"></div>`,
    `<script type="application/json" id="${WEBVIEW_DATA_ID}">${jsonForScript(data)}</script>`,
    ...chunks.map((chunk, i) => `<script type="application/json" id="${chunkBlockId(i + 1)}">${jsonForScript(chunk)}</script>`),
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
