// The questions the extension asks while it works: confirm a destructive tool call, confirm deleting a
// trace file, pick where a report goes, whether a copied gateway config holds the token. They live in one object of the context so the
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

export interface DialogSet {
  confirmTool: ConfirmHook;
  confirmDelete: DeleteConfirm;
  saveReport: SaveDialog;
  includeGatewayToken: IncludeTokenQuestion;
}

export class Dialogs {
  private readonly replaced: Partial<DialogSet> = {};

  constructor(private readonly defaults: DialogSet) {}

  readonly confirmTool: ConfirmHook = (request, tool) => (this.replaced.confirmTool ?? this.defaults.confirmTool)(request, tool);
  readonly confirmDelete: DeleteConfirm = (run, file, others) => (this.replaced.confirmDelete ?? this.defaults.confirmDelete)(run, file, others);
  readonly saveReport: SaveDialog = (format, suggested) => (this.replaced.saveReport ?? this.defaults.saveReport)(format, suggested);
  readonly includeGatewayToken: IncludeTokenQuestion = () => (this.replaced.includeGatewayToken ?? this.defaults.includeGatewayToken)();

  /** Replaces one dialog; undefined restores the person's. Reached only through api.testing. */
  replace<K extends keyof DialogSet>(name: K, dialog: DialogSet[K] | undefined): void {
    if (dialog) this.replaced[name] = dialog;
    else delete this.replaced[name];
  }
}
