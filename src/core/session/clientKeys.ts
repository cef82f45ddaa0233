// The session keys of the client features: "sampling", "elicitation" and "roots" (how this session's
// servers are answered when they ask the client for a model, for input, or for their roots).
import { dirname } from 'node:path';
import { getNodeValue, type Node } from 'jsonc-parser';
import { rootUri } from '../client/roots';
import type { RootEntry, SessionClientSettings, SessionElicitation, SessionSampling } from '../client/types';

type Err = (message: string, node: Node | undefined, code: string, stepIndex?: number, severity?: 'error' | 'warning') => void;

const POLICIES = ['deny', 'ask', 'allow'];
const ACTIONS = ['accept', 'decline', 'cancel'];
const SAMPLING_KEYS = new Set(['policy', 'servers', 'maxTokens', 'reply']);
const ELICITATION_KEYS = new Set(['action', 'content']);

function prop(node: Node | undefined, key: string): Node | undefined {
  return node?.type === 'object' ? node.children?.find((c) => c.children?.[0]?.value === key)?.children?.[1] : undefined;
}

function unknownKeys(node: Node, known: Set<string>, what: string, err: Err): void {
  for (const p of node.children ?? []) {
    const key = p.children?.[0]?.value as string;
    if (!known.has(key)) err(`Unknown ${what} setting "${key}". Known: ${[...known].join(', ')}.`, p.children?.[0], `unknown-${what}-key`, undefined, 'warning');
  }
}

function parseSampling(node: Node, err: Err): SessionSampling | undefined {
  if (node.type !== 'object') return void err('"sampling" must be an object such as {"policy": "allow", "reply": "…"}.', node, 'bad-sampling');
  unknownKeys(node, SAMPLING_KEYS, 'sampling', err);
  const out: SessionSampling = {};
  const policy = prop(node, 'policy');
  if (policy) {
    if (!POLICIES.includes(policy.value as string)) err('sampling.policy must be "deny", "ask" or "allow".', policy, 'bad-sampling');
    else out.policy = policy.value as SessionSampling['policy'];
  }
  const servers = prop(node, 'servers');
  if (servers) {
    const value = getNodeValue(servers) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => !POLICIES.includes(v as string))) {
      err('sampling.servers must map server names to "deny", "ask" or "allow".', servers, 'bad-sampling');
    } else out.servers = value as SessionSampling['servers'];
  }
  const maxTokens = prop(node, 'maxTokens');
  if (maxTokens) {
    if (maxTokens.type !== 'number' || !Number.isInteger(maxTokens.value) || (maxTokens.value as number) < 1) err('sampling.maxTokens must be a positive whole number.', maxTokens, 'bad-sampling');
    else out.maxTokens = maxTokens.value as number;
  }
  const reply = prop(node, 'reply');
  if (reply) {
    if (reply.type !== 'string') err('sampling.reply must be a string (the text every sampling request is answered with).', reply, 'bad-sampling');
    else out.reply = reply.value as string;
  }
  return out;
}

function parseElicitation(node: Node, err: Err): SessionElicitation | undefined {
  if (node.type !== 'object') return void err('"elicitation" must be an object such as {"action": "accept", "content": {…}}.', node, 'bad-elicitation');
  unknownKeys(node, ELICITATION_KEYS, 'elicitation', err);
  const action = prop(node, 'action');
  if (!action || !ACTIONS.includes(action.value as string)) return void err('elicitation.action must be "accept", "decline" or "cancel".', action ?? node, 'bad-elicitation');
  const content = prop(node, 'content');
  if (content && content.type !== 'object') return void err('elicitation.content must be an object of field names to values.', content, 'bad-elicitation');
  if (content && action.value !== 'accept') err('elicitation.content is only sent with "action": "accept".', content, 'bad-elicitation');
  return { action: action.value as SessionElicitation['action'], ...(content ? { content: getNodeValue(content) as Record<string, unknown> } : {}) };
}

function parseRoots(node: Node, base: string, err: Err): RootEntry[] | undefined {
  if (node.type !== 'array') return void err('"roots" must be an array of folders (paths or file:// URIs, or {"uri", "name"} objects).', node, 'bad-roots');
  const roots: RootEntry[] = [];
  for (const item of node.children ?? []) {
    const value = getNodeValue(item) as unknown;
    if (typeof value === 'string' && value) roots.push({ uri: rootUri(value, base) });
    else if (value && typeof value === 'object' && typeof (value as RootEntry).uri === 'string' && ((value as RootEntry).name === undefined || typeof (value as RootEntry).name === 'string')) {
      roots.push({ uri: rootUri((value as RootEntry).uri, base), ...((value as RootEntry).name ? { name: (value as RootEntry).name } : {}) });
    } else err('Each root must be a path, a file:// URI, or {"uri": "…", "name": "…"}.', item, 'bad-roots');
  }
  return roots;
}

/** The client keys of a session file's root object; relative root paths resolve against the file's folder. */
export function parseClientKeys(root: Node, file: string | undefined, err: Err): SessionClientSettings | undefined {
  const out: SessionClientSettings = {};
  const sampling = prop(root, 'sampling');
  const elicitation = prop(root, 'elicitation');
  const roots = prop(root, 'roots');
  if (sampling) out.sampling = parseSampling(sampling, err);
  if (elicitation) out.elicitation = parseElicitation(elicitation, err);
  if (roots) out.roots = parseRoots(roots, file ? dirname(file) : process.cwd(), err);
  for (const key of Object.keys(out) as (keyof SessionClientSettings)[]) if (out[key] === undefined) delete out[key];
  return Object.keys(out).length ? out : undefined;
}
