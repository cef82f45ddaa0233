// "Run Prompt" from the Servers view: an argument form (one quick input per argument, with the server's
// completion/complete suggestions as the user types when it offers completions), then the prompt's messages
// in a read-only Markdown document. Each run gets its own `mcp-harness-prompt:` document: an untitled document
// made from content gets the next free "Untitled-N" name, and right after the previous one was closed the
// extension host can still hand back that closed document (with the old text) for the reused name.
import type { GetPromptResult, Prompt, PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { askArgumentValue } from './argumentInput';
import type { ClientServerFeatures } from './serverFeatures';

/** Renders a prompt's messages as Markdown: role headings, text as written, other content described. */
export function promptMarkdown(server: string, prompt: string, args: Record<string, string>, result: GetPromptResult): string {
  const lines = [`# ${server}/${prompt}`, ''];
  if (result.description) lines.push(result.description, '');
  const shown = Object.entries(args);
  if (shown.length) lines.push('Arguments: ' + shown.map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`).join(', '), '');
  for (const m of result.messages) lines.push(`## ${m.role}`, '', messageText(m), '');
  if (!result.messages.length) lines.push('(the prompt has no messages)');
  return lines.join('\n');
}

function messageText(m: PromptMessage): string {
  const c = m.content as { type: string; text?: string; mimeType?: string; data?: string; resource?: { uri: string; text?: string; mimeType?: string }; uri?: string; name?: string };
  switch (c.type) {
    case 'text':
      return c.text ?? '';
    case 'image':
    case 'audio':
      return `(${c.type}, ${c.mimeType ?? 'unknown type'}, ${Buffer.from(c.data ?? '', 'base64').byteLength} bytes)`;
    case 'resource':
      return c.resource?.text !== undefined ? `Resource ${c.resource.uri}:\n\n${c.resource.text}` : `(embedded resource ${c.resource?.uri}, ${c.resource?.mimeType ?? 'binary'})`;
    case 'resource_link':
      return `(link to resource ${c.uri}${c.name ? ` "${c.name}"` : ''})`;
    default:
      return `(${c.type} content)`;
  }
}

export const PROMPT_SCHEME = 'mcp-harness-prompt';

export class PromptRunner extends Disposable implements vscode.TextDocumentContentProvider {
  /** The text of each open prompt document, by URI; dropped when its document closes. */
  private readonly texts = new Map<string, string>();
  private runs = 0;

  constructor(
    private readonly features: ClientServerFeatures,
    private readonly onShow?: (pick: vscode.QuickPick<vscode.QuickPickItem>) => void,
  ) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.texts.delete(d.uri.toString())));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this prompt result is no longer available: run the prompt again)';
  }

  /** Asks for the arguments (unless given), gets the prompt and opens its messages; undefined if the user cancelled. */
  async run(server: string, prompt: Prompt, given?: Record<string, string>): Promise<vscode.TextDocument | undefined> {
    const args = given ?? (await this.askArguments(server, prompt));
    if (!args) return undefined;
    const result = await this.features.getPrompt(server, prompt.name, args);
    const uri = vscode.Uri.from({ scheme: PROMPT_SCHEME, path: `/${server}/${prompt.name}.md`, query: `run=${++this.runs}` });
    this.texts.set(uri.toString(), promptMarkdown(server, prompt.name, args, result));
    const opened = await vscode.workspace.openTextDocument(uri);
    const doc = opened.languageId === 'markdown' ? opened : await vscode.languages.setTextDocumentLanguage(opened, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  }

  async askArguments(server: string, prompt: Prompt): Promise<Record<string, string> | undefined> {
    const list = prompt.arguments ?? [];
    const completes = list.length > 0 && (await this.features.canComplete(server).catch(() => false));
    const values: Record<string, string> = {};
    for (const [i, arg] of list.entries()) {
      const value = await askArgumentValue(this.features, server, { type: 'ref/prompt', name: prompt.name }, arg, values, {
        title: `${server}/${prompt.name}: ${arg.name}${arg.required ? '' : ' (optional)'}`,
        step: i + 1,
        total: list.length,
        completes,
        onShow: this.onShow,
      });
      if (value === undefined) return undefined;
      if (value !== '') values[arg.name] = value;
    }
    return values;
  }
}
