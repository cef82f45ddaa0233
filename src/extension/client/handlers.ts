// What VS Code answers when a server asks (sampling, elicitation, roots) and where its notifications go (log
// messages, resource updates). Built before the ServerManager, which declares a client capability for each
// handler present; the pieces that need the manager (resource documents) subscribe to onDidUpdateResource.
import * as vscode from 'vscode';
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  ListRootsResult,
  LoggingMessageNotificationParams,
  ServerNotificationHandlers,
  ServerRequestContext,
  ServerRequestHandlers,
} from '../../core/servers/serverRequests';
import type { Logger } from '../../core/types';
import type { Config } from '../config';
import type { ServerOutputChannels } from '../serverOutput';
import { ElicitationForm } from './elicitationForm';
import { LanguageModelSampler } from './languageModelSampler';
import { workspaceRoots } from './roots';
import { SamplingConsent } from './samplingConsent';
import { routeServerLog } from './serverLog';

export interface ClientHandlerDeps {
  workspaceState: vscode.Memento;
  config: Config;
  serverOutput: ServerOutputChannels;
  log: Logger;
}

export class VsCodeClientHandlers implements ServerRequestHandlers, ServerNotificationHandlers, vscode.Disposable {
  readonly samplingConsent: SamplingConsent;
  readonly sampler: LanguageModelSampler;
  readonly elicitation = new ElicitationForm();
  private readonly resourceUpdated = new vscode.EventEmitter<{ server: string; uri: string }>();
  readonly onDidUpdateResource = this.resourceUpdated.event;

  constructor(private readonly deps: ClientHandlerDeps) {
    this.samplingConsent = new SamplingConsent(deps.workspaceState);
    this.sampler = new LanguageModelSampler(this.samplingConsent, () => deps.config.sampling);
  }

  async createMessage(ctx: ServerRequestContext, params: CreateMessageRequestParams): Promise<CreateMessageResult> {
    const reply = await this.sampler.answer(ctx.server, params, ctx.signal);
    this.deps.serverOutput.note(ctx.server, `sampling answered by ${reply.usage.model} (${reply.usage.inputTokens} tokens in, ${reply.usage.outputTokens} out)`);
    return reply.result;
  }

  elicit(ctx: ServerRequestContext, params: ElicitRequestParams): Promise<ElicitResult> {
    return this.elicitation.elicit(ctx.server, params, ctx.signal);
  }

  async listRoots(): Promise<ListRootsResult> {
    return workspaceRoots();
  }

  onLog(server: string, params: LoggingMessageNotificationParams): void {
    routeServerLog(this.deps.serverOutput, () => this.deps.config.guardrails, server, params);
  }

  onResourceUpdated(server: string, uri: string): void {
    this.resourceUpdated.fire({ server, uri });
  }

  dispose(): void {
    this.elicitation.dispose();
    this.resourceUpdated.dispose();
  }
}
