// Where things are in a session file's text: the steps, their ids, tool strings and argument nodes.
// The editor features (CodeLens, diagnostics, completion, hover) need positions of what the cursor is
// on, which the run-time parser does not keep; this reads the same JSONC with jsonc-parser.
import { findNodeAtLocation, getLocation, type Location, type Node, parseTree } from 'jsonc-parser';

export interface StepLocation {
  index: number;
  id?: string;
  /** The step's whole object. */
  node: Node;
  toolNode?: Node;
  tool?: string;
  argsNode?: Node;
  /** Step-level policy object as written (for the policy-conflict check). */
  policy?: unknown;
}

export interface SessionLayout {
  root?: Node;
  nameNode?: Node;
  steps: StepLocation[];
  /** The session's `servers` restriction, when present. */
  servers?: string[];
  policy?: unknown;
}

function value(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && typeof k.value === 'string') out[k.value] = value(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(value);
    default:
      return node.value;
  }
}

export const nodeValue = value;

export function layoutOf(text: string): SessionLayout {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') return { root, steps: [] };
  const stepsNode = findNodeAtLocation(root, ['steps']);
  const steps: StepLocation[] = [];
  if (stepsNode?.type === 'array') {
    (stepsNode.children ?? []).forEach((node, index) => {
      if (node.type !== 'object') {
        steps.push({ index, node });
        return;
      }
      const idNode = findNodeAtLocation(node, ['id']);
      const toolNode = findNodeAtLocation(node, ['tool']);
      steps.push({
        index,
        node,
        id: typeof idNode?.value === 'string' ? idNode.value : undefined,
        toolNode,
        tool: typeof toolNode?.value === 'string' ? toolNode.value : undefined,
        argsNode: findNodeAtLocation(node, ['args']),
        policy: value(findNodeAtLocation(node, ['policy'])),
      });
    });
  }
  const serversValue = value(findNodeAtLocation(root, ['servers']));
  return {
    root,
    nameNode: findNodeAtLocation(root, ['name']),
    steps,
    servers: Array.isArray(serversValue) ? serversValue.filter((s): s is string => typeof s === 'string') : undefined,
    policy: value(findNodeAtLocation(root, ['policy'])),
  };
}

/** Splits `server/tool` at the first slash (tool names may contain slashes, server ids do not). */
export function splitToolRef(ref: string): { server: string; tool: string } | undefined {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) return undefined;
  return { server: ref.slice(0, i), tool: ref.slice(i + 1) };
}

/** Splits a JSON path such as `$.a[0]["b c"]` into its segments. */
export function jsonPathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** The node a schema error's JSON path points at inside `args`, or its deepest existing ancestor. */
export function nodeAtJsonPath(args: Node, path: string): Node {
  let node = args;
  for (const seg of jsonPathSegments(path)) {
    const next = findNodeAtLocation(node, [seg]);
    if (!next) break;
    node = next;
  }
  return node;
}

/** The property's key node for a value node (so a diagnostic on a value can also name its key). */
export function keyNodeOf(valueNode: Node): Node | undefined {
  const parent = valueNode.parent;
  return parent?.type === 'property' ? parent.children?.[0] : undefined;
}

/** True when a value contains a `${steps.…}` reference (only known at run time: not validated up front). */
export function hasRuntimeReference(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('${');
  if (Array.isArray(v)) return v.some(hasRuntimeReference);
  if (v && typeof v === 'object') return Object.values(v).some(hasRuntimeReference);
  return false;
}

export function locationAt(text: string, offset: number): Location {
  return getLocation(text, offset);
}
