// Resources in read-only editors: `mcp-harness-resource:/<server>/<name>?uri=<resource uri>` documents whose text is
// the resource's text contents; an image resource opens in VS Code's image preview instead (the bytes are
// written to the extension's storage first, since the preview reads files). A `resources/updated`
// notification for an open resource re-reads it.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { Disposable } from '../disposable';
import type { ClientServerFeatures } from './serverFeatures';

// Not 'mcp-resource': VS Code's own MCP support owns that scheme (a file system provider).
export const RESOURCE_SCHEME = 'mcp-harness-resource';

type Content = ReadResourceResult['contents'][number];

const LANGUAGE_BY_MIME: Record<string, string> = {
  'application/json': 'json',
  'text/markdown': 'markdown',
  'text/html': 'html',
  'text/css': 'css',
  'text/javascript': 'javascript',
  'application/javascript': 'javascript',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/yaml': 'yaml',
  'text/x-python': 'python',
};

const IMAGE_EXTENSIONS: Record<string, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/svg+xml': 'svg', 'image/bmp': 'bmp',
};

export function resourceDocumentUri(server: string, uri: string): vscode.Uri {
  const tail = uri.replace(/[?#].*$/, '').split('/').filter(Boolean).pop() ?? 'resource';
  return vscode.Uri.from({ scheme: RESOURCE_SCHEME, path: `/${server}/${tail}`, query: new URLSearchParams({ uri }).toString() });
}

export function parseResourceDocumentUri(doc: vscode.Uri): { server: string; uri: string } | undefined {
  const server = doc.path.split('/')[1];
  const uri = new URLSearchParams(doc.query).get('uri');
  return server && uri ? { server, uri } : undefined;
}

function isText(c: Content): c is Content & { text: string } {
  return typeof (c as { text?: unknown }).text === 'string';
}

/** What a text editor shows for the contents: texts as they are, other binary parts as a line saying what they are. */
export function resourceText(result: ReadResourceResult): string {
  const parts = result.contents.map((c) => {
    if (isText(c)) return c.text;
    const blob = (c as { blob?: string }).blob ?? '';
    return `(${c.mimeType ?? 'binary'} content of ${c.uri}: ${Buffer.from(blob, 'base64').byteLength} bytes, not text)`;
  });
  if (parts.length === 0) return '(the server returned no contents for this resource)';
  return parts.length === 1 ? parts[0] : result.contents.map((c, i) => `--- ${c.uri} (${c.mimeType ?? 'unknown type'}) ---\n${parts[i]}`).join('\n\n');
}

export class ResourceDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  /** The last read of each open document, so opening does not read twice. */
  private readonly lastRead = new Map<string, ReadResourceResult>();

  constructor(
    private readonly features: ClientServerFeatures,
    private readonly storage: vscode.Uri,
  ) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(RESOURCE_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.lastRead.delete(d.uri.toString())));
  }

  async provideTextDocumentContent(doc: vscode.Uri): Promise<string> {
    const key = doc.toString();
    let result = this.lastRead.get(key);
    if (!result) {
      const ref = parseResourceDocumentUri(doc);
      if (!ref) return `This is not a resource address MCP Harness can read: ${doc.toString()}`;
      result = await this.features.readResource(ref.server, ref.uri);
      this.lastRead.set(key, result);
    }
    return resourceText(result);
  }

  /** Reads the resource and shows it: an image in the image preview, anything else in a read-only editor. */
  async open(server: string, uri: string): Promise<vscode.Uri> {
    const result = await this.features.readResource(server, uri);
    const image = result.contents.find((c) => !isText(c) && c.mimeType && IMAGE_EXTENSIONS[c.mimeType]);
    if (image) {
      const file = await this.writeImage(server, uri, image as Content & { blob: string; mimeType: string });
      await vscode.commands.executeCommand('vscode.open', file, { preview: true });
      return file;
    }
    const docUri = resourceDocumentUri(server, uri);
    this.lastRead.set(docUri.toString(), result);
    this.changed.fire(docUri);
    const doc = await vscode.workspace.openTextDocument(docUri);
    const language = LANGUAGE_BY_MIME[result.contents[0]?.mimeType ?? ''];
    const shown = language && doc.languageId !== language ? await vscode.languages.setTextDocumentLanguage(doc, language) : doc;
    await vscode.window.showTextDocument(shown, { preview: true });
    return docUri;
  }

  /** A `resources/updated` notification: open documents of that resource read it again. */
  resourceUpdated(server: string, uri: string): void {
    for (const doc of vscode.workspace.textDocuments) {
      const ref = doc.uri.scheme === RESOURCE_SCHEME ? parseResourceDocumentUri(doc.uri) : undefined;
      if (ref?.server === server && ref.uri === uri) {
        this.lastRead.delete(doc.uri.toString());
        this.changed.fire(doc.uri);
      }
    }
  }

  private async writeImage(server: string, uri: string, content: { blob: string; mimeType: string }): Promise<vscode.Uri> {
    const dir = vscode.Uri.joinPath(this.storage, 'resource-previews');
    await vscode.workspace.fs.createDirectory(dir);
    const name = crypto.createHash('sha256').update(`${server}\n${uri}`).digest('hex').slice(0, 16);
    const file = vscode.Uri.joinPath(dir, `${name}.${IMAGE_EXTENSIONS[content.mimeType]}`);
    await vscode.workspace.fs.writeFile(file, Buffer.from(content.blob, 'base64'));
    return file;
  }
}
