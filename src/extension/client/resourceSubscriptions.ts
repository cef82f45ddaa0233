// resources/subscribe for open resource documents: while a `mcp-harness-resource:` document is open in an editor tab
// and its server declared `resources.subscribe`, the server is subscribed to that resource (so it sends
// resources/updated, which re-reads the document); when the last tab of the resource closes, the subscription ends.
// Tabs, not TextDocument open/close events: VS Code keeps a document's model for a while after its editor closes,
// and closes and reopens it when its language is set. Tab changes are reconciled in one queue; an event that opens or
// closes no resource tab (most of them: focus, dirty state, other editors) is dropped without queueing anything.
// A server that starts or stops queues one too: a restarted server is subscribed again (./subscriptionReconciler).
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { parseResourceDocumentUri, RESOURCE_SCHEME } from './resourceDocuments';
import type { Logger } from '../../core/types';
import type { ClientServerFeatures } from './serverFeatures';
import { SubscriptionReconciler, type SubscriptionTarget } from './subscriptionReconciler';

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

export class ResourceSubscriptions extends Disposable {
  private readonly reconciler: SubscriptionReconciler;

  /** `report` gets a subscribe or unsubscribe the server refused (the document still shows the resource). */
  constructor(features: ClientServerFeatures, report: (server: string, message: string) => void, logger: Logger) {
    super();
    this.reconciler = new SubscriptionReconciler(features, wantedResources, { refused: report, failed: (message) => logger.warn(message) });
    this._register(vscode.window.tabGroups.onDidChangeTabs((e) => {
      if (touchesResource(e)) void this.sync();
    }));
  }

  /** The resources subscribed to now, as `server uri` pairs (for the Servers view and the tests). */
  subscribed(): { server: string; uri: string }[] {
    return this.reconciler.subscribed();
  }

  /** Reconciles after the current events have all fired; resolves when the server has answered. */
  sync(): Promise<void> {
    return this.reconciler.sync();
  }

  override dispose(): void {
    this.reconciler.stop();
    super.dispose();
  }
}

/** The resources of the open resource tabs. */
function* wantedResources(): Iterable<SubscriptionTarget> {
  for (const uri of tabUris()) {
    const ref = uri.scheme === RESOURCE_SCHEME ? parseResourceDocumentUri(uri) : undefined;
    if (ref) yield ref;
  }
}
