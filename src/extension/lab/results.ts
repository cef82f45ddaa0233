// The reliability lab results of this window, for the trace panel's Lab tab: kept in this feature object
// (newest last, a bounded list), announced as they arrive, and saved as the HTML report card on request.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { htmlReport } from '../../core/lab/report';
import type { LabResult } from '../../core/lab/types';
import { labResultKey } from '../../protocol/messages';
import type { SaveDialog } from '../dialogs';
import { Disposable } from '../disposable';

/** Results kept for the Lab tab; older ones stay in their trace files and saved report cards. */
export const MAX_LAB_RESULTS = 20;

export class LabResults extends Disposable {
  private readonly list: LabResult[] = [];
  private readonly added = this._register(new vscode.EventEmitter<LabResult>());
  /** Fires with each new result. */
  readonly onDidAdd = this.added.event;

  constructor(private readonly saveDialog: SaveDialog) {
    super();
  }

  all(): LabResult[] {
    return [...this.list];
  }

  add(result: LabResult): void {
    this.list.push(result);
    if (this.list.length > MAX_LAB_RESULTS) this.list.splice(0, this.list.length - MAX_LAB_RESULTS);
    this.added.fire(result);
  }

  /** Writes the report card of the result with this key; asks where unless `target` is given. */
  async saveReportCard(key: string, target?: string): Promise<{ path?: string; cancelled?: boolean }> {
    const result = this.list.find((r) => labResultKey(r) === key);
    if (!result) throw new Error('This lab result is no longer in this window; run "MCP: Test Server Reliability…" again.');
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
      const name = `lab-${result.server.replace(/[^a-z0-9]+/gi, '-')}-${result.started_at.slice(0, 10)}.html`;
      const uri = await this.saveDialog('html', vscode.Uri.joinPath(folder, name));
      if (!uri) return { cancelled: true };
      target = uri.fsPath;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, htmlReport(result));
    return { path: target };
  }
}
