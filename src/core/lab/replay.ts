// A counterexample as a session file that `mcp-harness run` (or "MCP: Run Session") reproduces: one step
// with the shrunk input, expecting what the property demanded (a result). The seed is in the name so the
// lab run that found it can be repeated too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Counterexample {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  seed: number;
  /** What went wrong, e.g. 'the server process exited'. */
  problem: string;
  callTimeoutMs: number;
}

export function counterexampleSession(c: Counterexample): Record<string, unknown> {
  return {
    name: `lab counterexample ${c.server}/${c.tool} (seed ${c.seed})`,
    servers: [c.server],
    // The lab already called this tool with the user's consent (--allow-destructive for destructive ones).
    policy: { timeoutMs: c.callTimeoutMs, confirmDestructive: false, maxSteps: 10 },
    steps: [
      {
        id: 'counterexample',
        description: `Found by mcp-harness lab --seed ${c.seed}: ${c.problem}. A valid input must give a result.`,
        tool: `${c.server}/${c.tool}`,
        args: c.args,
        expect: { decision: 'ok' },
      },
    ],
  };
}

/** Writes the session file into `dir`; returns its path. */
export function saveCounterexample(dir: string, c: Counterexample): string {
  mkdirSync(dir, { recursive: true });
  const safe = `${c.server}-${c.tool}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const file = join(dir, `lab-${safe}-seed${c.seed}.mcp-session.json`);
  writeFileSync(file, JSON.stringify(counterexampleSession(c), null, 2) + '\n');
  return file;
}
