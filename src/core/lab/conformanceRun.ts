// Runs the official conformance suite's server scenarios against one server definition for the lab: an HTTP
// server at its URL, a stdio server behind the loopback Streamable HTTP bridge (the suite speaks HTTP only).
// Within bounds, the scenarios the suite did not start are named by a listing run of the same suite, made while the
// run goes on so that a run cut by its budget hands back at once; the bridge's servers of a cut (or cancelled) run are
// ended without the grace to exit on end of input.
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
  // Only a bounded run can be stopped before the suite ends it; only then are the scenarios it left out named.
  const listing = bounds ? new ScenarioListing(cli, join(out, 'list')) : undefined;
  let run: SuiteRun | undefined;
  try {
    const url = bridge ? await bridge.listen() : def.url!;
    run = await runConformance(cli, 'server', ['--url', url], join(out, 'run'), (text) => {
      for (const m of text.matchAll(/Running (?:server )?scenario:?\s*([\w./-]+)/gi)) progress(m[1]);
    }, bounds ?? {});
    return { scenarios: run.results, ...(await unfinished(run, listing)) };
  } finally {
    await listing?.dispose();
    await bridge?.close({ atOnce: run?.stopped !== undefined });
    rmSync(out, { recursive: true, force: true });
  }
}

async function unfinished(run: SuiteRun, listing: ScenarioListing | undefined): Promise<Omit<ConformanceRun, 'scenarios'>> {
  if (!run.stopped || !listing) return { notStarted: [] };
  const finished = new Set(run.results.map((r) => r.scenario));
  const interrupted = run.started.find((s) => !finished.has(s));
  const started = new Set(run.started);
  const notStarted = (await listing.scenarios).filter((s) => !started.has(s));
  return { notStarted, stopped: run.stopped.reason, ...(interrupted ? { interrupted } : {}) };
}

/** The listing run, started at once beside the suite's run; stopped if it is still going when no one needs it. */
class ScenarioListing {
  private readonly stop = new AbortController();
  readonly scenarios: Promise<string[]>;

  constructor(cli: string, outDir: string) {
    this.scenarios = listServerScenarios(cli, outDir, this.stop.signal);
    // Read only when the run was stopped: a failure is the caller's to see then, not an unhandled rejection now.
    this.scenarios.catch(() => {});
  }

  /** Ends the listing (a no-op once it is done) and waits for its process, which writes into the run's folder. */
  async dispose(): Promise<void> {
    this.stop.abort();
    await this.scenarios.catch(() => {});
  }
}
