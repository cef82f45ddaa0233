// Consent before a stdio server is spawned. The user sees the exact command line (never truncated)
// and the names of the environment variables (never their values), and the decision is remembered
// per definition hash, so any change to command/args/env/cwd asks again.
//
// Decisions live in workspaceState, not globalState: a relative command such as `node server.js`
// hashes the same in every workspace but runs a different file in each, so a decision made for one
// repository must not silently apply to another one cloned later.
import * as vscode from 'vscode';
import type { ServerDefinition } from '../core/config/types';
import type { Logger } from '../core/types';

const STORE_KEY = 'mcpHarness.consent.v1';

export type ConsentDecision = 'allow' | 'deny';

interface StoredDecision {
  decision: ConsentDecision;
  name: string;
  at: string;
}

/** Asks the user; returns undefined when the prompt was dismissed (nothing is remembered then). */
export type ConsentPrompt = (definition: ServerDefinition) => Promise<ConsentDecision | undefined>;

/** Quotes one argument the way a POSIX shell would need it, so the shown line is copy-pasteable. */
export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_\-+=.,/:@%^]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommandLine(def: Pick<ServerDefinition, 'command' | 'args'>): string {
  return [def.command ?? '', ...(def.args ?? [])].map(quoteArg).join(' ');
}

/** The modal's detail text: everything that decides what runs, nothing secret. */
export function consentDetail(def: ServerDefinition): string {
  const lines = [`Command line:\n${formatCommandLine(def)}`];
  lines.push(`Working directory: ${def.cwd ?? def.source.workspaceFolder ?? '(the extension host\'s)'}`);
  const envNames = Object.keys(def.env ?? {}).sort();
  lines.push(
    envNames.length
      ? `Environment variables set (values hidden): ${envNames.join(', ')}`
      : 'Environment variables set: none',
  );
  lines.push(`Defined in: ${def.source.file}`);
  return lines.join('\n\n');
}

export async function showConsentModal(def: ServerDefinition): Promise<ConsentDecision | undefined> {
  const allow = 'Allow';
  const deny = 'Deny';
  const picked = await vscode.window.showWarningMessage(
    `Allow MCP Harness to start the MCP server "${def.name}" from ${vscode.workspace.asRelativePath(def.source.file)}? ` +
      'It runs the command below with your permissions.',
    { modal: true, detail: consentDetail(def) },
    allow,
    deny,
  );
  if (picked === allow) return 'allow';
  if (picked === deny) return 'deny';
  return undefined;
}

export class ConsentService {
  private prompt: ConsentPrompt = showConsentModal;
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log: Logger,
  ) {}

  private read(): Record<string, StoredDecision> {
    const v = this.memento.get<Record<string, StoredDecision>>(STORE_KEY);
    return v && typeof v === 'object' ? { ...v } : {};
  }

  decisionFor(def: Pick<ServerDefinition, 'hash'>): ConsentDecision | undefined {
    return this.read()[def.hash]?.decision;
  }

  async remember(def: Pick<ServerDefinition, 'hash' | 'name'>, decision: ConsentDecision): Promise<void> {
    const all = this.read();
    all[def.hash] = { decision, name: def.name, at: new Date().toISOString() };
    await this.memento.update(STORE_KEY, all);
  }

  async forget(def?: Pick<ServerDefinition, 'hash'>): Promise<number> {
    if (!def) {
      const n = Object.keys(this.read()).length;
      await this.memento.update(STORE_KEY, undefined);
      return n;
    }
    const all = this.read();
    if (!(def.hash in all)) return 0;
    delete all[def.hash];
    await this.memento.update(STORE_KEY, all);
    return 1;
  }

  /** Replaces the modal (tests only: the extension refuses this outside the test runner). */
  setPrompt(prompt: ConsentPrompt | undefined): void {
    this.prompt = prompt ?? showConsentModal;
  }

  /** The SpawnConsent handed to the server manager. Concurrent asks for one definition share one modal. */
  readonly consent = (def: ServerDefinition): Promise<boolean> => {
    if (def.transport !== 'stdio') return Promise.resolve(true);
    const remembered = this.decisionFor(def);
    if (remembered) return Promise.resolve(remembered === 'allow');
    const existing = this.pending.get(def.hash);
    if (existing) return existing;
    const asking = (async () => {
      try {
        const decision = await this.prompt(def);
        if (decision) {
          await this.remember(def, decision);
          this.log.info(`Consent for server "${def.name}": ${decision} (remembered for this definition).`);
        } else {
          this.log.info(`Consent for server "${def.name}" was dismissed; it was not started.`);
        }
        return decision === 'allow';
      } finally {
        this.pending.delete(def.hash);
      }
    })();
    this.pending.set(def.hash, asking);
    return asking;
  };
}
