// The read-only `mcp-tool:` documents: one per tool, the tool's definition as pretty JSON (the same text
// the core's toolDocument() computes ranges for). `mcp-tool:/<server>/<tool>.json` is the live definition;
// with the query `pinned` it is the definition recorded in the lockfile (the left side of a review diff).
import * as vscode from 'vscode';
import { toolDocument, type ToolDocument } from '../../core/lint';

export const TOOL_SCHEME = 'mcp-tool';

/** live: the definition as the server sent it; pinned: the lockfile's; pending: the new one awaiting review (canonical, like the pinned one, so a diff shows only real changes). */
export type ToolVariant = 'live' | 'pinned' | 'pending';

export function toolUri(server: string, tool: string, variant: ToolVariant = 'live'): vscode.Uri {
  return vscode.Uri.from({
    scheme: TOOL_SCHEME,
    path: `/${encodeURIComponent(server)}/${encodeURIComponent(tool)}.json`,
    ...(variant !== 'live' ? { query: variant } : {}),
  });
}

export function parseToolUri(uri: vscode.Uri): { server: string; tool: string; variant: ToolVariant } | undefined {
  if (uri.scheme !== TOOL_SCHEME) return undefined;
  const m = /^\/([^/]+)\/(.+)\.json$/.exec(uri.path);
  if (!m) return undefined;
  try {
    const variant: ToolVariant = uri.query === 'pinned' || uri.query === 'pending' ? uri.query : 'live';
    return { server: decodeURIComponent(m[1]), tool: decodeURIComponent(m[2]), variant };
  } catch {
    return undefined;
  }
}

export interface ToolSource {
  /** The definition of a tool in the given variant, or undefined when there is none. */
  definition(server: string, tool: string, variant: ToolVariant): unknown;
}

export class ToolDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly cache = new Map<string, { definition: unknown; doc: ToolDocument }>();

  constructor(private readonly source: ToolSource) {}

  /** The document (text + range lookup) for a tool, cached while the definition object is the same. */
  document(server: string, tool: string, variant: ToolVariant = 'live'): ToolDocument | undefined {
    const definition = this.source.definition(server, tool, variant);
    if (definition === undefined) return undefined;
    const key = `${variant}\n${server}\n${tool}`;
    const hit = this.cache.get(key);
    if (hit && hit.definition === definition) return hit.doc;
    const doc = toolDocument(definition);
    this.cache.set(key, { definition, doc });
    return doc;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const parsed = parseToolUri(uri);
    if (!parsed) return `// ${uri.toString()} is not an MCP tool address (expected mcp-tool:/<server>/<tool>.json).\n`;
    const doc = this.document(parsed.server, parsed.tool, parsed.variant);
    if (doc) return doc.text;
    if (parsed.variant === 'pending') return `// There is no pending change of "${parsed.tool}" on server "${parsed.server}" (it was accepted, or the server changed back).\n`;
    return parsed.variant === 'pinned'
      ? `// No pinned definition of "${parsed.tool}" on server "${parsed.server}" is recorded in .mcp-harness/tools.lock.json.\n`
      : `// The server "${parsed.server}" has not listed a tool named "${parsed.tool}". Start the server (MCP Harness: Start Server) and open this document again.\n`;
  }

  /** Tells open editors that a server's tools changed. */
  refresh(server: string): void {
    for (const doc of vscode.workspace.textDocuments) {
      const parsed = parseToolUri(doc.uri);
      if (parsed?.server === server) this.changed.fire(doc.uri);
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.cache.clear();
  }
}
