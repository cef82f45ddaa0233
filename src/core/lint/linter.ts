// The tool linter: runs every rule over the tools of one or more servers and returns findings with
// JSON pointers (and substring ranges) into each tool's definition. Per-tool results are cached by the
// tool's content hash, so re-linting an unchanged tool list costs hashing only.
import { canonicalJson, sha256Hex } from '../util/canonical';
import { ruleInfo, type RuleId, type RuleSetting, type Severity } from './rules';
import { SchemaChecker, checkObjectSchema, checkSchemaStructure } from './schema';
import { modelStrings } from './strings';
import { scanHidden, mapRange, type HiddenKind } from './unicode';
import { countTokens } from '../tokens';
import { crossToolInstruction, exfiltrationTargets, hiddenInstructions, sensitivePath, urgencyPressure, type PoisoningContext } from './poisoning';

/** A mechanical fix the extension can offer as a code action. */
export type LintFix =
  | { kind: 'replace-string'; title: string; /** Pointer of the string in the tool definition. */ path: string; /** The string without the hidden characters. */ value: string }
  | { kind: 'add-description'; title: string; /** Pointer where the description belongs, e.g. /inputSchema/properties/path/description. */ path: string };

export interface LintFinding {
  server: string;
  tool: string;
  rule: RuleId;
  severity: Severity;
  message: string;
  /** JSON pointer into the tool definition, e.g. /inputSchema/properties/path/description ('' = the tool itself). */
  path: string;
  /** For findings about part of a string: the range inside the string at `path`, in UTF-16 code units of the decoded string. */
  range?: { offset: number; length: number };
  fix?: LintFix;
  /** description-cost: the definition's token count. */
  tokens?: number;
  /** hidden-unicode: what kind of hidden characters, and the text they carry. */
  hidden?: { kind: HiddenKind; decoded: string };
}

export interface LintOptions {
  /** Per-rule severity overrides ('off' disables the rule), as in the setting mcpHarness.lint.rules. */
  rules?: Partial<Record<string, RuleSetting>>;
  /** description-cost fires at or above this many tokens. */
  descriptionTokenThreshold?: number;
}

export interface ServerTools {
  server: string;
  tools: readonly unknown[];
}

export const DEFAULT_DESCRIPTION_TOKEN_THRESHOLD = 1000;
/** Hidden-character runs reported per string before the rest are summarised in one finding. */
const MAX_HIDDEN_RUNS_PER_STRING = 10;
const TOOL_NAME_RE = /^[A-Za-z0-9_.-]{1,128}$/;

type RawFinding = Omit<LintFinding, 'server' | 'severity'>;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function toolName(tool: unknown, index: number): string {
  return isObject(tool) && typeof tool.name === 'string' ? tool.name : `#${index}`;
}

function fieldLabel(pointer: string): string {
  if (pointer === '/description') return 'the description';
  if (pointer === '/title') return 'the title';
  if (pointer === '/name') return 'the name';
  if (pointer === '/annotations/title') return 'annotations.title';
  const m = /\/properties\/([^/]+)\/(description|title)$/.exec(pointer);
  if (m) return `the ${m[2]} of parameter "${m[1].replace(/~1/g, '/').replace(/~0/g, '~')}"`;
  if (/\/enum\/\d+$/.test(pointer)) return 'an enum value';
  if (/\/default(\/|$)/.test(pointer)) return 'a default value';
  if (/\/examples\//.test(pointer)) return 'an example value';
  if (/\/const(\/|$)/.test(pointer)) return 'a const value';
  return pointer;
}

function showHidden(s: string): string {
  const max = 200;
  const shown = s.length > max ? s.slice(0, max - 1) + '…' : s;
  return JSON.stringify(shown);
}

const HIDDEN_LABEL: Record<HiddenKind, [string, string]> = {
  tag: ['Unicode Tag character (invisible, readable by models)', 'Unicode Tag characters (invisible, readable by models)'],
  'zero-width': ['zero-width character', 'zero-width characters'],
  bidi: ['bidirectional override character', 'bidirectional override characters'],
  ansi: ['ANSI terminal escape sequence', 'ANSI terminal escape sequences'],
  control: ['control character', 'control characters'],
};

/** A read-only view of a name set minus one name (copying the set per tool made linting quadratic). */
function withoutName(names: ReadonlySet<string>, self: string): ReadonlySet<string> {
  return {
    has: (n: string) => n !== self && names.has(n),
    get size() {
      return names.has(self) ? names.size - 1 : names.size;
    },
  } as ReadonlySet<string>;
}

/** What a client sends the model for a tool: its name, title, description and input schema. */
function sentDefinitionText(tool: Record<string, unknown>): string {
  return JSON.stringify({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema });
}

/** The o200k token count of what a client sends the model for this tool (for hovers and the Servers view). */
export function toolTokenCount(tool: unknown): number {
  return tool && typeof tool === 'object' && !Array.isArray(tool) ? countTokens(sentDefinitionText(tool as Record<string, unknown>)) : 0;
}

let shared: SchemaChecker | undefined;
export function sharedSchemaChecker(): SchemaChecker {
  return (shared ??= new SchemaChecker());
}

export class ToolLinter {
  readonly schemas: SchemaChecker;
  private readonly toolCache = new Map<string, RawFinding[]>();
  cacheHits = 0;
  cacheMisses = 0;

  /** Linters share one schema checker by default: ajv instances are costly to create and verdicts are pure. */
  constructor(schemas = sharedSchemaChecker(), private readonly maxCacheEntries = 5000) {
    this.schemas = schemas;
  }

  /** Lints the tools of every server together (name collisions and cross-tool references need them all). */
  lint(servers: readonly ServerTools[], options: LintOptions = {}): LintFinding[] {
    const threshold = options.descriptionTokenThreshold ?? DEFAULT_DESCRIPTION_TOKEN_THRESHOLD;
    const allNames = new Set<string>();
    for (const s of servers) s.tools.forEach((t, i) => allNames.add(toolName(t, i).toLowerCase()));
    const namesKey = sha256Hex([...allNames].sort().join('\n'));
    const findings: LintFinding[] = [];
    for (const { server, tools } of servers) {
      tools.forEach((tool, index) => {
        const name = toolName(tool, index);
        const others = withoutName(allNames, name.toLowerCase());
        const key = sha256Hex(`${threshold}\n${namesKey}\n${canonicalJson(tool)}`);
        let raw = this.toolCache.get(key);
        if (raw) this.cacheHits++;
        else {
          this.cacheMisses++;
          raw = this.lintTool(tool, name, others, threshold);
          if (this.toolCache.size >= this.maxCacheEntries) this.toolCache.delete(this.toolCache.keys().next().value as string);
          this.toolCache.set(key, raw);
        }
        for (const f of raw) findings.push({ ...f, server, severity: ruleInfo(f.rule).defaultSeverity });
      });
    }
    findings.push(...this.collisions(servers));
    return applySeverities(findings, options.rules);
  }

  private collisions(servers: readonly ServerTools[]): LintFinding[] {
    const owners = new Map<string, { server: string; index: number }[]>();
    for (const { server, tools } of servers) {
      tools.forEach((t, index) => {
        if (!isObject(t) || typeof t.name !== 'string') return;
        const list = owners.get(t.name) ?? [];
        list.push({ server, index });
        owners.set(t.name, list);
      });
    }
    const out: LintFinding[] = [];
    for (const [name, list] of owners) {
      if (list.length < 2) continue;
      for (const owner of list) {
        const others = list.filter((o) => o !== owner).map((o) => o.server);
        const sameServer = others.includes(owner.server);
        out.push({
          server: owner.server,
          tool: name,
          rule: 'name-collision',
          severity: ruleInfo('name-collision').defaultSeverity,
          path: '/name',
          message: sameServer
            ? `the tool name "${name}" is listed more than once by this server; clients will keep only one of them`
            : `the tool name "${name}" is also offered by ${[...new Set(others)].map((s) => `"${s}"`).join(', ')}: one can shadow the other; rename one or exclude it in the config's tool filter`,
        });
      }
    }
    return out;
  }

  private lintTool(tool: unknown, name: string, otherTools: ReadonlySet<string>, threshold: number): RawFinding[] {
    const out: RawFinding[] = [];
    const add = (f: Omit<RawFinding, 'tool'>): void => void out.push({ tool: name, ...f });
    if (!isObject(tool)) {
      add({ rule: 'schema-not-object', path: '', message: `the tool definition is ${JSON.stringify(tool)}, not an object with name, description and inputSchema` });
      return out;
    }
    // name-invalid
    if (typeof tool.name !== 'string') add({ rule: 'name-invalid', path: tool.name === undefined ? '' : '/name', message: 'the tool has no name; MCP requires 1–128 characters of A-Z a-z 0-9 _ . -' });
    else if (!TOOL_NAME_RE.test(tool.name)) {
      const bad = [...new Set([...tool.name].filter((c) => !/[A-Za-z0-9_.-]/.test(c)))];
      const why = tool.name.length === 0 ? 'it is empty' : tool.name.length > 128 ? `it is ${tool.name.length} characters long (at most 128)` : `it contains ${bad.map((c) => JSON.stringify(c)).join(', ')}`;
      add({ rule: 'name-invalid', path: '/name', message: `tool name "${tool.name}" is not a valid MCP tool name: ${why}; use 1–128 characters of A-Z a-z 0-9 _ . -` });
    }
    // description-missing (tool level)
    if (typeof tool.description !== 'string' || tool.description.trim() === '') {
      add({ rule: 'description-missing', path: tool.description === undefined ? '' : '/description', message: 'the tool has no description: the model has only its name to decide when to use it', fix: { kind: 'add-description', title: 'Add a description', path: '/description' } });
    }
    // Schemas
    const input = checkObjectSchema(tool.inputSchema, '/inputSchema', 'inputSchema');
    if (input) add({ rule: input.rule, path: input.pointer, message: input.message });
    for (const key of ['inputSchema', 'outputSchema'] as const) {
      const schema = tool[key];
      if (schema === undefined) continue;
      if (key === 'outputSchema') {
        const output = checkObjectSchema(schema, '/outputSchema', 'outputSchema');
        if (output) add({ rule: output.rule, path: output.pointer, message: output.message });
      }
      if (!isObject(schema) && typeof schema !== 'boolean') continue;
      const verdict = this.schemas.check(schema);
      if (verdict.error) {
        add({ rule: 'schema-invalid', path: `/${key}${verdict.error.pointer}`, message: `${key} does not compile as JSON Schema ${verdict.dialect}: ${verdict.error.message}` });
      }
      for (const issue of checkSchemaStructure(schema, `/${key}`, { parameters: key === 'inputSchema', toolDescription: typeof tool.description === 'string' ? tool.description : undefined })) {
        add({
          rule: issue.rule,
          path: issue.pointer,
          message: issue.message,
          ...(issue.insertPointer ? { fix: { kind: 'add-description' as const, title: 'Add a description', path: issue.insertPointer } } : {}),
        });
      }
    }
    // annotation-conflict
    const annotations = tool.annotations;
    if (isObject(annotations)) {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        if (annotations[hint] !== undefined && typeof annotations[hint] !== 'boolean') {
          add({ rule: 'annotation-conflict', path: `/annotations/${hint}`, message: `${hint} must be true or false, not ${JSON.stringify(annotations[hint])}; clients ignore or misread it` });
        }
      }
      if (annotations.readOnlyHint === true && annotations.destructiveHint === true) {
        add({ rule: 'annotation-conflict', path: '/annotations/destructiveHint', message: 'readOnlyHint is true but destructiveHint is also true: a read-only tool cannot destroy anything; keep the hint that is true' });
      }
      if (annotations.readOnlyHint === true && annotations.idempotentHint === false) {
        add({ rule: 'annotation-conflict', path: '/annotations/idempotentHint', message: 'readOnlyHint is true but idempotentHint is false: a tool that changes nothing is idempotent; remove idempotentHint or readOnlyHint' });
      }
    }
    // description-cost
    // Every token is at least one UTF-8 byte, so a definition shorter than the threshold in bytes cannot reach it.
    const sentText = sentDefinitionText(tool);
    const tokens = Buffer.byteLength(sentText, 'utf8') < threshold ? 0 : countTokens(sentText);
    if (tokens >= threshold) {
      add({ rule: 'description-cost', path: typeof tool.description === 'string' ? '/description' : '', tokens, message: `the tool definition costs ${tokens} tokens (o200k) on every request, at or above the threshold of ${threshold}; shorten the description or schema` });
    }
    // Poisoning rules over every model-visible string
    for (const s of modelStrings(tool)) {
      const scan = scanHidden(s.text);
      const where = fieldLabel(s.pointer);
      if (scan.runs.length) {
        const runs = scan.runs.slice(0, MAX_HIDDEN_RUNS_PER_STRING);
        for (const run of runs) {
          const count = run.kind === 'tag' ? run.length / 2 : run.count;
          const decoded = run.kind === 'tag' ? `hidden text ${showHidden(run.decoded)}` : run.kind === 'ansi' ? `escapes ${run.decoded.trim()}` : run.decoded;
          add({
            rule: 'hidden-unicode',
            path: s.pointer,
            range: { offset: run.offset, length: run.length },
            hidden: { kind: run.kind, decoded: run.decoded },
            message: `${where} contains ${count} ${HIDDEN_LABEL[run.kind][count === 1 ? 0 : 1]}: ${decoded}`,
            fix: { kind: 'replace-string', title: 'Remove hidden characters', path: s.pointer, value: scan.cleaned },
          });
        }
        if (scan.runs.length > runs.length) {
          add({
            rule: 'hidden-unicode',
            path: s.pointer,
            message: `${where} contains ${scan.runs.length - runs.length} more runs of hidden characters`,
            fix: { kind: 'replace-string', title: 'Remove hidden characters', path: s.pointer, value: scan.cleaned },
          });
        }
      }
      const ctx: PoisoningContext = { self: name, otherTools, prose: s.prose };
      const text = scan.normalized;
      const matches = [
        ...hiddenInstructions(text, ctx),
        ...crossToolInstruction(text, ctx),
        ...sensitivePath(text),
        ...exfiltrationTargets(text, ctx),
        ...urgencyPressure(text, ctx),
      ];
      for (const m of matches) {
        add({ rule: m.rule, path: s.pointer, range: mapRange(scan, m.start, m.end), message: `${where}: ${m.message}` });
      }
    }
    return out;
  }
}

export function applySeverities(findings: LintFinding[], rules: LintOptions['rules'] = {}): LintFinding[] {
  const out: LintFinding[] = [];
  for (const f of findings) {
    const setting = rules[f.rule];
    if (setting === 'off') continue;
    out.push(setting === 'error' || setting === 'warning' || setting === 'info' ? { ...f, severity: setting } : f);
  }
  return out;
}

/** Validates a user's `rules` setting; returns sentences for unknown ids or values (shown, not thrown). */
export function checkRuleSettings(rules: unknown, known: readonly string[]): string[] {
  if (rules === undefined) return [];
  if (!isObject(rules)) return ['mcpHarness.lint.rules must be an object mapping rule ids to "off", "info", "warning" or "error".'];
  const problems: string[] = [];
  for (const [id, value] of Object.entries(rules)) {
    if (!known.includes(id)) problems.push(`mcpHarness.lint.rules: "${id}" is not a lint rule; known rules: ${known.join(', ')}.`);
    else if (!['off', 'info', 'warning', 'error'].includes(value as string)) problems.push(`mcpHarness.lint.rules: "${id}" is set to ${JSON.stringify(value)}; use "off", "info", "warning" or "error".`);
  }
  return problems;
}

/** Convenience: lint once with a fresh linter (no cache shared). */
export function lintTools(servers: readonly ServerTools[], options?: LintOptions): LintFinding[] {
  return new ToolLinter().lint(servers, options);
}
