// Elicitation in VS Code. Form mode is a quick-input sequence rendered from the requested schema (one step per
// field with the field's title, description, default and validation; Back and Decline buttons on every step;
// a last step to Accept, Decline or Cancel); Escape anywhere cancels. URL mode shows the URL, its host and the
// server's reason in a modal and opens the URL only after the user agrees — never by itself.
import * as vscode from 'vscode';
import type { ElicitRequestParams, ElicitResult } from '../../core/servers/serverRequests';
import { describeValue, type Field, fieldsOf, validateText, valueOf } from './elicitationFields';

type Value = string | number | boolean | string[] | undefined;
type StepOutcome = { kind: 'value'; value: Value } | { kind: 'back' } | { kind: 'decline' } | { kind: 'cancel' };

/** Each quick input the form shows, for the integration tests (through api.testing) to fill in the real widget. */
export interface ElicitationStep {
  server: string;
  /** The field's name, or undefined for the final Accept / Decline / Cancel step. */
  field?: string;
  input: vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>;
}

const DECLINE_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Decline (tell the server no)' };
const LEAVE_OUT = 'Leave out';

export const URL_OPEN = 'Open URL';
export const URL_DECLINE = 'Decline';

export interface UrlRequest {
  server: string;
  /** The URL's host, shown on its own so a look-alike address is easy to spot. */
  host: string;
  url: string;
  /** The server's reason. */
  message: string;
}

/** The user's answer to a URL elicitation: open it, decline, or dismissed (cancel). */
export type UrlPrompt = (request: UrlRequest) => Promise<'open' | 'decline' | 'cancel'>;

export async function showUrlModal(r: UrlRequest): Promise<'open' | 'decline' | 'cancel'> {
  const answer = await vscode.window.showWarningMessage(
    `The MCP server '${r.server}' asks you to open a page on ${r.host}.`,
    { modal: true, detail: `Reason given by the server: ${r.message}\n\nURL: ${r.url}\n\nNothing is opened unless you choose "${URL_OPEN}".` },
    URL_OPEN,
    URL_DECLINE,
  );
  return answer === URL_OPEN ? 'open' : answer === URL_DECLINE ? 'decline' : 'cancel';
}

const openInBrowser = (uri: vscode.Uri): Thenable<boolean> => vscode.env.openExternal(uri);

export class ElicitationForm implements vscode.Disposable {
  private readonly shown = new vscode.EventEmitter<ElicitationStep>();
  readonly onDidShowStep = this.shown.event;
  private urlPrompt: UrlPrompt = showUrlModal;
  private openExternal = openInBrowser;

  /** Test runs replace the URL modal and the browser (api.testing); undefined restores them. */
  replaceUrlHandling(prompt: UrlPrompt | undefined, open: ((uri: vscode.Uri) => Thenable<boolean>) | undefined): void {
    this.urlPrompt = prompt ?? showUrlModal;
    this.openExternal = open ?? openInBrowser;
  }

  /** Opens a page in the browser the URL elicitations use (replaced with it under the test runner). */
  openPage(uri: vscode.Uri): Thenable<boolean> {
    return this.openExternal(uri);
  }

  dispose(): void {
    this.shown.dispose();
  }

  async elicit(server: string, params: ElicitRequestParams, signal?: AbortSignal): Promise<ElicitResult> {
    if (params.mode === 'url') return this.askUrl(server, params);
    return this.askForm(server, params.message, params.requestedSchema, signal);
  }

  private async askUrl(server: string, params: { message: string; url: string }): Promise<ElicitResult> {
    let host: string;
    try {
      host = new URL(params.url).host;
    } catch {
      void vscode.window.showWarningMessage(`MCP Harness: the server '${server}' asked to open an address that is not a valid URL; it was declined.`);
      return { action: 'decline' };
    }
    const answer = await this.urlPrompt({ server, host, url: params.url, message: params.message });
    if (answer !== 'open') return { action: answer };
    await this.openExternal(vscode.Uri.parse(params.url, true));
    return { action: 'accept' };
  }

  private async askForm(server: string, message: string, schema: unknown, signal?: AbortSignal): Promise<ElicitResult> {
    const fields = fieldsOf(schema);
    const values: Record<string, Value> = {};
    const total = fields.length + 1;
    let i = 0;
    while (i <= fields.length) {
      if (signal?.aborted) return { action: 'cancel' };
      const field = fields[i];
      const title = `${server} asks: ${message}`;
      const outcome = field
        ? await this.askField(server, field, values[field.name], { title, step: i + 1, total }, signal)
        : await this.askDecision(server, fields, values, { title, step: total, total }, signal);
      if (outcome.kind === 'cancel' || outcome.kind === 'decline') return { action: outcome.kind };
      if (outcome.kind === 'back') {
        i = Math.max(0, i - 1);
        continue;
      }
      if (!field) return { action: 'accept', content: contentOf(fields, values) };
      values[field.name] = outcome.value;
      i++;
    }
    return { action: 'cancel' };
  }

  private askField(server: string, field: Field, current: Value, form: FormPlace, signal?: AbortSignal): Promise<StepOutcome> {
    if (field.kind === 'string' || field.kind === 'number') return this.askText(server, field, current, form, signal);
    return this.askChoice(server, field, current, form, signal);
  }

  private askText(server: string, field: Field, current: Value, form: FormPlace, signal?: AbortSignal): Promise<StepOutcome> {
    const box = vscode.window.createInputBox();
    place(box, form);
    const def = 'default' in field && field.default !== undefined ? String(field.default) : '';
    box.value = current !== undefined ? String(current) : def;
    box.prompt = `${field.title}${field.required ? '' : ' (optional)'}${field.description ? ` — ${field.description}` : ''}`;
    box.placeholder = hint(field);
    return run(box, signal, this.shown, { server, field: field.name, input: box }, (finish) => {
      box.onDidChangeValue((v) => (box.validationMessage = v === '' ? undefined : validateText(field, v)));
      box.onDidAccept(() => {
        const problem = validateText(field, box.value);
        if (problem) {
          box.validationMessage = problem;
          return;
        }
        finish({ kind: 'value', value: valueOf(field, box.value) });
      });
    });
  }

  private askChoice(server: string, field: Field, current: Value, form: FormPlace, signal?: AbortSignal): Promise<StepOutcome> {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { value?: string | boolean }>();
    place(pick, form);
    pick.placeholder = `${field.title}${field.required ? '' : ' (optional)'}${field.description ? ` — ${field.description}` : ''}`;
    const choices: (vscode.QuickPickItem & { value?: string | boolean })[] =
      field.kind === 'boolean'
        ? [{ label: 'Yes', value: true }, { label: 'No', value: false }]
        : field.kind === 'enum' || field.kind === 'multi'
          ? field.options.map((o) => ({ label: o.title, description: o.title === o.value ? undefined : o.value, value: o.value }))
          : [];
    if (!field.required && field.kind !== 'multi') choices.push({ label: LEAVE_OUT, description: 'send no value for this field' });
    pick.items = choices;
    const selected = current ?? ('default' in field ? field.default : undefined);
    if (field.kind === 'multi') {
      pick.canSelectMany = true;
      const chosen = new Set((selected as string[] | undefined) ?? []);
      pick.selectedItems = choices.filter((c) => chosen.has(c.value as string));
    } else if (selected !== undefined) {
      pick.activeItems = choices.filter((c) => c.value === selected);
    }
    return run(pick, signal, this.shown, { server, field: field.name, input: pick as unknown as vscode.QuickPick<vscode.QuickPickItem> }, (finish) => {
      pick.onDidAccept(() => {
        if (field.kind === 'multi') {
          const values = pick.selectedItems.map((c) => c.value as string);
          const problem = countProblem(field, values.length);
          if (problem) {
            pick.placeholder = problem;
            return;
          }
          finish({ kind: 'value', value: values });
          return;
        }
        const item = pick.activeItems[0];
        if (item) finish({ kind: 'value', value: item.value });
      });
    });
  }

  private askDecision(server: string, fields: Field[], values: Record<string, Value>, form: FormPlace, signal?: AbortSignal): Promise<StepOutcome> {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { action: 'accept' | 'decline' | 'cancel' }>();
    place(pick, form);
    const summary = fields.map((f) => `${f.title}: ${describeValue(f, values[f.name])}`).join(' · ');
    pick.placeholder = `Send these values to '${server}'?`;
    pick.items = [
      { label: '$(check) Accept', description: 'send the values', detail: summary || '(no fields)', action: 'accept' },
      { label: '$(close) Decline', description: 'tell the server no', action: 'decline' },
      { label: '$(circle-slash) Cancel', description: 'dismiss without answering', action: 'cancel' },
    ];
    return run(pick, signal, this.shown, { server, input: pick as unknown as vscode.QuickPick<vscode.QuickPickItem> }, (finish) => {
      pick.onDidAccept(() => {
        const action = pick.activeItems[0]?.action;
        if (action === 'accept') finish({ kind: 'value', value: undefined });
        else if (action) finish({ kind: action });
      });
    });
  }
}

interface FormPlace {
  title: string;
  step: number;
  total: number;
}

function place(input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, form: FormPlace): void {
  input.title = form.title;
  input.step = form.step;
  input.totalSteps = form.total;
  input.ignoreFocusOut = true;
  input.buttons = form.step > 1 ? [vscode.QuickInputButtons.Back, DECLINE_BUTTON] : [DECLINE_BUTTON];
}

/** Shows one step and settles on accept, Back, Decline, hide (cancel) or the request being aborted. */
function run(
  input: vscode.QuickInput & { readonly onDidTriggerButton: vscode.Event<vscode.QuickInputButton> },
  signal: AbortSignal | undefined,
  shown: vscode.EventEmitter<ElicitationStep>,
  step: ElicitationStep,
  wire: (finish: (o: StepOutcome) => void) => void,
): Promise<StepOutcome> {
  const quick = input;
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: StepOutcome) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(o);
      quick.dispose();
    };
    const onAbort = () => finish({ kind: 'cancel' });
    signal?.addEventListener('abort', onAbort, { once: true });
    quick.onDidTriggerButton((b) => finish(b === vscode.QuickInputButtons.Back ? { kind: 'back' } : { kind: 'decline' }));
    quick.onDidHide(() => finish({ kind: 'cancel' }));
    wire(finish);
    quick.show();
    shown.fire(step);
  });
}

function hint(field: Field): string {
  if (field.kind === 'number') {
    const range = [field.minimum !== undefined ? `≥ ${field.minimum}` : '', field.maximum !== undefined ? `≤ ${field.maximum}` : ''].filter(Boolean).join(', ');
    return `${field.integer ? 'A whole number' : 'A number'}${range ? ` (${range})` : ''}`;
  }
  if (field.kind === 'string' && field.format) return `Format: ${field.format}`;
  return field.required ? 'Required' : 'Optional: Enter with no text leaves it out';
}

function countProblem(field: Extract<Field, { kind: 'multi' }>, n: number): string | undefined {
  if (field.required && n === 0) return `Choose at least one ${field.title}.`;
  if (field.minItems !== undefined && n < field.minItems) return `Choose at least ${field.minItems}.`;
  if (field.maxItems !== undefined && n > field.maxItems) return `Choose at most ${field.maxItems}.`;
  return undefined;
}

function contentOf(fields: Field[], values: Record<string, Value>): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}
