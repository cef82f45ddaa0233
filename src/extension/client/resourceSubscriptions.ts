// resources/subscribe for open resource documents: while a `mcp-harness-resource:` document is open in an editor tab
// and its server declared `resources.subscribe`, the server is subscribed to that resource (so it sends
// resources/updated, which re-reads the document); when the last tab of the resource closes, the subscription ends.
// Tabs, not TextDocument open/close events: VS Code keeps a document's model for a while after its editor closes,
// and closes and reopens it when its language is set. Tab changes are reconciled in one queue; an event that opens or
// closes no resource tab (most of them: focus, dirty state, other editors) is dropped without queueing anything.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { parseResourceDocumentUri, RESOURCE_SCHEME } from './resourceDocuments';
import type { ClientServerFeatures } from './serverFeatures';

function* inputUris(input: unknown): Iterable<vscode.Uri> {
  if (input instanceof vscode.TabInputText) yield input.uri;
  else if (input instanceof vscode.TabInputTextDiff) yield* [input.original, input.modified];
}

/** Whether the event opened, closed or changed a tab showing a resource document. */
function touchesResource(e: vscode.TabChangeEvent): boolean {
  for (const tab of [...e.opened, ...e.closed, ...e.changed]) {
    for (const uri of inputUris(tab.input)) if (uri.scheme === RESOURCE_SCHEME) return true;
  }
  return false;
}

function* tabUris(): Iterable<vscode.Uri> {
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) yield* inputUris(tab.input);
}

const key = (server: string, uri: string) => JSON.stringify([server, uri]);

export class ResourceSubscriptions extends Disposable {
  /** The subscriptions this window holds: key → server and resource uri. */
  private readonly held = new Map<string, { server: string; uri: string }>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  /** `report` gets a subscribe or unsubscribe the server refused (the document still shows the resource). */
  constructor(
    private readonly features: ClientServerFeatures,
    private readonly report: (server: string, message: string) => void,
  ) {
    super();
    this._register(vscode.window.tabGroups.onDidChangeTabs((e) => {
      if (touchesResource(e)) void this.sync();
    }));
  }

  /** The resources subscribed to now, as `server uri` pairs (for the Servers view and the tests). */
  subscribed(): { server: string; uri: string }[] {
    return [...this.held.values()];
  }

  /** Reconciles after the current events have all fired; resolves when the server has answered. */
  sync(): Promise<void> {
    this.queue = this.queue.then(() => this.reconcile());
    return this.queue;
  }

  override dispose(): void {
    this.stopped = true;
    super.dispose();
  }

  private async reconcile(): Promise<void> {
    // A reconcile queued before the window closed must not subscribe anew (the servers are stopping).
    if (this.stopped) return;
    const wanted = new Map<string, { server: string; uri: string }>();
    for (const uri of tabUris()) {
      const ref = uri.scheme === RESOURCE_SCHEME ? parseResourceDocumentUri(uri) : undefined;
      if (ref && this.features.isRunning(ref.server)) wanted.set(key(ref.server, ref.uri), ref);
    }
    for (const [k, ref] of [...this.held]) {
      if (wanted.has(k)) continue;
      this.held.delete(k);
      // A stopped server has no subscriptions left to end.
      if (this.features.isRunning(ref.server)) await this.features.unsubscribe(ref.server, ref.uri).catch((e: unknown) => this.fail(ref, 'end the subscription to', e));
    }
    for (const [k, ref] of wanted) {
      if (this.held.has(k)) continue;
      try {
        if (!(await this.features.canSubscribe(ref.server))) continue;
        await this.features.subscribe(ref.server, ref.uri);
        this.held.set(k, ref);
      } catch (e) {
        this.fail(ref, 'subscribe to', e);
      }
    }
  }

  private fail(ref: { server: string; uri: string }, what: string, e: unknown): void {
    this.report(ref.server, `Could not ${what} ${ref.uri}: ${e instanceof Error ? e.message : String(e)}. The open document is not re-read when the resource changes; reopen it to try again.`);
  }
}
