// The workspace's .vscode/settings.json as every CLI command that runs tools reads it (run, call, exec, agent, lab,
// gateway): strictly, so nothing runs under a policy only partly read. Kept apart from the gateway's settings code
// so a plain call does not load it.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeParseError, getNodeValue, offsetToPosition, parseDocument } from '../core/config/jsonc';
import { settingsJsonReader, type SettingReader } from '../core/guards/settings';

/** A settings file that could not be read: the message says where and what; each use says what follows from it. */
export class SettingsFileError extends Error {
  private get what(): string {
    return this.message.replace(/\.$/, '');
  }

  /** At start: nothing is served under settings the user did not mean. */
  get atStart(): string {
    return `${this.what}. The gateway did not start: fix the file, then start it again.`;
  }

  /** Before a run (call, run, exec, agent): nothing runs under a policy the user did not mean. */
  get atRun(): string {
    return `${this.what}. Nothing was run: fix the file (or move it aside), then run the command again.`;
  }

  /** At a reload: the settings in use stay. */
  get atReload(): string {
    return `${this.what}. The change was not applied: the gateway keeps its running settings until the file is fixed.`;
  }
}

export function settingsFile(folder: string): string {
  return join(folder, '.vscode', 'settings.json');
}

/**
 * The workspace's mcpHarness.* settings, read strictly: a syntax error or a file that is not a JSON object throws a
 * SettingsFileError naming the file, line and column. A missing file is no settings.
 */
export function readSettingsFile(folder: string, cwd = folder): SettingReader {
  const file = settingsFile(folder);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // No file (or no folder: the workspace check says so) is no settings.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return () => undefined;
    throw new SettingsFileError(`${file}: ${(err as Error).message}`);
  }
  const { root, errors } = parseDocument(text);
  const where = (offset: number) => {
    const { line, character } = offsetToPosition(text, offset);
    const shown = relative(cwd, file);
    return `${shown && !shown.startsWith('..') ? shown : file}:${line + 1}:${character + 1}`;
  };
  if (errors.length) throw new SettingsFileError(`${where(errors[0].offset)}: ${describeParseError(errors[0])}`);
  const value: unknown = root ? getNodeValue(root) : {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SettingsFileError(`${where(root?.offset ?? 0)}: the file must hold one JSON object ({ "mcpHarness.policy.deny": [...] , … })`);
  return settingsJsonReader(value as Record<string, unknown>);
}
