// The self-contained HTML report: the trace explorer bundle inlined, the runs embedded as JSON,
// a CSP that allows exactly those inline blocks (by hash) and nothing remote. Opens offline.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEBVIEW_DATA_ID, WEBVIEW_ROOT_ID, type BadLine } from '../../protocol/messages';
import { maskValue } from './mask';
import type { TraceRun } from './model';

/** What the report page embeds and the webview reads at start instead of waiting for a host. */
export interface EmbeddedReport {
  kind: 'mcp-harness-report';
  title: string;
  generatedAt: string;
  runs: TraceRun[];
  badLines: BadLine[];
}

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
  const data: EmbeddedReport = {
    kind: 'mcp-harness-report',
    title,
    generatedAt: (options.now ?? new Date()).toISOString(),
    runs: runs.map((r) => ({
      ...r,
      steps: r.steps.map((s) => ({
        ...s,
        ...(s.args !== undefined ? { args: maskValue(s.args) } : {}),
        ...(s.output !== undefined ? { output: maskValue(s.output) } : {}),
      })),
    })),
    badLines: options.badLines ?? [],
  };
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(BASE_STYLE)}`,
    'img-src data:',
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
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
