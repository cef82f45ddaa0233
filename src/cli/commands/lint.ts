// `mcp-harness lint`: lints the tools of every server of a workspace, or an offline tools file.
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { parse, type ParseError } from 'jsonc-parser';
import { ServerError } from '../../core/servers/errors';
import { RULE_IDS, ToolLinter, checkRuleSettings, findToolSources, parseToolsFile, ToolsFileError, type LintFinding, type LintOptions, type RuleSetting, type ServerTools } from '../../core/lint';
import { MAX_TOOLS_FILE_BYTES } from '../../core/lint/toolsFile';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand, type CliIO } from '../io';
import { openWorkspace, type OpenedWorkspace } from '../workspace';

export const lintCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness lint [--workspace DIR] [--tools-file FILE [--server NAME]] [--rule ID=LEVEL]... [--token-threshold N] [--json]',
    '',
    'Starts every server configured in the workspace, lists its tools and lints them; or lints an',
    'offline FILE holding a tools/list result ({"tools": [...]}), a JSON array of tools, or',
    '{"<server>": {"tools": [...]}, ...} for several servers.',
    '',
    '  --workspace DIR        the workspace folder (default: the current folder); its',
    '                         .vscode/settings.json mcpHarness.lint.* settings apply',
    '  --tools-file FILE      lint FILE instead of starting servers (with --workspace, under',
    '                         that workspace\'s lint settings)',
    '  --server NAME          the server name to report for a single-list FILE (default: the file name)',
    '  --rule ID=LEVEL        re-grade or disable a rule: off, info, warning, error (repeatable)',
    '  --token-threshold N    description-cost fires at N tokens (default 1000)',
    '  --user-configs         also read Claude Desktop\'s user config',
    '  --json                 print [{server, tool, rule, severity, message, path}]',
    '',
    'Ctrl-C (or SIGTERM) stops the servers, those still starting too, and prints nothing on stdout.',
    '',
    'Exit codes: 0 no error-severity finding, 1 an error-severity finding, 2 invalid input,',
    '3 a server could not be started (and nothing else failed), 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    'tools-file': { type: 'string' },
    server: { type: 'string' },
    rule: { type: 'string', multiple: true },
    'token-threshold': { type: 'string' },
    'user-configs': { type: 'boolean' },
  },
  interruptible: { stopping: 'stopping the servers' },
  async run({ values, json, signal }, io) {
    const toolsFile = values['tools-file'] as string | undefined;
    const warn = (m: string) => io.stderr(json ? JSON.stringify({ warning: { message: m } }) + '\n' : `mcp-harness: ${m}\n`);
    if (toolsFile !== undefined) {
      // With --workspace, the offline file is linted under that workspace's lint settings (no server is started).
      const folder = values.workspace === undefined ? undefined : await settingsFolder(resolve(io.cwd, values.workspace as string));
      const options = lintOptionsFor(folder, (values.rule as string[] | undefined) ?? [], values['token-threshold'] as string | undefined, warn);
      const servers = await readToolsFile(resolve(io.cwd, toolsFile), (values.server as string | undefined) ?? basename(toolsFile, extname(toolsFile)));
      const findings = new ToolLinter().lint(servers, options);
      print(findings, servers, [], json, io, new Map());
      return exitCode(findings, []);
    }
    if (values.server !== undefined) throw new UsageError('--server names the server of a --tools-file; to lint one configured server use `mcp-harness tools` or give its tools file.');
    const ws = await openWorkspace(values.workspace as string | undefined, io, { includeUserConfigs: values['user-configs'] === true, signal });
    try {
      ws.reportProblems(json);
      const options = lintOptionsFor(ws.folder, (values.rule as string[] | undefined) ?? [], values['token-threshold'] as string | undefined, warn);
      if (ws.definitions.length === 0) {
        if (json) io.stdout('[]\n');
        else io.stdout(`No MCP servers are configured in ${ws.folder}; nothing to lint. Add one to .vscode/mcp.json (or .mcp.json).\n`);
        return EXIT_OK;
      }
      const { listed, failed } = await listAllTools(ws);
      // The starts the signal ended failed for that reason only: findings without their tools would mislead.
      if (signal.aborted) return EXIT_FAILURE;
      for (const f of failed) warn(`server "${f.server}" could not be started, so its tools were not linted: ${f.message}`);
      const findings = new ToolLinter().lint(listed, options);
      const names = [...new Set(findings.map((f) => f.tool))];
      const sources = json ? new Map() : await findToolSources(ws.folder, names).catch(() => new Map());
      print(findings, listed, failed, json, io, sources, ws.folder);
      return exitCode(findings, failed);
    } finally {
      await ws.close();
    }
  },
};

async function settingsFolder(folder: string): Promise<string> {
  const isDir = await stat(folder).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`the workspace folder ${folder} does not exist or is not a folder. Pass the folder whose .vscode/settings.json holds the lint settings.`);
  return folder;
}

async function readToolsFile(file: string, serverName: string): Promise<ServerTools[]> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new UsageError(`the tools file ${file} is not a file. Pass a JSON file with --tools-file.`);
    size = s.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`the tools file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Check the path.`);
  }
  if (size > MAX_TOOLS_FILE_BYTES) throw new UsageError(`the tools file ${file} is ${size} bytes, more than the ${MAX_TOOLS_FILE_BYTES}-byte limit. Lint a tools/list result, not a whole log.`);
  try {
    return parseToolsFile(await readFile(file, 'utf8'), file, serverName);
  } catch (err) {
    if (err instanceof ToolsFileError) throw new UsageError(err.message);
    throw err;
  }
}

function exitCode(findings: LintFinding[], failed: ServerFailure[]): number {
  if (findings.some((f) => f.severity === 'error')) return EXIT_FAILURE;
  if (failed.length) return EXIT_UNREACHABLE;
  return EXIT_OK;
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

function print(
  findings: LintFinding[],
  servers: readonly ServerTools[],
  failed: ServerFailure[],
  json: boolean,
  io: CliIO,
  sources: Map<string, { file: string; line: number; character: number }[]>,
  folder?: string,
): void {
  if (json) {
    const rows = findings.map(({ server, tool, rule, severity, message, path }) => ({ server, tool, rule, severity, message, path }));
    io.stdout(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const { server, tools } of servers) {
    const mine = findings.filter((f) => f.server === server);
    lines.push(`${server}: ${tools.length} tool${tools.length === 1 ? '' : 's'}, ${mine.length ? `${mine.length} finding${mine.length === 1 ? '' : 's'}` : 'no findings'}`);
    const byTool = new Map<string, LintFinding[]>();
    for (const f of mine) byTool.set(f.tool, [...(byTool.get(f.tool) ?? []), f]);
    for (const [tool, list] of byTool) {
      const src = sources.get(tool)?.[0];
      const where = src && folder ? `  (${relative(folder, src.file) || src.file}:${src.line + 1}:${src.character + 1})` : '';
      lines.push(`  ${tool}${where}`);
      list.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
      for (const f of list) {
        lines.push(`    ${f.severity.padEnd(7)} ${f.rule.padEnd(22)} ${f.message}`);
        if (f.path) lines.push(`    ${''.padEnd(7)} ${''.padEnd(22)} at ${f.path}`);
      }
    }
  }
  for (const f of failed) lines.push(`${f.server}: not linted (the server could not be started)`);
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const toolCount = servers.reduce((n, s) => n + s.tools.length, 0);
  lines.push('', `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info in ${toolCount} tool(s) of ${servers.length} server(s)`);
  io.stdout(lines.join('\n') + '\n');
}

// ---------------------------------------------------------------- shared with `pin`

export interface ListedServer {
  server: string;
  tools: Tool[];
}

export interface ServerFailure {
  server: string;
  message: string;
}

/** Starts every server of the workspace (in parallel) and lists its tools. */
export async function listAllTools(ws: OpenedWorkspace): Promise<{ listed: ListedServer[]; failed: ServerFailure[] }> {
  const listed: ListedServer[] = [];
  const failed: ServerFailure[] = [];
  await Promise.all(
    ws.definitions.map(async (def) => {
      try {
        await ws.manager.start(def.id);
        listed.push({ server: def.id, tools: await ws.manager.connection(def.id).listTools() });
      } catch (err) {
        failed.push({ server: def.id, message: err instanceof ServerError ? err.message : (err as Error).message });
      }
    }),
  );
  const order = new Map(ws.definitions.map((d, i) => [d.id, i]));
  listed.sort((a, b) => order.get(a.server)! - order.get(b.server)!);
  failed.sort((a, b) => order.get(a.server)! - order.get(b.server)!);
  return { listed, failed };
}

/**
 * Lint options from the workspace's .vscode/settings.json (mcpHarness.lint.rules,
 * mcpHarness.lint.descriptionTokenThreshold), then --rule ID=LEVEL and --token-threshold on top.
 */
export function lintOptionsFor(folder: string | undefined, ruleArgs: string[], thresholdArg: string | undefined, warn: (m: string) => void): LintOptions {
  const rules: Record<string, RuleSetting> = {};
  let threshold: number | undefined;
  if (folder) {
    const file = join(folder, '.vscode', 'settings.json');
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // No settings file: defaults apply.
    }
    if (text !== undefined) {
      const errors: ParseError[] = [];
      const settings = parse(text, errors, { allowTrailingComma: true }) as Record<string, unknown> | undefined;
      if (errors.length || !settings || typeof settings !== 'object') warn(`${file} could not be read as JSON; lint settings in it are ignored.`);
      else {
        const fromFile = settings['mcpHarness.lint.rules'];
        for (const problem of checkRuleSettings(fromFile, RULE_IDS)) warn(`${file}: ${problem}`);
        if (fromFile && typeof fromFile === 'object') {
          for (const [id, level] of Object.entries(fromFile)) if (RULE_IDS.includes(id as never) && ['off', 'info', 'warning', 'error'].includes(level as string)) rules[id] = level as RuleSetting;
        }
        const t = settings['mcpHarness.lint.descriptionTokenThreshold'];
        if (typeof t === 'number' && t > 0) threshold = t;
        else if (t !== undefined) warn(`${file}: mcpHarness.lint.descriptionTokenThreshold must be a positive number; the default is used.`);
      }
    }
  }
  for (const arg of ruleArgs) {
    const m = /^([a-z-]+)=(off|info|warning|error)$/.exec(arg);
    if (!m) throw new UsageError(`--rule ${arg} is not ID=LEVEL; use e.g. --rule schema-unbounded=off (levels: off, info, warning, error).`);
    if (!RULE_IDS.includes(m[1] as never)) throw new UsageError(`--rule ${arg}: "${m[1]}" is not a lint rule. Rules: ${RULE_IDS.join(', ')}.`);
    rules[m[1]] = m[2] as RuleSetting;
  }
  if (thresholdArg !== undefined) {
    const n = Number(thresholdArg);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--token-threshold ${thresholdArg} is not a positive whole number of tokens.`);
    threshold = n;
  }
  return { rules, ...(threshold !== undefined ? { descriptionTokenThreshold: threshold } : {}) };
}
