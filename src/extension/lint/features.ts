// Lint in VS Code: the `mcp-tool:` documents and the code actions on lint diagnostics.
import * as vscode from 'vscode';
import type { HarnessContext } from '../context';
import { LintService, SOURCE } from './service';
import { TOOL_SCHEME } from './toolDocuments';

class LintCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly svc: LintService) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const seenRules = new Set<string>();
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== SOURCE) continue;
      const meta = this.svc.metaFor(document.uri, diagnostic);
      if (!meta) continue;
      const text = document.getText();
      const src = meta.source;
      if (src && meta.rule === 'hidden-unicode' && src.description?.cleanedLiteral !== undefined) {
        const fix = new vscode.CodeAction('Remove hidden characters', vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        const start = LintService.position(text, src.description.offset);
        const end = LintService.position(text, src.description.offset + src.description.length);
        edit.replace(document.uri, new vscode.Range(start, end), src.description.cleanedLiteral);
        fix.edit = edit;
        fix.diagnostics = [diagnostic];
        fix.isPreferred = true;
        actions.push(fix);
      }
      if (src && meta.rule === 'description-missing' && meta.finding.fix?.kind === 'add-description' && meta.finding.fix.path === '/description' && src.descriptionInsert) {
        const fix = new vscode.CodeAction('Add description', vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        edit.insert(document.uri, LintService.position(text, src.descriptionInsert.offset), src.descriptionInsert.text);
        fix.edit = edit;
        fix.diagnostics = [diagnostic];
        fix.isPreferred = true;
        actions.push(fix);
      }
      if (document.uri.scheme !== TOOL_SCHEME) {
        const open = new vscode.CodeAction(`Open Tool Schema of "${meta.tool}"`, vscode.CodeActionKind.QuickFix);
        open.command = { command: 'mcpHarness.openToolSchema', title: 'Open Tool Schema', arguments: [meta.server, meta.tool, meta.toolRange] };
        open.diagnostics = [diagnostic];
        actions.push(open);
      }
      if (meta.rule === 'pin-changed') {
        const rev = new vscode.CodeAction(`Review the change of "${meta.tool}"`, vscode.CodeActionKind.QuickFix);
        rev.command = { command: 'mcpHarness.reviewToolChanges', title: 'Review Tool Changes', arguments: [meta.server, meta.tool] };
        rev.diagnostics = [diagnostic];
        actions.push(rev);
      }
      if (!seenRules.has(meta.rule)) {
        seenRules.add(meta.rule);
        const off = new vscode.CodeAction(`Disable rule ${meta.rule}`, vscode.CodeActionKind.QuickFix);
        off.command = { command: 'mcpHarness.disableLintRule', title: `Disable rule ${meta.rule}`, arguments: [meta.rule] };
        off.diagnostics = [diagnostic];
        actions.push(off);
      }
    }
    return actions;
  }
}

/** The providers over ctx.lint (which the context owns: the run environment asks it for pin checks). */
export function registerLintFeatures(ctx: HarnessContext): vscode.Disposable[] {
  const svc = ctx.lint;
  return [
    vscode.workspace.registerTextDocumentContentProvider(TOOL_SCHEME, svc.docs),
    vscode.languages.registerCodeActionsProvider(
      [{ scheme: TOOL_SCHEME }, { scheme: 'file' }],
      new LintCodeActions(svc),
      { providedCodeActionKinds: LintCodeActions.kinds },
    ),
  ];
}
