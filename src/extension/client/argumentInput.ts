// One argument of a prompt or a resource template, asked in a quick pick that offers the server's completions
// (completion/complete) as the user types; the typed text itself is always the first choice.
import * as vscode from 'vscode';
import type { ClientServerFeatures, CompletionRef } from './serverFeatures';

const COMPLETION_DEBOUNCE_MS = 150;

export interface ArgumentSpec {
  name: string;
  description?: string;
  required?: boolean;
}

export function askArgumentValue(
  features: ClientServerFeatures,
  server: string,
  ref: CompletionRef,
  arg: ArgumentSpec,
  context: Record<string, string>,
  form: { title: string; step: number; total: number; completes: boolean; onShow?: (pick: vscode.QuickPick<vscode.QuickPickItem>) => void },
): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = form.title;
  pick.step = form.step;
  pick.totalSteps = form.total;
  pick.placeholder = arg.description ?? (arg.required ? `A value for ${arg.name}` : `A value for ${arg.name}, or Enter to leave it out`);
  pick.ignoreFocusOut = true;
  let suggestions: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const refresh = () => {
    const typed = pick.value;
    const typedItem: vscode.QuickPickItem[] = typed || !arg.required ? [{ label: typed, description: typed ? 'as typed' : 'leave out', alwaysShow: true }] : [];
    pick.items = [...typedItem, ...suggestions.filter((s) => s !== typed).map((s) => ({ label: s, description: 'suggested by the server', alwaysShow: true }))];
  };
  const complete = () => {
    if (!form.completes) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      pick.busy = true;
      features
        .complete(server, ref, { name: arg.name, value: pick.value }, context)
        .then((c) => (suggestions = c.values), () => (suggestions = []))
        .finally(() => {
          pick.busy = false;
          refresh();
        });
    }, COMPLETION_DEBOUNCE_MS);
  };
  return new Promise<string | undefined>((resolve) => {
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
      pick.dispose();
    };
    pick.onDidChangeValue(() => {
      refresh();
      complete();
    });
    pick.onDidAccept(() => {
      const chosen = pick.activeItems[0]?.label ?? pick.value;
      if (arg.required && !chosen) {
        pick.placeholder = `${arg.name} is required: type a value.`;
        return;
      }
      finish(chosen);
    });
    pick.onDidHide(() => finish(undefined));
    refresh();
    complete();
    pick.show();
    form.onShow?.(pick);
  });
}
