// Direct mode shows the model every tool as `server__tool`: the characters and length every model API
// accepts for a function name ([a-zA-Z0-9_-], at most 64). Sanitising or cutting can make two tools meet on
// one name; the tool whose `server/tool` sorts first keeps it and the others get a hash of their own full
// name, so the names depend on the tools alone (a replay against the same servers sees the same names).
import { createHash } from 'node:crypto';

const MAX = 64;

export interface NamedTool {
  server: string;
  tool: string;
}

function clean(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_') || '_';
}

function suffixed(base: string, key: string, length: number): string {
  const suffix = `_${createHash('sha256').update(key).digest('hex').slice(0, length)}`;
  return base.slice(0, MAX - suffix.length) + suffix;
}

export function modelToolName(server: string, tool: string): string {
  const joined = `${clean(server)}__${clean(tool)}`;
  return joined.length <= MAX ? joined : suffixed(joined, `${server}/${tool}`, 8);
}

/** Model-facing name ↔ (server, tool) for one run. */
export class ModelToolNames {
  private readonly byName = new Map<string, NamedTool>();

  constructor(tools: readonly NamedTool[]) {
    const sorted = [...tools].sort((a, b) => cmp(`${a.server}/${a.tool}`, `${b.server}/${b.tool}`));
    for (const t of sorted) {
      let name = modelToolName(t.server, t.tool);
      for (let length = 6; this.byName.has(name); length++) name = suffixed(modelToolName(t.server, t.tool), `${t.server}/${t.tool}`, length);
      this.byName.set(name, t);
    }
  }

  resolve(name: string): NamedTool | undefined {
    return this.byName.get(name);
  }

  nameOf(server: string, tool: string): string | undefined {
    for (const [name, t] of this.byName) if (t.server === server && t.tool === tool) return name;
    return undefined;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
