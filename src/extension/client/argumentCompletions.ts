// Completions for the arguments of prompt and resource steps in session files, from the server itself
// (completion/complete): `{ "prompt": "server/name", "args": { "arg": "|" } }` and
// `{ "resource": "server/uri{template}", "args": { "var": "|" } }`. Only servers that already run are asked,
// and only when they declared the completions capability; nothing is started from the editor.
import { findNodeAtLocation, getLocation, type Node, parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import { nodeValue, splitToolRef } from '../sessions/document';
import { SESSION_SELECTOR } from '../sessions/language';
import type { ClientServerFeatures, CompletionRef } from './serverFeatures';

export interface ArgumentSite {
  server: string;
  ref: CompletionRef;
  argument: string;
  /** The text typed so far inside the string, up to the cursor. */
  prefix: string;
  /** The other arguments' literal string values, for context. */
  context: Record<string, string>;
  /** The string node being completed (for the replace range). */
  node?: Node;
}

/** What the cursor is on: an argument value of a prompt or resource step, or undefined. */
export function argumentSiteAt(text: string, offset: number): ArgumentSite | undefined {
  const loc = getLocation(text, offset);
  const p = loc.path;
  if (p.length !== 4 || p[0] !== 'steps' || p[2] !== 'args' || typeof p[3] !== 'string' || loc.isAtPropertyKey) return undefined;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const step = root && findNodeAtLocation(root, ['steps', p[1] as number]);
  if (!step) return undefined;
  const prompt = findNodeAtLocation(step, ['prompt'])?.value;
  const resource = findNodeAtLocation(step, ['resource'])?.value;
  const target = typeof prompt === 'string' ? prompt : typeof resource === 'string' ? resource : undefined;
  const split = target ? splitToolRef(target) : undefined;
  if (!split) return undefined;
  const ref: CompletionRef = typeof prompt === 'string' ? { type: 'ref/prompt', name: split.tool } : { type: 'ref/resource', uri: split.tool };
  const node = loc.previousNode?.type === 'string' ? loc.previousNode : undefined;
  const prefix = node ? text.slice(node.offset + 1, Math.max(node.offset + 1, offset)) : '';
  const args = (nodeValue(findNodeAtLocation(step, ['args'])) ?? {}) as Record<string, unknown>;
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (k !== p[3] && typeof v === 'string') context[k] = v;
  return { server: split.server, ref, argument: p[3], prefix, context, node };
}

export class ArgumentCompletions implements vscode.CompletionItemProvider {
  constructor(private readonly features: ClientServerFeatures) {}

  register(): vscode.Disposable {
    return vscode.languages.registerCompletionItemProvider(SESSION_SELECTOR, this, '"');
  }

  async provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const site = argumentSiteAt(doc.getText(), doc.offsetAt(position));
    if (!site || !(await this.features.canComplete(site.server).catch(() => false))) return [];
    const completion = await this.features.complete(site.server, site.ref, { name: site.argument, value: site.prefix }, site.context).catch(() => undefined);
    if (!completion) return [];
    const range = site.node
      ? new vscode.Range(doc.positionAt(site.node.offset + 1), doc.positionAt(site.node.offset + site.node.length - 1))
      : undefined;
    return completion.values.map((value, i) => {
      const item = new vscode.CompletionItem(value, vscode.CompletionItemKind.Value);
      item.detail = `from ${site.server}`;
      item.sortText = String(i).padStart(4, '0');
      item.range = range;
      // Without a string node yet (cursor after the colon) the quotes are part of the insertion.
      if (!site.node) item.insertText = JSON.stringify(value);
      return item;
    });
  }
}
