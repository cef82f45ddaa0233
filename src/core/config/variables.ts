// `${...}` variables in config strings: VS Code's predefined ones, `${env:NAME}`, `${input:id}`, and
// Claude-style `${VAR}` / `${VAR:-default}` in the formats that use them.
import * as path from 'node:path';
import type { FormatSpec } from './formats';

export interface VariableRef {
  /** The text between `${` and `}`. */
  expression: string;
  /** Index of `$` in the string value. */
  start: number;
  /** Index just after `}` (or the name, for `$NAME`). */
  end: number;
  /** Written as `$NAME` (Gemini CLI), which can only name an environment variable. */
  unbraced?: boolean;
}

/** `${...}` everywhere; with `dollarNames` also Gemini CLI's unbraced `$NAME`. */
export function findVariables(value: string, dollarNames = false): VariableRef[] {
  const refs: VariableRef[] = [];
  const pattern = dollarNames ? /\$\{([^{}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g : /\$\{([^{}]*)\}/g;
  for (let m = pattern.exec(value); m; m = pattern.exec(value)) {
    refs.push({ expression: m[1] ?? m[2]!, start: m.index, end: m.index + m[0].length, ...(m[2] !== undefined ? { unbraced: true } : {}) });
  }
  return refs;
}

/** The input id a `${input:id}` expression names, or undefined. */
export function inputIdOf(expression: string): string | undefined {
  return expression.startsWith('input:') ? expression.slice('input:'.length) : undefined;
}

export type InputLookup =
  | { kind: 'value'; value: string }
  /** Not asked (parseConfigFile, or deferred discovery): keep `${input:id}` in place. */
  | { kind: 'deferred' }
  | { kind: 'undefined' }
  | { kind: 'missing'; message: string };

export interface VariableContext {
  format: FormatSpec;
  workspaceFolder?: string;
  /** Every open workspace folder, for `${workspaceFolder:name}`. */
  folders: readonly string[];
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  input(id: string): InputLookup;
}

export interface VariableFailure {
  ref: VariableRef;
  code: 'unresolved-variable' | 'unknown-variable' | 'unknown-input';
  message: string;
}

export interface TemplateResult {
  value: string;
  failures: VariableFailure[];
  /** Input ids left in place because inputs were not asked. */
  deferredInputs: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_WITH_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*):-([\s\S]*)$/;

export function lookupEnv(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (env[name] !== undefined) return env[name];
  if (platform === 'win32') {
    // Windows environment names are case-insensitive.
    const upper = name.toUpperCase();
    for (const key of Object.keys(env)) if (key.toUpperCase() === upper) return env[key];
  }
  return undefined;
}

function supportedList(format: FormatSpec): string {
  const list = ['${workspaceFolder}', '${workspaceFolderBasename}', '${userHome}', '${pathSeparator}', '${env:NAME}'];
  if (format.hasInputs) list.push('${input:id}');
  if (format.bareEnvVariables) list.push('${NAME}', '${NAME:-default}');
  return list.join(', ');
}

type Resolved = { value: string } | { deferred: string } | Omit<VariableFailure, 'ref'>;

function resolveExpression(expr: string, ctx: VariableContext): Resolved {
  const sep = ctx.platform === 'win32' ? '\\' : '/';
  const pathApi = ctx.platform === 'win32' ? path.win32 : path.posix;
  const noFolder = (): Resolved => ({
    code: 'unresolved-variable',
    message: `\${${expr}} has no value in ${ctx.format.client}'s user-level config, which belongs to no workspace folder: write the path itself.`,
  });
  switch (expr) {
    case 'workspaceFolder':
      return ctx.workspaceFolder !== undefined ? { value: ctx.workspaceFolder } : noFolder();
    case 'workspaceFolderBasename':
      return ctx.workspaceFolder !== undefined ? { value: pathApi.basename(ctx.workspaceFolder) } : noFolder();
    case 'userHome':
      return { value: ctx.home };
    case 'pathSeparator':
    case '/':
      return { value: sep };
  }
  if (expr.startsWith('workspaceFolder:')) {
    const name = expr.slice('workspaceFolder:'.length);
    const folder = ctx.folders.find((f) => pathApi.basename(f) === name);
    if (folder !== undefined) return { value: folder };
    const open = ctx.folders.map((f) => pathApi.basename(f)).join(', ') || 'none';
    return {
      code: 'unresolved-variable',
      message: `\${${expr}} names no open workspace folder (open folders: ${open}): use the name of an open folder, or \${workspaceFolder}.`,
    };
  }
  if (expr.startsWith('env:')) {
    const name = expr.slice('env:'.length);
    if (!name) return { code: 'unknown-variable', message: '${env:} names no variable: write ${env:NAME}.' };
    const value = lookupEnv(ctx.env, name, ctx.platform);
    if (value !== undefined) return { value };
    return {
      code: 'unresolved-variable',
      message: `The environment variable ${name} (used as \${${expr}}) is not set: set it in the environment that starts the editor or the CLI, or write the value directly.`,
    };
  }
  if (expr.startsWith('input:')) {
    const id = expr.slice('input:'.length);
    if (!ctx.format.hasInputs) {
      return {
        code: 'unknown-input',
        message: `\${input:${id}} only works in .vscode/mcp.json, which has an "inputs" list; ${ctx.format.client}'s format has none: use an environment variable such as \${${id.toUpperCase().replace(/[^A-Z0-9]/g, '_') || 'NAME'}} instead.`,
      };
    }
    const lookup = ctx.input(id);
    switch (lookup.kind) {
      case 'value':
        return { value: lookup.value };
      case 'deferred':
        return { deferred: id };
      case 'undefined':
        return {
          code: 'unknown-input',
          message: `The input "${id}" is not defined: add {"id": "${id}", "type": "promptString", "description": "..."} to the "inputs" list of this file.`,
        };
      case 'missing':
        return { code: 'unresolved-variable', message: lookup.message };
    }
  }
  if (ctx.format.bareEnvVariables) {
    if (ENV_NAME.test(expr)) {
      const value = lookupEnv(ctx.env, expr, ctx.platform);
      if (value !== undefined) return { value };
      return {
        code: 'unresolved-variable',
        message: `The environment variable ${expr} (used as \${${expr}}) is not set: set it, or give a default with \${${expr}:-value}.`,
      };
    }
    const withDefault = BARE_WITH_DEFAULT.exec(expr);
    if (withDefault) {
      // Shell semantics of :- : the default also replaces an empty value.
      const value = lookupEnv(ctx.env, withDefault[1]!, ctx.platform);
      return { value: value ? value : withDefault[2]! };
    }
  } else if (ENV_NAME.test(expr) || BARE_WITH_DEFAULT.test(expr)) {
    const name = expr.split(':-')[0]!;
    return {
      code: 'unknown-variable',
      message: `\${${expr}} is not a ${ctx.format.client} variable: write \${env:${name}} to read the environment variable ${name}.`,
    };
  }
  return {
    code: 'unknown-variable',
    message: `\${${expr}} is not a variable MCP Harness can resolve: use one of ${supportedList(ctx.format)}, or write the value directly.`,
  };
}

function resolveUnbraced(name: string, ctx: VariableContext): Resolved {
  const value = lookupEnv(ctx.env, name, ctx.platform);
  if (value !== undefined) return { value };
  return {
    code: 'unresolved-variable',
    message: `The environment variable ${name} (used as $${name}) is not set: set it, or write the value directly.`,
  };
}

/** Substitutes every variable in `value`; failures keep the variable's text in place. */
export function resolveTemplate(value: string, ctx: VariableContext): TemplateResult {
  const failures: VariableFailure[] = [];
  const deferredInputs: string[] = [];
  let out = '';
  let last = 0;
  for (const ref of findVariables(value, ctx.format.dollarEnvVariables)) {
    out += value.slice(last, ref.start);
    last = ref.end;
    const resolved = ref.unbraced ? resolveUnbraced(ref.expression, ctx) : resolveExpression(ref.expression, ctx);
    if ('value' in resolved) out += resolved.value;
    else {
      out += value.slice(ref.start, ref.end);
      if ('deferred' in resolved) deferredInputs.push(resolved.deferred);
      else failures.push({ ref, code: resolved.code, message: resolved.message });
    }
  }
  out += value.slice(last);
  return { value: out, failures, deferredInputs };
}
