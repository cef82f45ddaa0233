// The VS Code client features that need the running servers: resources in read-only editors, prompts with an
// argument form, resource templates, argument completions in session files, and roots/list_changed when the
// workspace folders change, resource subscriptions while a resource document is open. One disposable feature
// object owning its providers and subscriptions.
import type { Prompt } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { ServerManager } from '../../core/servers';
import type { Logger } from '../../core/types';
import { Disposable } from '../disposable';
import { ArgumentCompletions } from './argumentCompletions';
import type { VsCodeClientHost } from './handlers';
import { PromptRunner } from './promptRunner';
import { ResourceDocuments } from './resourceDocuments';
import { ResourceSubscriptions } from './resourceSubscriptions';
import { watchRoots } from './roots';
import { ClientServerFeatures } from './serverFeatures';
import { fillTemplate, pickTemplate } from './templates';

export interface ClientFeatureDeps {
  servers: ServerManager;
  host: VsCodeClientHost;
  /** Where image resources are written for the image preview. */
  storage: vscode.Uri;
  logger: Logger;
}

export class ClientFeatures extends Disposable {
  readonly server: ClientServerFeatures;
  readonly resources: ResourceDocuments;
  /** resources/subscribe while a resource document is open. */
  readonly subscriptions: ResourceSubscriptions;
  readonly prompts: PromptRunner;
  private readonly argumentShown = this._register(new vscode.EventEmitter<vscode.QuickPick<vscode.QuickPickItem>>());
  /** Each argument quick pick (prompts, templates) as it opens, for the integration tests. */
  readonly onDidShowArgumentInput = this.argumentShown.event;

  constructor(deps: ClientFeatureDeps) {
    super();
    this.server = new ClientServerFeatures(deps.servers);
    this.resources = this._register(new ResourceDocuments(this.server, deps.storage));
    this.subscriptions = this._register(new ResourceSubscriptions(this.server, (server, message) => deps.host.onLog(server, 'warning', message), deps.logger));
    this.prompts = this._register(new PromptRunner(this.server, (pick) => this.argumentShown.fire(pick)));
    this._register(new ArgumentCompletions(this.server).register());
    this._register(watchRoots(() => deps.servers.notifyRootsChanged()));
    this._register(deps.host.onDidUpdateResource(({ server, uri }) => this.resources.resourceUpdated(server, uri)));
  }

  openResource(server: string, uri: string): Promise<vscode.Uri> {
    return this.resources.open(server, uri);
  }

  runPrompt(server: string, prompt: Prompt, args?: Record<string, string>): Promise<vscode.TextDocument | undefined> {
    return this.prompts.run(server, prompt, args);
  }

  /** Picks a template (unless named), fills it and opens the resource; undefined when the user cancelled. */
  async openTemplate(server: string, uriTemplate?: string): Promise<vscode.Uri | undefined> {
    const template = uriTemplate
      ? (await this.server.listResourceTemplates(server)).find((t) => t.uriTemplate === uriTemplate)
      : await pickTemplate(this.server, server);
    if (!template) {
      if (uriTemplate) throw new Error(`The server '${server}' has no resource template ${uriTemplate}.`);
      return undefined;
    }
    const uri = await fillTemplate(this.server, server, template, (pick) => this.argumentShown.fire(pick));
    return uri === undefined ? undefined : this.openResource(server, uri);
  }
}
