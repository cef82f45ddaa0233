// Runs the official conformance suite's server scenarios against one server definition for the lab: an HTTP
// server at its URL, a stdio server behind the loopback Streamable HTTP bridge (the suite speaks HTTP only).
// Within bounds, the scenarios the suite did not start are named by a listing run of the same suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerDefinition } from '../config/types';
import { StdioHttpBridge } from '../conformance/bridge';
import { CONFORMANCE_PACKAGE, CONFORMANCE_VERSION, listServerScenarios, locateConformanceCli, runConformance, type SuiteRun } from '../conformance/suite';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_STOP_GRACE_MS } from '../servers';
import type { ConformanceBounds, ConformanceRun } from './types';

export async function conformanceScenarios(def: ServerDefinition, progress: (message: string) => void, bounds?: ConformanceBounds): Promise<ConformanceRun> {
  const cli = locateConformanceCli();
  if (!cli) throw new Error(`the conformance suite is not installed (install ${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION} next to mcp-harness)`);
  if (def.error) throw new Error(def.error);
  if (def.transport === 'sse') throw new Error(`${def.id} uses the older HTTP+SSE transport; the conformance suite tests Streamable HTTP and stdio servers only`);
  const bridge = def.transport === 'stdio' ? new StdioHttpBridge(def, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, stopGraceMs: DEFAULT_STOP_GRACE_MS }) : undefined;
  const out = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-conformance-'));
  try {
    const url = bridge ? await bridge.listen() : def.url!;
    const run = await runConformance(cli, 'server', ['--url', url], join(out, 'run'), (text) => {
      for (const m of text.matchAll(/Running (?:server )?scenario:?\s*([\w./-]+)/gi)) progress(m[1]);
    }, bounds ?? {});
    return { scenarios: run.results, ...(await unfinished(cli, run, join(out, 'list'))) };
  } finally {
    await bridge?.close();
    rmSync(out, { recursive: true, force: true });
  }
}

async function unfinished(cli: string, run: SuiteRun, listDir: string): Promise<Omit<ConformanceRun, 'scenarios'>> {
  if (!run.stopped) return { notStarted: [] };
  const finished = new Set(run.results.map((r) => r.scenario));
  const interrupted = run.started.find((s) => !finished.has(s));
  const started = new Set(run.started);
  const notStarted = (await listServerScenarios(cli, listDir)).filter((s) => !started.has(s));
  return { notStarted, stopped: run.stopped.reason, ...(interrupted ? { interrupted } : {}) };
}
