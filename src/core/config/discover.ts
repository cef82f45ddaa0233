// Discovery: every MCP config file of the open workspace folders (and, when asked, the user's Claude
// Desktop config) read, parsed, resolved and merged into one list of definitions and problems.
// Never throws for bad input: everything wrong becomes a ConfigProblem at an exact range.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson } from '../util/canonical';
import { parseDotenv } from './dotenv';
import { type ConfigFileCandidate, configFileCandidates, displayPath, FORMATS, userConfigCandidates } from './formats';
import { envInputResolver, type InputDefinition, type InputResolver } from './inputs';
import { type ParsedConfig, type ParsedServer, parseConfigDocument, type StringField } from './parse';
import { type EnvFileState, type ResolveEnvironment, ServerResolver } from './resolve';
import type { ConfigKind, ConfigProblem, ServerDefinition } from './types';
import { findVariables, type InputLookup, inputIdOf } from './variables';

export interface DiscoveredFile {
  path: string;
  kind: ConfigKind;
  exists: boolean;
  /** Absent for user-level configs. */
  workspaceFolder?: string;
}

export interface DiscoveryResult {
  definitions: ServerDefinition[];
  problems: ConfigProblem[];
  /** Every candidate file, existing or not (watch them all: creating one must refresh). */
  files: DiscoveredFile[];
  /** Input definitions of every .vscode/mcp.json read (the extension needs them to prompt). */
  inputs: InputDefinition[];
}

export interface DiscoverOptions {
  /** Absolute paths of the open workspace folders. */
  folders: string[];
  /** Also read Claude Desktop's user config (setting mcpHarness.discovery.includeUserConfigs). */
  includeUserConfigs?: boolean;
  home?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Supplies `${input:id}` values; defaults to envInputResolver(env) (MCP_HARNESS_INPUT_<ID>). */
  resolveInput?: InputResolver;
  /**
   * Leave `${input:id}` in place instead of asking (all servers, or those the function picks): the
   * definition lists them in `pendingInputs`. Lets a view refresh without prompting.
   */
  deferInputs?: boolean | ((server: { id: string; name: string; file: string }) => boolean);
  /** Reads a file; undefined means it does not exist. Defaults to the file system (UTF-8). */
  readFile?: (path: string) => Promise<string | undefined>;
}

export async function defaultReadFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function readErrorMessage(err: unknown, shown: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EISDIR') return `${shown} is a folder, not a file: remove or rename the folder.`;
  if (code === 'EACCES' || code === 'EPERM') return `${shown} could not be read (permission denied): allow read access to it.`;
  return `${shown} could not be read (${err instanceof Error ? err.message : String(err)}): check that it is a readable text file.`;
}

const LAUNCH_FIELDS = ['transport', 'command', 'args', 'env', 'cwd', 'url', 'headers'] as const;

function stringFieldsOf(server: ParsedServer): StringField[] {
  return [
    ...(server.command ? [server.command] : []),
    ...(server.args ?? []),
    ...(server.env ?? []).map((e) => e.value),
    ...(server.envFile ? [server.envFile] : []),
    ...(server.cwd ? [server.cwd] : []),
    ...(server.url ? [server.url] : []),
    ...(server.headers ?? []).map((e) => e.value),
    ...[server.oauth?.clientId, server.oauth?.clientSecret, server.oauth?.clientMetadataUrl].filter((f): f is StringField => f !== undefined),
  ];
}

/** Input ids a server refers to, in order of first use. */
function inputIdsOf(server: ParsedServer): string[] {
  const ids: string[] = [];
  for (const field of stringFieldsOf(server)) {
    for (const ref of findVariables(field.value, FORMATS[server.kind].dollarEnvVariables)) {
      if (ref.unbraced) continue;
      const id = inputIdOf(ref.expression);
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

interface Entry {
  config: ParsedConfig;
  server: ParsedServer;
  id: string;
}

/**
 * Ids: a name defined in one file keeps its name. A name defined in several files gets `@<kind>` on
 * every definition (`memory@vscode`, `memory@cursor`); if that still collides (the same kind of file in
 * two workspace folders) `:<folder name>` is added (`memory@vscode:api`), then `#2`, `#3`... in order.
 */
function assignIds(entries: Entry[]): void {
  const byName = new Map<string, Entry[]>();
  for (const entry of entries) byName.set(entry.server.name, [...(byName.get(entry.server.name) ?? []), entry]);
  for (const group of byName.values()) {
    if (group.length === 1) continue;
    for (const entry of group) entry.id = `${entry.server.name}@${entry.server.kind}`;
    const byId = new Map<string, Entry[]>();
    for (const entry of group) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry]);
    for (const same of byId.values()) {
      if (same.length === 1) continue;
      for (const entry of same) {
        if (entry.server.workspaceFolder !== undefined) entry.id += `:${path.basename(entry.server.workspaceFolder)}`;
      }
    }
  }
  const taken = new Set<string>();
  for (const entry of entries) {
    let id = entry.id;
    for (let n = 2; taken.has(id); n++) id = `${entry.id}#${n}`;
    entry.id = id;
    taken.add(id);
  }
}

function compareNotes(definitions: ServerDefinition[], shown: (def: ServerDefinition) => string): void {
  const byName = new Map<string, ServerDefinition[]>();
  for (const def of definitions) byName.set(def.name, [...(byName.get(def.name) ?? []), def]);
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    for (const def of group) {
      for (const other of group) {
        if (other === def) continue;
        const differing = LAUNCH_FIELDS.filter((field) => canonicalJson(def[field]) !== canonicalJson(other[field]));
        def.notes.push(differing.length === 0 ? `same as ${shown(other)}` : `differs from ${shown(other)}: ${differing.join(', ')}`);
      }
    }
  }
}

export async function discover(options: DiscoverOptions): Promise<DiscoveryResult> {
  const platform = options.platform ?? process.platform;
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const home = options.home ?? os.homedir();
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? defaultReadFile;
  const resolveInput = options.resolveInput ?? envInputResolver(env);
  const folders: string[] = [];
  for (const folder of options.folders) {
    const resolved = pathApi.resolve(folder);
    if (!folders.includes(resolved)) folders.push(resolved);
  }
  const multiRoot = folders.length > 1;
  const shownFile = (file: string, folder: string | undefined): string => displayPath(file, folder, home, multiRoot);

  const candidates: Array<ConfigFileCandidate & { workspaceFolder?: string }> = [];
  for (const folder of folders) for (const c of configFileCandidates(folder)) candidates.push({ ...c, workspaceFolder: folder });
  if (options.includeUserConfigs) candidates.push(...userConfigCandidates(home, platform, env));

  const problems: ConfigProblem[] = [];
  const files: DiscoveredFile[] = [];
  const configs: ParsedConfig[] = [];
  for (const candidate of candidates) {
    let text: string | undefined;
    const file: DiscoveredFile = { path: candidate.path, kind: candidate.kind, exists: false };
    if (candidate.workspaceFolder !== undefined) file.workspaceFolder = candidate.workspaceFolder;
    files.push(file);
    try {
      text = await readFile(candidate.path);
    } catch (err) {
      file.exists = true;
      problems.push({
        file: candidate.path,
        range: { offset: 0, length: 0 },
        severity: 'error',
        code: 'read-error',
        message: readErrorMessage(err, shownFile(candidate.path, candidate.workspaceFolder)),
      });
      continue;
    }
    if (text === undefined) continue;
    file.exists = true;
    configs.push(parseConfigDocument(text, candidate.path, candidate.kind, candidate.workspaceFolder));
  }

  const entries: Entry[] = [];
  for (const config of configs) for (const server of config.servers) entries.push({ config, server, id: server.name });
  assignIds(entries);

  const environment: ResolveEnvironment = { folders, home, env, platform };
  const asked = new Map<string, Promise<InputLookup>>();
  const askInput = (input: InputDefinition, server: ParsedServer): Promise<InputLookup> => {
    const key = `${input.file}\0${input.id}`;
    let pending = asked.get(key);
    if (!pending) {
      pending = (async (): Promise<InputLookup> => {
        let value: string | undefined;
        try {
          value = await resolveInput(input, {
            server: server.name,
            file: input.file,
            ...(input.workspaceFolder !== undefined ? { workspaceFolder: input.workspaceFolder } : {}),
          });
        } catch (err) {
          return { kind: 'missing', message: err instanceof Error ? err.message : String(err) };
        }
        if (value === undefined) {
          return {
            kind: 'missing',
            message: `No value was given for the input "${input.id}"${input.description ? ` (${input.description})` : ''}.`,
          };
        }
        if (input.type === 'pickString' && input.options && !input.options.includes(value)) {
          return {
            kind: 'missing',
            message: `The value given for the input "${input.id}" is not one of its options: choose one of ${input.options.map((o) => `"${o}"`).join(', ')}.`,
          };
        }
        return { kind: 'value', value };
      })();
      asked.set(key, pending);
    }
    return pending;
  };

  const definitions: ServerDefinition[] = [];
  const idOf = new Map<string, string>(); // file \0 name -> id
  for (const entry of entries) {
    const { config, server } = entry;
    idOf.set(`${config.file}\0${server.name}`, entry.id);
    const deferAll = typeof options.deferInputs === 'function'
      ? options.deferInputs({ id: entry.id, name: server.name, file: config.file })
      : options.deferInputs === true;
    // A broken definition cannot start anyway: do not make the user type secrets for it.
    const defer = deferAll || server.errors.length > 0;
    const lookups = new Map<string, InputLookup>();
    for (const id of inputIdsOf(server)) {
      const input = config.inputs.find((i) => i.id === id);
      if (!input) lookups.set(id, { kind: 'undefined' });
      else if (defer) lookups.set(id, { kind: 'deferred' });
      else lookups.set(id, await askInput(input, server));
    }
    const resolver = new ServerResolver(server, config.text, environment, (id) => lookups.get(id) ?? { kind: 'undefined' });

    let envFile: EnvFileState = { kind: 'not-read' };
    const envFilePath = resolver.envFilePath();
    if (envFilePath !== undefined && server.envFile) {
      const shown = pathApi.relative(server.workspaceFolder ?? pathApi.dirname(config.file), envFilePath).split('\\').join('/');
      let envText: string | undefined;
      let readError: unknown;
      try {
        envText = await readFile(envFilePath);
      } catch (err) {
        readError = err;
      }
      const range = { offset: server.envFile.node.offset, length: server.envFile.node.length };
      if (readError !== undefined) {
        resolver.addError(range, 'envfile-unreadable', `The envFile of server "${server.name}": ${readErrorMessage(readError, shown)}`);
        envFile = { kind: 'failed', path: envFilePath };
      } else if (envText === undefined) {
        resolver.addError(
          range,
          'envfile-missing',
          `The envFile "${shown}" of server "${server.name}" does not exist: create it (lines of NAME=value), fix the path, or remove "envFile".`,
        );
        envFile = { kind: 'failed', path: envFilePath };
      } else {
        const parsed = parseDotenv(envText);
        for (const problem of parsed.problems) {
          problems.push({ file: envFilePath, range: problem.range, severity: 'warning', code: 'envfile-syntax', message: problem.message, server: entry.id });
        }
        envFile = { kind: 'loaded', path: envFilePath, values: parsed.values };
      }
    }
    const definition = resolver.definition(envFile);
    definition.id = entry.id;
    definitions.push(definition);
    for (const problem of resolver.problems) problems.push({ ...problem, server: entry.id });
  }

  // Problems found while parsing name the server as written; report them with the id.
  const parseProblems: ConfigProblem[] = [];
  for (const config of configs) {
    for (const problem of config.problems) {
      parseProblems.push(problem.server !== undefined ? { ...problem, server: idOf.get(`${config.file}\0${problem.server}`) ?? problem.server } : problem);
    }
  }
  compareNotes(definitions, (def) => shownFile(def.source.file, def.source.workspaceFolder));

  // Grouped by file in reading order (env files last), then by position.
  const fileOrder = (file: string): number => {
    const index = candidates.findIndex((c) => c.path === file);
    return index < 0 ? candidates.length : index;
  };
  const allProblems = [...parseProblems, ...problems].sort(
    (a, b) => fileOrder(a.file) - fileOrder(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.range.offset - b.range.offset,
  );
  return {
    definitions,
    problems: allProblems,
    files,
    inputs: configs.flatMap((c) => c.inputs),
  };
}

export interface ParseContext {
  folders?: string[];
  home?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * Parses one config file's text without touching the disk or asking anything — for diagnostics on
 * unsaved editor text. Variables are substituted except `${input:id}` (left in place and listed in
 * `pendingInputs`); the envFile is neither read nor checked (discover does that).
 */
export function parseConfigFile(
  text: string,
  file: string,
  kind: ConfigKind,
  folder?: string,
  context: ParseContext = {},
): { definitions: ServerDefinition[]; problems: ConfigProblem[]; inputs: InputDefinition[] } {
  const config = parseConfigDocument(text, file, kind, folder);
  const environment: ResolveEnvironment = {
    folders: context.folders ?? (folder !== undefined ? [folder] : []),
    home: context.home ?? os.homedir(),
    env: context.env ?? process.env,
    platform: context.platform ?? process.platform,
  };
  const problems = [...config.problems];
  const definitions: ServerDefinition[] = [];
  for (const server of config.servers) {
    const resolver = new ServerResolver(server, text, environment, (id) =>
      config.inputs.some((i) => i.id === id) ? { kind: 'deferred' } : { kind: 'undefined' },
    );
    resolver.envFilePath();
    definitions.push(resolver.definition({ kind: 'not-read' }));
    problems.push(...resolver.problems);
  }
  problems.sort((a, b) => a.range.offset - b.range.offset);
  return { definitions, problems, inputs: config.inputs };
}

export { configFileCandidates, userConfigCandidates, FORMATS };
