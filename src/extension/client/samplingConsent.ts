// The user's consent to a server's sampling request. The modal shows the exact prompt that would be sent (the
// messages as they are after the guardrails' redaction, the system prompt, the token limit, the model and the
// tools the model is offered, whose calls the server runs), and
// the user can allow once, for the rest of this window's session, or always in this workspace. "Always" lives
// in workspaceState (a server of the same name in another repository is another server); "Reset Sampling
// Permissions" forgets both.
import * as vscode from 'vscode';

const STORE_KEY = 'mcpHarness.sampling.allowed.v1';

export const ALLOW_ONCE = 'Allow Once';
export const ALLOW_SESSION = 'Allow for This Session';
export const ALLOW_ALWAYS = 'Always Allow in This Workspace';

export type SamplingDecision = 'once' | 'session' | 'always' | 'deny';

export interface SamplingConsentRequest {
  server: string;
  /** The model that would answer, as the user knows it ("Copilot GPT-4o", "vendor/id"). */
  model: string;
  maxTokens: number;
  systemPrompt?: string;
  /** The prompt exactly as it would be sent, one entry per message. */
  messages: { role: string; text: string }[];
  /** The server's tools the model may call (sampling with tools); the server runs the calls the model makes. */
  tools?: { name: string; description?: string }[];
  /** The server said the model must call one of the tools. */
  toolsRequired?: boolean;
}

/** Asks the user; test runs replace it through api.testing. */
export type SamplingConsentPrompt = (request: SamplingConsentRequest) => Promise<SamplingDecision>;

/** The modal's detail text: the whole prompt, never shortened, so the user sees what leaves for the model. */
export function consentDetail(r: SamplingConsentRequest): string {
  const parts = [`Model: ${r.model} · at most ${r.maxTokens} tokens in the reply`];
  if (r.systemPrompt) parts.push(`System prompt:\n${r.systemPrompt}`);
  for (const m of r.messages) parts.push(`${m.role}:\n${m.text}`);
  if (r.tools?.length) {
    const head = `Tools the model may call${r.toolsRequired ? ' (it must call one)' : ''}; the server runs each call it makes:`;
    parts.push([head, ...r.tools.map((t) => `• ${t.name}${t.description ? ` — ${t.description}` : ''}`)].join('\n'));
  }
  return parts.join('\n\n');
}

export async function showSamplingConsentModal(r: SamplingConsentRequest): Promise<SamplingDecision> {
  const picked = await vscode.window.showWarningMessage(
    `The MCP server '${r.server}' wants to send this prompt to your language model (${r.model})${r.tools?.length ? ` and let it call ${r.tools.length === 1 ? 'one of its tools' : `${r.tools.length} of its tools`}` : ''}.`,
    { modal: true, detail: consentDetail(r) },
    ALLOW_ONCE,
    ALLOW_SESSION,
    ALLOW_ALWAYS,
  );
  return picked === ALLOW_ONCE ? 'once' : picked === ALLOW_SESSION ? 'session' : picked === ALLOW_ALWAYS ? 'always' : 'deny';
}

export class SamplingConsent {
  private readonly session = new Set<string>();
  private prompt: SamplingConsentPrompt = showSamplingConsentModal;

  constructor(private readonly state: vscode.Memento) {}

  setPrompt(prompt: SamplingConsentPrompt | undefined): void {
    this.prompt = prompt ?? showSamplingConsentModal;
  }

  private get always(): string[] {
    return this.state.get<string[]>(STORE_KEY, []);
  }

  /** Whether the user already allowed sampling for the server (this session or always in this workspace). */
  remembered(server: string): boolean {
    return this.session.has(server) || this.always.includes(server);
  }

  /** True when the request may go to the model: remembered, or the user allows it now. */
  async ask(request: SamplingConsentRequest): Promise<boolean> {
    if (this.remembered(request.server)) return true;
    const decision = await this.prompt(request);
    if (decision === 'session') this.session.add(request.server);
    if (decision === 'always') await this.state.update(STORE_KEY, [...new Set([...this.always, request.server])]);
    return decision !== 'deny';
  }

  /** Forgets every remembered decision; returns how many there were. */
  async reset(): Promise<number> {
    const n = new Set([...this.session, ...this.always]).size;
    this.session.clear();
    await this.state.update(STORE_KEY, undefined);
    return n;
  }
}
