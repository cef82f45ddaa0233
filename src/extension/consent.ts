// Consent before a stdio server is spawned. The user sees the exact command line (never truncated)
// and the names of the environment variables (never their values), and the decision is remembered
// per definition hash, so any change to command/args/env/cwd asks again.
//
// Decisions live in workspaceState, not globalState: a relative command such as `node server.js`
// hashes the same in every workspace but runs a different file in each, so a decision made for one
// repository must not silently apply to another one cloned later.
//
// A stop while the modal is open ends the start at once (nothing is spawned), but VS Code has no API to close a
// modal (showWarningMessage takes no cancellation token), so the question stays on screen. Its answer is still the
// user's decision about that exact command line and is remembered; it starts nothing by itself, and an Allow that
// no start is waiting for any more says so, with a Start button. Every start of the same definition that arrives
// while the modal is open waits for that one answer.
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

/** One open question about one definition, and how many starts are still waiting for its answer. */
class OpenQuestion {
  private waiting = 0;
  private readonly decided: Promise<ConsentDecision | undefined>;

  /** `settle` runs once the user answered, before any waiting start hears it; it is told whether any still waits. */
  constructor(asked: Promise<ConsentDecision | undefined>, settle: (decision: ConsentDecision | undefined, anyoneWaiting: boolean) => Promise<void>) {
    this.decided = asked.then(async (decision) => {
      await settle(decision, this.waiting > 0);
      return decision;
    });
    this.decided.catch(() => undefined);
  }

  /** The answer for one start, or its signal's reason as soon as that start is stopped (it then no longer waits). */
  answerFor(signal: AbortSignal | undefined): Promise<ConsentDecision | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waiting++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting--;
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.decided
        .then(resolve, reject)
        .finally(() => signal?.removeEventListener('abort', onAbort));
    });
  }
}

export class ConsentService {
  private prompt: ConsentPrompt = showConsentModal;
  /** The modal open for a definition hash. */
  private readonly open = new Map<string, OpenQuestion>();

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

  /** True while the consent modal for this definition is open. */
  isAsking(def: Pick<ServerDefinition, 'hash'>): boolean {
    return this.open.has(def.hash);
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

  /**
   * The SpawnConsent handed to the server manager. `signal` is the start's: once it aborts (the server was stopped),
   * that start stops waiting. Concurrent asks for one definition share one modal.
   */
  readonly consent = (def: ServerDefinition, signal?: AbortSignal): Promise<boolean> => {
    if (def.transport !== 'stdio') return Promise.resolve(true);
    const remembered = this.decisionFor(def);
    if (remembered) return Promise.resolve(remembered === 'allow');
    if (signal?.aborted) return Promise.reject(signal.reason);
    let question = this.open.get(def.hash);
    if (!question) {
      const asked = this.prompt(def).catch((err: unknown) => {
        this.open.delete(def.hash);
        throw err;
      });
      question = new OpenQuestion(asked, (decision, anyoneWaiting) => this.settle(def, decision, anyoneWaiting));
      this.open.set(def.hash, question);
    }
    return question.answerFor(signal).then((decision) => decision === 'allow');
  };

  private async settle(def: ServerDefinition, decision: ConsentDecision | undefined, anyoneWaiting: boolean): Promise<void> {
    try {
      if (decision) await this.remember(def, decision);
    } finally {
      this.open.delete(def.hash);
    }
    if (anyoneWaiting) {
      this.log.info(
        decision
          ? `Consent for server "${def.name}": ${decision} (remembered for this definition).`
          : `Consent for server "${def.name}" was dismissed; it was not started.`,
      );
      return;
    }
    this.answeredAfterStop(def, decision);
  }

  /** The answer came after every start that asked was stopped: it is kept, but nothing starts because of it. */
  private answeredAfterStop(def: ServerDefinition, decision: ConsentDecision | undefined): void {
    if (!decision) {
      this.log.info(`Consent for server "${def.name}" was dismissed after it was stopped; nothing is remembered.`);
      return;
    }
    this.log.info(
      `Consent for server "${def.name}": ${decision} (remembered for this definition), given after it was stopped while you were asked: it was not started.`,
    );
    if (decision !== 'allow') return;
    const start = 'Start';
    void vscode.window
      .showInformationMessage(`"${def.name}" was stopped while you were asked. Your Allow is remembered for its command line, but it was not started.`, start)
      .then((picked) => picked === start && vscode.commands.executeCommand('mcpHarness.startServer', def.id));
  }
}
