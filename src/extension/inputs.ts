// `${input:id}` values for .vscode/mcp.json: asked once with an input box (or a quick pick) and kept in
// SecretStorage, so a password typed once is neither asked again nor written anywhere in plain text.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InputDefinition, InputRequest, InputResolver } from '../core/config/inputs';

const INDEX_KEY = 'mcpHarness.inputs.index.v1';

function secretKey(input: Pick<InputDefinition, 'file' | 'id'>): string {
  return `mcpHarness.input:${input.file}#${input.id}`;
}

export class InputStore {
  /** While a discovery runs, a cancelled prompt is not asked again for the same input. */
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly index: vscode.Memento,
  ) {}

  readonly resolve: InputResolver = async (input: InputDefinition, request: InputRequest) => {
    const key = secretKey(input);
    const stored = await this.secrets.get(key);
    if (stored !== undefined) return stored;
    if (this.cancelled.has(key)) return undefined;
    const value = await this.ask(input, request);
    if (value === undefined) {
      this.cancelled.add(key);
      throw new Error(
        `No value was given for input "${input.id}". Run "MCP Harness: Refresh Servers" to be asked again.`,
      );
    }
    await this.secrets.store(key, value);
    const keys = new Set(this.index.get<string[]>(INDEX_KEY) ?? []);
    keys.add(key);
    await this.index.update(INDEX_KEY, [...keys]);
    return value;
  };

  async allStored(file: string, ids: string[]): Promise<boolean> {
    for (const id of ids) if ((await this.secrets.get(secretKey({ file, id }))) === undefined) return false;
    return true;
  }

  /** A refresh the user asked for may ask cancelled inputs again. */
  resetCancelled(): void {
    this.cancelled.clear();
  }

  /**
   * Deletes every saved value: those this workspace recorded, and those of the inputs the config files
   * declare now (a value may outlive the workspace's own record of it). Returns how many existed.
   */
  async forgetAll(declared: readonly { file: string; id: string }[] = []): Promise<number> {
    const keys = new Set(this.index.get<string[]>(INDEX_KEY) ?? []);
    for (const d of declared) keys.add(secretKey(d));
    let n = 0;
    for (const k of keys) {
      if ((await this.secrets.get(k)) !== undefined) n++;
      await this.secrets.delete(k);
    }
    await this.index.update(INDEX_KEY, []);
    this.cancelled.clear();
    return n;
  }

  private async ask(input: InputDefinition, request: InputRequest): Promise<string | undefined> {
    const where = `${request.server} in ${path.basename(path.dirname(input.file))}/${path.basename(input.file)}`;
    if (input.type === 'pickString' && input.options?.length) {
      const items = input.options.map((value, i) => ({
        label: input.optionLabels?.[i] ?? value,
        description: input.optionLabels?.[i] && input.optionLabels[i] !== value ? value : undefined,
        value,
        picked: value === input.default,
      }));
      const pick = await vscode.window.showQuickPick(items, {
        title: `MCP input "${input.id}" for ${where}`,
        placeHolder: input.description ?? `Choose a value for ${input.id}`,
        ignoreFocusOut: true,
      });
      return pick?.value;
    }
    return vscode.window.showInputBox({
      title: `MCP input "${input.id}" for ${where}`,
      prompt: input.description ?? `Value for \${input:${input.id}}`,
      value: input.password ? undefined : input.default,
      password: input.password === true,
      ignoreFocusOut: true,
    });
  }
}
