// Turning a parsed server into a ServerDefinition: variables substituted, envFile merged, paths made
// absolute, problems for everything that could not be resolved (at the range of the variable itself).
import * as path from 'node:path';
import { hashCanonical } from '../util/canonical';
import { FORMATS } from './formats';
import { clampRange, stringValueOffsets } from './jsonc';
import type { ParsedServer, StringField } from './parse';
import type { ConfigProblem, OAuthClientSetting, ServerDefinition } from './types';
import { type InputLookup, resolveTemplate, type VariableContext } from './variables';

export interface ResolveEnvironment {
  folders: readonly string[];
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

/** The envFile's parsed variables, or why there are none. */
export type EnvFileState =
  | { kind: 'loaded'; path: string; values: Record<string, string> }
  | { kind: 'failed'; path: string }
  | { kind: 'not-read' };

export function launchFingerprint(def: Pick<ServerDefinition, 'transport' | 'command' | 'args' | 'env' | 'cwd' | 'url' | 'headers' | 'protocol'>): string {
  return hashCanonical({
    transport: def.transport,
    command: def.command,
    args: def.args,
    env: def.env,
    cwd: def.cwd,
    url: def.url,
    headers: def.headers,
    // Absent unless set, so the hashes of definitions without it (consent, pins) are unchanged.
    protocol: def.protocol,
  });
}

export class ServerResolver {
  readonly problems: ConfigProblem[] = [];
  readonly errors: string[];
  readonly deferredInputs = new Set<string>();
  private readonly ctx: VariableContext;

  constructor(
    private readonly server: ParsedServer,
    private readonly text: string,
    environment: ResolveEnvironment,
    inputs: (id: string) => InputLookup,
  ) {
    this.errors = [...server.errors];
    this.ctx = {
      format: FORMATS[server.kind],
      ...(server.workspaceFolder !== undefined ? { workspaceFolder: server.workspaceFolder } : {}),
      folders: environment.folders,
      home: environment.home,
      env: environment.env,
      platform: environment.platform,
      input: inputs,
    };
  }

  private get pathApi(): typeof path.posix {
    return this.ctx.platform === 'win32' ? path.win32 : path.posix;
  }

  /** Substitutes variables in one string field; returns undefined when a variable failed. */
  resolve(field: StringField): string | undefined {
    const result = resolveTemplate(field.value, this.ctx);
    for (const id of result.deferredInputs) this.deferredInputs.add(id);
    if (result.failures.length === 0) return result.value;
    const offsets = stringValueOffsets(this.text, field.node);
    for (const failure of result.failures) {
      const start = offsets[failure.ref.start] ?? field.node.offset;
      const end = offsets[failure.ref.end] ?? field.node.offset + field.node.length;
      this.problems.push({
        file: this.server.file,
        range: clampRange(this.text, { offset: start, length: end - start }),
        severity: 'error',
        code: failure.code,
        message: failure.message,
        server: this.server.name,
      });
      this.errors.push(failure.message);
    }
    return undefined;
  }

  /** Relative paths count from the workspace folder (or, for a user config, the file's folder). */
  absolutePath(value: string): string {
    const api = this.pathApi;
    if (api.isAbsolute(value)) return api.normalize(value);
    const base = this.server.workspaceFolder ?? api.dirname(this.server.file);
    return api.resolve(base, value);
  }

  /** The envFile's absolute path after substitution (undefined when absent or unresolvable). */
  envFilePath(): string | undefined {
    if (!this.server.envFile) return undefined;
    const value = this.resolve(this.server.envFile);
    return value === undefined || this.deferredInputs.size > 0 ? undefined : this.absolutePath(value);
  }

  addError(range: ConfigProblem['range'], code: string, message: string): void {
    this.problems.push({ file: this.server.file, range: clampRange(this.text, range), severity: 'error', code, message, server: this.server.name });
    this.errors.push(message);
  }

  definition(envFile: EnvFileState): ServerDefinition {
    const s = this.server;
    const def: ServerDefinition = {
      id: s.name,
      name: s.name,
      source: {
        file: s.file,
        kind: s.kind,
        ...(s.workspaceFolder !== undefined ? { workspaceFolder: s.workspaceFolder } : {}),
        nameRange: s.nameRange,
        range: s.range,
      },
      transport: s.transport,
      hash: '',
      notes: [],
    };
    if (s.command) {
      const command = this.resolve(s.command);
      if (command !== undefined) def.command = command;
    }
    if (s.args) {
      def.args = s.args.map((arg) => this.resolve(arg) ?? arg.value);
    }
    const env: Record<string, string> = {};
    let hasEnv = false;
    if (envFile.kind === 'loaded') {
      Object.assign(env, envFile.values);
      hasEnv = true;
      def.envFile = envFile.path;
    } else if (envFile.kind === 'failed') {
      def.envFile = envFile.path;
    }
    if (s.env) {
      hasEnv = true;
      for (const entry of s.env) {
        const value = this.resolve(entry.value);
        if (value !== undefined) env[entry.name] = value;
      }
    }
    if (hasEnv) def.env = env;
    if (s.cwd) {
      const cwd = this.resolve(s.cwd);
      if (cwd !== undefined) def.cwd = this.deferredInputs.size > 0 && cwd.includes('${input:') ? cwd : this.absolutePath(cwd);
    }
    if (s.url) {
      const url = this.resolve(s.url);
      if (url !== undefined) {
        def.url = url;
        if (!url.includes('${input:')) this.checkUrl(s.url, url);
      }
    }
    if (s.headers) {
      const headers: Record<string, string> = {};
      for (const entry of s.headers) {
        const value = this.resolve(entry.value);
        if (value !== undefined) headers[entry.name] = value;
      }
      def.headers = headers;
    }
    if (s.timeoutMs !== undefined) def.timeoutMs = s.timeoutMs;
    if (s.protocol !== undefined) def.protocol = s.protocol;
    if (s.oauth) {
      const oauth: OAuthClientSetting = {};
      for (const key of ['clientId', 'clientSecret', 'clientMetadataUrl'] as const) {
        const field = s.oauth[key];
        const value = field && this.resolve(field);
        if (value !== undefined) oauth[key] = value;
      }
      if (Object.keys(oauth).length) def.oauth = oauth;
    }
    if (s.includeTools) def.includeTools = s.includeTools;
    if (s.excludeTools) def.excludeTools = s.excludeTools;
    if (s.dev) def.dev = s.dev;
    if (s.disabled) {
      def.disabled = true;
      def.notes.push(`Disabled in ${FORMATS[s.kind].client}'s config ("disabled": true).`);
    }
    if (this.deferredInputs.size > 0) def.pendingInputs = [...this.deferredInputs];
    def.hash = launchFingerprint(def);
    if (this.errors.length > 0) {
      def.error = this.errors.length === 1 ? this.errors[0]! : `${this.errors[0]} (${this.errors.length - 1} more problem${this.errors.length > 2 ? 's' : ''} in this definition.)`;
    }
    return def;
  }

  private checkUrl(field: StringField, url: string): void {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      this.addError(
        { offset: field.node.offset, length: field.node.length },
        'invalid-url',
        `The URL of server "${this.server.name}" is not a valid http:// or https:// address: write it like https://example.com/mcp.`,
      );
    }
  }
}
