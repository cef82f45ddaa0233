// VS Code as the host of the core's client features (src/core/client): the Language Model API answers
// sampling after the user consented per server seeing the exact (redacted) prompt, the quick-input form and
// the URL modal answer elicitations, the workspace folders are the roots, log messages go to the server's
// output channel. Built before the ServerManager, which declares a client capability per handler present;
// runs attach to `features` through the run environment so what a server asks lands in their trace.
import * as vscode from 'vscode';
import { ClientFeatures } from '../../core/client/features';
import type { ClientHost, ElicitationRequest, RootEntry, SamplingModel, SamplingPolicy, SamplingPrompt } from '../../core/client/types';
import type { ElicitResult } from '../../core/servers/serverRequests';
import type { Config } from '../config';
import type { ServerOutputChannels } from '../serverOutput';
import { ElicitationForm } from './elicitationForm';
import { LanguageModelSampler, promptMessages, offeredTools } from './languageModelSampler';
import { workspaceRoots } from './roots';
import { SamplingConsent } from './samplingConsent';

export interface ClientHostDeps {
  workspaceState: vscode.Memento;
  config: Config;
  serverOutput: ServerOutputChannels;
}

const LOG_LEVELS: Record<string, 'debug' | 'info' | 'warn' | 'error'> = {
  debug: 'debug', info: 'info', notice: 'info', warning: 'warn', error: 'error', critical: 'error', alert: 'error', emergency: 'error',
};
/** MCP levels the output channel's own level already says; the others are named in the line. */
const CHANNEL_NAMES_IT = new Set(['debug', 'info', 'warning', 'error']);

export class VsCodeClientHost implements ClientHost, vscode.Disposable {
  readonly samplingConsent: SamplingConsent;
  readonly sampler: LanguageModelSampler;
  readonly model: SamplingModel;
  readonly elicitation = new ElicitationForm();
  /** The core's client features over this host: the manager's handlers and the runs' recorder. */
  readonly features: ClientFeatures;
  private readonly resourceUpdated = new vscode.EventEmitter<{ server: string; uri: string }>();
  readonly onDidUpdateResource = this.resourceUpdated.event;

  constructor(private readonly deps: ClientHostDeps) {
    this.samplingConsent = new SamplingConsent(deps.workspaceState);
    this.sampler = new LanguageModelSampler(() => deps.config.sampling.model);
    this.model = this.sampler;
    this.features = new ClientFeatures(this, deps.config.prices);
  }

  get samplingDefault(): SamplingPolicy {
    return this.deps.config.sampling.policy;
  }

  get samplingMaxTokens(): number {
    return this.deps.config.sampling.maxTokens;
  }

  /** Policy "ask": the modal shows the prompt exactly as it would be sent (after the core's redaction). */
  async consentToSampling(prompt: SamplingPrompt): Promise<boolean> {
    // With no model to answer, nothing can be sent: let the answer fail with the reason instead of asking.
    const model = await this.sampler.pickModel(prompt).catch(() => undefined);
    if (!model) return true;
    return this.samplingConsent.ask({
      server: prompt.server,
      model: `${model.name} (${model.vendor}/${model.id})`,
      maxTokens: prompt.maxTokens,
      systemPrompt: prompt.systemPrompt,
      messages: promptMessages(prompt),
      tools: offeredTools(prompt).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) })),
      toolsRequired: prompt.toolChoice?.mode === 'required',
    });
  }

  elicit(request: ElicitationRequest, signal: AbortSignal): Promise<ElicitResult> {
    const { server, ...params } = request;
    return this.elicitation.elicit(server, params, signal);
  }

  roots(): RootEntry[] {
    return workspaceRoots().roots;
  }

  /** Already redacted by the core. */
  onLog(server: string, level: string, text: string): void {
    this.deps.serverOutput.channel(server)[LOG_LEVELS[level] ?? 'info'](CHANNEL_NAMES_IT.has(level) ? text : `${level}: ${text}`);
  }

  onResourceUpdated(server: string, uri: string): void {
    this.resourceUpdated.fire({ server, uri });
  }

  dispose(): void {
    this.elicitation.dispose();
    this.resourceUpdated.dispose();
  }
}
