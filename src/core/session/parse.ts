// Session files (`*.mcp-session.json`, JSONC). Parsed with jsonc-parser so every problem and every step
// keeps its exact range: the extension puts diagnostics on a step's args, the CLI prints line:column.
import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { checkAgentSpec } from '../agent/spec';
import type { AgentSpec } from '../agent/types';
import type { SessionClientSettings } from '../client/types';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';
import { parseClientKeys } from './clientKeys';

export interface Range {
  offset: number;
  length: number;
}

export interface StepExpect {
  decision?: string | string[];
  isError?: boolean;
  contains?: string;
  matches?: string;
  maxLatencyMs?: number;
}

/** Built-in step kinds; more are added with registerStepKind (the sandbox adds 'code'). */
export type SessionStepKind = 'tool' | 'code' | 'resource' | 'prompt' | (string & {});

export interface SessionStep {
  id: string;
  kind: SessionStepKind;
  /** `server/tool` for tool steps. */
  tool?: string;
  server?: string;
  toolName?: string;
  args?: Record<string, unknown>;
  /** Resource steps: the URI or RFC 6570 template (filled from args), after "SERVER/". */
  uri?: string;
  /** Prompt steps: the prompt's name, after "SERVER/". */
  promptName?: string;
  /** Inline source for code steps. */
  code?: string;
  /** Path of a source file for code steps, relative to the session file. */
  codeFile?: string;
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  expect?: StepExpect;
  /** The whole step as written (kinds added later read their own fields from it). */
  raw: Record<string, unknown>;
  ranges: { step: Range; id?: Range; tool?: Range; resource?: Range; prompt?: Range; args?: Range; code?: Range; codeFile?: Range };
}

export interface SessionFile {
  name: string;
  servers?: string[];
  model?: string;
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  steps: SessionStep[];
  /** An agent session: a model works toward this goal with the session's servers and guards. */
  agent?: AgentSpec;
  /** How servers are answered when they ask the client: "sampling", "elicitation", "roots". */
  client?: SessionClientSettings;
  /** Absolute path when read from disk. */
  file?: string;
}

export interface SessionProblem {
  message: string;
  range: Range;
  severity: 'error' | 'warning';
  code: string;
  stepIndex?: number;
}

export interface ParsedSession {
  session?: SessionFile;
  problems: SessionProblem[];
}

const POLICY_KEYS: Record<string, 'string[]' | 'boolean' | 'number'> = {
  allow: 'string[]', deny: 'string[]', noNetwork: 'boolean', dryRun: 'boolean', maxSteps: 'number', readOnly: 'boolean',
  confirmDestructive: 'boolean', timeoutMs: 'number', maxTotalTimeoutMs: 'number', retries: 'number', trustedServers: 'string[]',
};
const GUARDRAIL_KEYS: Record<string, 'string[]' | 'boolean' | 'number' | 'mode'> = {
  mode: 'mode', redact: 'string[]', tokenizePii: 'boolean', maxOutputTokens: 'number', detectInjection: 'boolean',
};
const STEP_KEYS = new Set(['id', 'kind', 'tool', 'resource', 'prompt', 'args', 'code', 'codeFile', 'policy', 'guardrails', 'expect', 'description', 'timeoutMs']);
const EXPECT_KEYS = new Set(['decision', 'isError', 'contains', 'matches', 'maxLatencyMs']);
export const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const REFERENCE = /\$\{steps\.([A-Za-z_][A-Za-z0-9_-]*)\.([^}]*)\}/g;

const knownKinds = new Set<string>(['tool', 'code', 'resource', 'prompt']);

/** Lets the parser accept a step kind that a plugin registers (see registerStepKind in runner.ts). */
export function declareStepKind(kind: string): void {
  knownKinds.add(kind);
}

function rangeOf(node: Node | undefined, fallback: Range = { offset: 0, length: 0 }): Range {
  return node ? { offset: node.offset, length: node.length } : fallback;
}

function prop(node: Node | undefined, key: string): Node | undefined {
  if (!node || node.type !== 'object') return undefined;
  const p = node.children?.find((c) => c.children?.[0]?.value === key);
  return p?.children?.[1];
}

export function parseSession(text: string, file?: string): ParsedSession {
  const problems: SessionProblem[] = [];
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const e of errors) {
    problems.push({ message: `JSON syntax error: ${printParseErrorCode(e.error)}. Fix the file's syntax.`, range: { offset: e.offset, length: e.length }, severity: 'error', code: 'syntax' });
  }
  if (!root || root.type !== 'object') {
    if (!problems.length) problems.push({ message: 'A session file must be a JSON object with "name" and "steps".', range: rangeOf(root), severity: 'error', code: 'not-object' });
    return { problems };
  }
  const err = (message: string, node: Node | undefined, code: string, stepIndex?: number, severity: 'error' | 'warning' = 'error') =>
    problems.push({ message, range: rangeOf(node, rangeOf(root)), severity, code, ...(stepIndex !== undefined ? { stepIndex } : {}) });

  const nameNode = prop(root, 'name');
  const name = nameNode?.type === 'string' ? (nameNode.value as string) : '';
  if (!nameNode) err('The session has no "name"; add "name": "…".', root, 'missing-name');
  else if (nameNode.type !== 'string' || !name.trim()) err('"name" must be a non-empty string.', nameNode, 'bad-name');

  const serversNode = prop(root, 'servers');
  let servers: string[] | undefined;
  if (serversNode) {
    if (serversNode.type !== 'array' || serversNode.children?.some((c) => c.type !== 'string')) err('"servers" must be an array of server names.', serversNode, 'bad-servers');
    else servers = getNodeValue(serversNode) as string[];
  }
  const modelNode = prop(root, 'model');
  if (modelNode && modelNode.type !== 'string') err('"model" must be a string such as "gpt-4o".', modelNode, 'bad-model');

  const policy = checkBlock(prop(root, 'policy'), 'policy', POLICY_KEYS, err);
  const guardrails = checkBlock(prop(root, 'guardrails'), 'guardrails', GUARDRAIL_KEYS, err);

  const agentNode = prop(root, 'agent');
  let agent: AgentSpec | undefined;
  if (agentNode) {
    const checked = checkAgentSpec(getNodeValue(agentNode));
    for (const message of checked.problems) err(message, agentNode, 'bad-agent');
    agent = checked.spec;
  }

  const client = parseClientKeys(root, file, err);

  const stepsNode = prop(root, 'steps');
  const steps: SessionStep[] = [];
  // An agent session needs no steps: the model chooses the calls.
  if (!stepsNode) {
    if (!agentNode) err('The session has no "steps"; add "steps": [ … ] (or an "agent" block with a "goal").', root, 'missing-steps');
  } else if (stepsNode.type !== 'array') err('"steps" must be an array of steps.', stepsNode, 'bad-steps');
  else {
    const seen = new Map<string, number>();
    (stepsNode.children ?? []).forEach((node, index) => {
      const step = parseStep(node, index, err, seen);
      if (step) steps.push(step);
    });
    if (!stepsNode.children?.length) err('"steps" is empty; add at least one step.', stepsNode, 'empty-steps', undefined, 'warning');
    // References must point at an earlier step.
    steps.forEach((step, index) => {
      const earlier = new Set(steps.slice(0, index).map((s) => s.id));
      const argsText = step.args ? JSON.stringify(step.args) : '';
      for (const m of argsText.matchAll(REFERENCE)) {
        if (!earlier.has(m[1])) {
          err(`The reference \${steps.${m[1]}.${m[2]}} names ${seen.has(m[1]) ? 'a later step' : 'no step'}; a step can only use results of steps before it.`, prop(stepsNode.children![index], 'args'), 'bad-reference', index);
        } else if (!/^(text|isError|structured|output)(\b|\.|\[|$)/.test(m[2])) {
          err(`The reference \${steps.${m[1]}.${m[2]}} must continue with .text, .isError, .output or .structured…`, prop(stepsNode.children![index], 'args'), 'bad-reference', index);
        }
      }
    });
  }
  if (problems.some((p) => p.severity === 'error')) return { problems };
  return {
    session: {
      name,
      ...(servers ? { servers } : {}),
      ...(modelNode ? { model: modelNode.value as string } : {}),
      ...(policy ? { policy } : {}),
      ...(guardrails ? { guardrails } : {}),
      steps,
      ...(agent ? { agent } : {}),
      ...(client ? { client } : {}),
      ...(file ? { file } : {}),
    },
    problems,
  };
}

type Err = (message: string, node: Node | undefined, code: string, stepIndex?: number, severity?: 'error' | 'warning') => void;

function checkBlock<T>(node: Node | undefined, what: string, keys: Record<string, string>, err: Err, stepIndex?: number): Partial<T> | undefined {
  if (!node) return undefined;
  if (node.type !== 'object') {
    err(`"${what}" must be an object.`, node, `bad-${what}`, stepIndex);
    return undefined;
  }
  for (const p of node.children ?? []) {
    const key = p.children?.[0]?.value as string;
    const value = p.children?.[1];
    const type = keys[key];
    if (!type) {
      err(`Unknown ${what} setting "${key}". Known: ${Object.keys(keys).join(', ')}.`, p.children?.[0], `unknown-${what}-key`, stepIndex, 'warning');
      continue;
    }
    const ok =
      type === 'boolean' ? value?.type === 'boolean'
      : type === 'number' ? value?.type === 'number' && (value.value as number) >= 0
      : type === 'mode' ? value?.type === 'string' && ['hard_gate', 'mixed', 'advisory'].includes(value.value as string)
      : value?.type === 'array' && (value.children ?? []).every((c) => c.type === 'string');
    if (!ok) {
      const expected = type === 'mode' ? '"hard_gate", "mixed" or "advisory"' : type === 'string[]' ? 'an array of strings' : type === 'number' ? 'a non-negative number' : 'true or false';
      err(`${what}.${key} must be ${expected}.`, value, `bad-${what}-value`, stepIndex);
    }
    if (key === 'redact' && ok && !(getNodeValue(value!) as string[]).every((v) => v === 'secrets' || v === 'pii')) {
      err('guardrails.redact may only contain "secrets" and "pii".', value, 'bad-guardrails-value', stepIndex);
    }
  }
  return getNodeValue(node) as Partial<T>;
}

function parseStep(node: Node, index: number, err: Err, seen: Map<string, number>): SessionStep | undefined {
  const label = `Step ${index + 1}`;
  if (node.type !== 'object') {
    err(`${label} must be an object with "id" and "tool" (or "code").`, node, 'bad-step', index);
    return undefined;
  }
  const raw = getNodeValue(node) as Record<string, unknown>;
  const idNode = prop(node, 'id');
  let ok = true;
  if (!idNode) {
    err(`${label} has no "id"; give it a unique id such as "step${index + 1}".`, node, 'missing-id', index);
    ok = false;
  } else if (idNode.type !== 'string' || !STEP_ID.test(idNode.value as string)) {
    err(`${label}'s "id" must be a string of letters, digits, "_" or "-" starting with a letter (it is used in \${steps.ID…} references).`, idNode, 'bad-id', index);
    ok = false;
  } else if (seen.has(idNode.value as string)) {
    err(`The id "${idNode.value}" is used by step ${seen.get(idNode.value as string)! + 1} already; ids must be unique.`, idNode, 'duplicate-id', index);
    ok = false;
  } else seen.set(idNode.value as string, index);
  const id = (idNode?.value as string) ?? `#${index + 1}`;

  for (const p of node.children ?? []) {
    const key = p.children?.[0]?.value as string;
    if (!STEP_KEYS.has(key)) err(`Step "${id}" has an unknown field "${key}".`, p.children?.[0], 'unknown-step-key', index, 'warning');
  }
  const kindNode = prop(node, 'kind');
  const toolNode = prop(node, 'tool');
  const codeNode = prop(node, 'code');
  const codeFileNode = prop(node, 'codeFile');
  let kind: string;
  if (kindNode) {
    kind = String(kindNode.value);
    if (kindNode.type !== 'string' || !knownKinds.has(kind)) {
      err(`Step "${id}" has an unknown kind ${JSON.stringify(kindNode.value)}; known kinds: ${[...knownKinds].join(', ')}.`, kindNode, 'unknown-kind', index);
      return undefined;
    }
  } else if (toolNode) kind = 'tool';
  else if (codeNode || codeFileNode) kind = 'code';
  else if (prop(node, 'resource')) kind = 'resource';
  else if (prop(node, 'prompt')) kind = 'prompt';
  else {
    err(`Step "${id}" has no "tool" (e.g. "everything/echo"), "resource", "prompt" or "code"/"codeFile"; say what the step runs.`, node, 'unknown-kind', index);
    return undefined;
  }
  const step: SessionStep = { id, kind, raw, ranges: { step: rangeOf(node), id: idNode && rangeOf(idNode) } };
  if (kind === 'tool') {
    if (!toolNode || toolNode.type !== 'string' || !/^[^/]+\/.+$/.test(toolNode.value as string)) {
      err(`Step "${id}": "tool" must be "SERVER/TOOL", e.g. "everything/echo".`, toolNode ?? node, 'bad-tool', index);
      ok = false;
    } else {
      const t = toolNode.value as string;
      const slash = t.indexOf('/');
      step.tool = t;
      step.server = t.slice(0, slash);
      step.toolName = t.slice(slash + 1);
      step.ranges.tool = rangeOf(toolNode);
    }
    const argsNode = prop(node, 'args');
    if (argsNode && argsNode.type !== 'object') {
      err(`Step "${id}": "args" must be an object of argument names to values.`, argsNode, 'bad-args', index);
      ok = false;
    } else if (argsNode) {
      step.args = getNodeValue(argsNode) as Record<string, unknown>;
      step.ranges.args = rangeOf(argsNode);
    } else step.args = {};
  }
  if (kind === 'resource' || kind === 'prompt') ok = parseFeatureStep(node, step, kind, index, err) && ok;
  if (kind === 'code') {
    if (codeNode && codeNode.type !== 'string') err(`Step "${id}": "code" must be a string of JavaScript.`, codeNode, 'bad-code', index);
    if (codeFileNode && codeFileNode.type !== 'string') err(`Step "${id}": "codeFile" must be a path relative to the session file.`, codeFileNode, 'bad-code', index);
    if (codeNode && codeFileNode) err(`Step "${id}" has both "code" and "codeFile"; keep one.`, codeFileNode, 'bad-code', index);
    if (typeof codeNode?.value === 'string') step.code = codeNode.value;
    if (typeof codeFileNode?.value === 'string') step.codeFile = codeFileNode.value;
    if (codeNode) step.ranges.code = rangeOf(codeNode);
    if (codeFileNode) step.ranges.codeFile = rangeOf(codeFileNode);
    const argsNode = prop(node, 'args');
    if (argsNode && argsNode.type !== 'object') err(`Step "${id}": "args" must be an object.`, argsNode, 'bad-args', index);
    else if (argsNode) step.args = getNodeValue(argsNode) as Record<string, unknown>;
  }
  const policy = checkBlock<PolicyConfig>(prop(node, 'policy'), 'policy', POLICY_KEYS, err, index);
  const guardrails = checkBlock<GuardrailsConfig>(prop(node, 'guardrails'), 'guardrails', GUARDRAIL_KEYS, err, index);
  if (policy) step.policy = policy;
  if (guardrails) step.guardrails = guardrails;
  const expectNode = prop(node, 'expect');
  if (expectNode) {
    if (expectNode.type !== 'object') err(`Step "${id}": "expect" must be an object.`, expectNode, 'bad-expect', index);
    else {
      for (const p of expectNode.children ?? []) {
        const key = p.children?.[0]?.value as string;
        const v = p.children?.[1];
        if (!EXPECT_KEYS.has(key)) err(`Step "${id}": unknown expectation "${key}". Known: ${[...EXPECT_KEYS].join(', ')}.`, p.children?.[0], 'bad-expect', index);
        else if (key === 'isError' && v?.type !== 'boolean') err(`expect.isError must be true or false.`, v, 'bad-expect', index);
        else if ((key === 'contains' || key === 'matches') && v?.type !== 'string') err(`expect.${key} must be a string.`, v, 'bad-expect', index);
        else if (key === 'maxLatencyMs' && !(v?.type === 'number' && (v.value as number) > 0)) err('expect.maxLatencyMs must be a positive number.', v, 'bad-expect', index);
        else if (key === 'decision') {
          const values = v?.type === 'array' ? (v.children ?? []).map((c) => c.value) : [v?.value];
          const allowed = ['ok', 'denied_schema', 'denied_policy', 'denied_guardrail', 'dry_run', 'error', 'timeout', 'cancelled'];
          if (!values.length || values.some((x) => !allowed.includes(x as string))) err(`expect.decision must be one of ${allowed.join(', ')} (or an array of them).`, v, 'bad-expect', index);
        } else if (key === 'matches') {
          try {
            new RegExp(v!.value as string);
          } catch (e) {
            err(`expect.matches is not a valid regular expression: ${(e as Error).message}.`, v, 'bad-expect', index);
          }
        }
      }
      step.expect = getNodeValue(expectNode) as StepExpect;
    }
  }
  return ok ? step : undefined;
}

/** A resource step ("resource": "SERVER/URI", args fill a URI template) or a prompt step ("prompt": "SERVER/NAME", string args). */
function parseFeatureStep(node: Node, step: SessionStep, kind: 'resource' | 'prompt', index: number, err: Err): boolean {
  const target = prop(node, kind);
  const example = kind === 'resource' ? '"everything/demo://resource/static/document/architecture.md"' : '"everything/simple-prompt"';
  if (!target || target.type !== 'string' || !/^[^/]+\/.+$/.test(target.value as string)) {
    err(`Step "${step.id}": "${kind}" must be "SERVER/${kind === 'resource' ? 'URI' : 'NAME'}", e.g. ${example}.`, target ?? node, `bad-${kind}`, index);
    return false;
  }
  const value = target.value as string;
  const slash = value.indexOf('/');
  step.server = value.slice(0, slash);
  if (kind === 'resource') step.uri = value.slice(slash + 1);
  else step.promptName = value.slice(slash + 1);
  step.ranges[kind] = rangeOf(target);
  const argsNode = prop(node, 'args');
  step.args = {};
  if (!argsNode) return true;
  if (argsNode.type !== 'object') {
    err(`Step "${step.id}": "args" must be an object of argument names to values.`, argsNode, 'bad-args', index);
    return false;
  }
  step.args = getNodeValue(argsNode) as Record<string, unknown>;
  step.ranges.args = rangeOf(argsNode);
  const nonString = Object.entries(step.args).find(([, v]) => typeof v !== 'string' && (kind === 'prompt' || (typeof v !== 'number' && typeof v !== 'boolean')));
  if (nonString) {
    err(`Step "${step.id}": the argument "${nonString[0]}" must be a ${kind === 'prompt' ? 'string (prompt arguments are strings)' : 'string, number or boolean (it fills the URI template)'}.`, argsNode, 'bad-args', index);
    return false;
  }
  return true;
}
