// "Open Resource Template…": pick one of a server's resource templates, fill its RFC 6570 variables (with the
// server's completions), and open the resource the filled template names.
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import { askArgumentValue } from './argumentInput';
import type { ClientServerFeatures } from './serverFeatures';

export async function pickTemplate(features: ClientServerFeatures, server: string): Promise<ResourceTemplate | undefined> {
  const templates = await features.listResourceTemplates(server);
  if (!templates.length) {
    void vscode.window.showInformationMessage(`MCP Harness: the server '${server}' offers no resource templates.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    templates.map((t) => ({ label: t.name, description: t.uriTemplate, detail: t.description, template: t })),
    { title: `Resource templates of ${server}`, placeHolder: 'Which template?', matchOnDescription: true },
  );
  return picked?.template;
}

/** The URI the template names once its variables are filled; undefined when the user cancelled. */
export async function fillTemplate(
  features: ClientServerFeatures,
  server: string,
  template: ResourceTemplate,
  onShow?: (pick: vscode.QuickPick<vscode.QuickPickItem>) => void,
): Promise<string | undefined> {
  const uriTemplate = new UriTemplate(template.uriTemplate);
  const names = uriTemplate.variableNames;
  const completes = names.length > 0 && (await features.canComplete(server).catch(() => false));
  const values: Record<string, string> = {};
  for (const [i, name] of names.entries()) {
    const value = await askArgumentValue(features, server, { type: 'ref/resource', uri: template.uriTemplate }, { name, required: true }, values, {
      title: `${server}: ${template.uriTemplate} — ${name}`,
      step: i + 1,
      total: names.length,
      completes,
      onShow,
    });
    if (value === undefined) return undefined;
    values[name] = value;
  }
  return uriTemplate.expand(values);
}
