// The questions the extension asks while it works: confirm a destructive tool call, confirm deleting a
// trace file, pick where a report goes, whether a copied gateway config holds the token, Call Tool's arguments
// and its offer to open the page a server asks for first. They live in one object of the context so the
// code that asks never knows whether a person or (under the test runner, through api.testing only)
// a test answers.
import type { ConfirmHook } from '../core/guards/pipeline';
import type { TraceRun } from '../core/report/model';
import type * as vscode from 'vscode';
import type { ReportFormat } from '../protocol/messages';

export type DeleteConfirm = (run: TraceRun, file: string, otherRuns: number) => Promise<boolean>;
export type SaveDialog = (format: ReportFormat, suggested: vscode.Uri) => Promise<vscode.Uri | undefined>;
/** true: the gateway token itself goes into the copied snippet; undefined: the user cancelled. */
export type IncludeTokenQuestion = () => Promise<boolean | undefined>;
/** "MCP: Call Tool…"'s arguments: the JSON text to call with (pre-filled with `template`), undefined when cancelled. */
export type CallToolArgsQuestion = (server: string, tool: string, template: string) => Promise<string | undefined>;

/** A Call Tool the server refused until the user opens a page (URLElicitationRequiredError, -32042). */
export interface PageFirstRequest {
  server: string;
  tool: string;
  /** The hosts of the pages, the only part of their URLs shown (a URL may carry a one-time token). */
  hosts: string[];
  /** Whether the user already chose Open Page for this call. */
  opened: boolean;
}
/** 'open': open the pages; 'retry': call the tool again; undefined: the user dismissed the offer. */
export type PageFirstQuestion = (request: PageFirstRequest) => Promise<'open' | 'retry' | undefined>;

export interface DialogSet {
  confirmTool: ConfirmHook;
  confirmDelete: DeleteConfirm;
  saveReport: SaveDialog;
  includeGatewayToken: IncludeTokenQuestion;
  callToolArgs: CallToolArgsQuestion;
  pageFirst: PageFirstQuestion;
}

export class Dialogs {
  private readonly replaced: Partial<DialogSet> = {};

  constructor(private readonly defaults: DialogSet) {}

  readonly confirmTool: ConfirmHook = (request, tool) => (this.replaced.confirmTool ?? this.defaults.confirmTool)(request, tool);
  readonly confirmDelete: DeleteConfirm = (run, file, others) => (this.replaced.confirmDelete ?? this.defaults.confirmDelete)(run, file, others);
  readonly saveReport: SaveDialog = (format, suggested) => (this.replaced.saveReport ?? this.defaults.saveReport)(format, suggested);
  readonly includeGatewayToken: IncludeTokenQuestion = () => (this.replaced.includeGatewayToken ?? this.defaults.includeGatewayToken)();
  readonly callToolArgs: CallToolArgsQuestion = (server, tool, template) => (this.replaced.callToolArgs ?? this.defaults.callToolArgs)(server, tool, template);
  readonly pageFirst: PageFirstQuestion = (request) => (this.replaced.pageFirst ?? this.defaults.pageFirst)(request);

  /** Replaces one dialog; undefined restores the person's. Reached only through api.testing. */
  replace<K extends keyof DialogSet>(name: K, dialog: DialogSet[K] | undefined): void {
    if (dialog) this.replaced[name] = dialog;
    else delete this.replaced[name];
  }
}
