// `${input:id}` values: defined in the `inputs` list of .vscode/mcp.json and supplied by the host —
// the extension asks with an input box (and keeps them in SecretStorage), the CLI reads environment variables.
import type { SourceRange } from './types';

export interface InputDefinition {
  id: string;
  type: 'promptString' | 'pickString';
  description?: string;
  /** Hide what is typed (promptString). */
  password?: boolean;
  default?: string;
  /** pickString choices (the values); labels, when written as {label, value}, are in `optionLabels`. */
  options?: string[];
  /** Labels parallel to `options` (the value itself when no label was written). */
  optionLabels?: string[];
  /** The file whose `inputs` list defines it. */
  file: string;
  workspaceFolder?: string;
  /** Range of the input's object in the file. */
  range: SourceRange;
}

export interface InputRequest {
  /** The server (as named in the file) that first needs the value. */
  server: string;
  file: string;
  workspaceFolder?: string;
}

/**
 * Supplies the value of an input. Return undefined when there is none (the user cancelled, or no
 * variable is set): the servers that need it get an `unresolved-variable` problem. A thrown Error's
 * message becomes the problem's message, so throw sentences that say what to do.
 * Asked at most once per (file, input id) per discovery.
 */
export type InputResolver = (input: InputDefinition, request: InputRequest) => Promise<string | undefined>;

/** The environment variable the CLI reads an input from: MCP_HARNESS_INPUT_ + the id in upper case, non-alphanumerics as _. */
export function inputEnvName(id: string): string {
  return 'MCP_HARNESS_INPUT_' + id.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * The CLI's resolver: MCP_HARNESS_INPUT_<ID> (see inputEnvName), falling back to the input's `default`.
 * An empty variable counts as a value (an intentionally empty string). Without either, the problem
 * names the variable to set.
 */
export function envInputResolver(env: NodeJS.ProcessEnv = process.env): InputResolver {
  return async (input) => {
    const name = inputEnvName(input.id);
    const value = env[name] ?? input.default;
    if (value !== undefined) return value;
    throw new Error(`No value was given for the input "${input.id}"${input.description ? ` (${input.description})` : ''}: set the environment variable ${name}.`);
  };
}
