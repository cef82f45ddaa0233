// Runs the official conformance suite's server scenarios against one server definition for the lab: an HTTP
// server at its URL, a stdio server behind the loopback Streamable HTTP bridge (the suite speaks HTTP only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerDefinition } from '../config/types';
import { StdioHttpBridge } from '../conformance/bridge';
import { CONFORMANCE_PACKAGE, CONFORMANCE_VERSION, locateConformanceCli, runConformance } from '../conformance/suite';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_STOP_GRACE_MS } from '../servers';
import type { ConformanceScenario } from './types';

export async function conformanceScenarios(def: ServerDefinition, progress: (message: string) => void): Promise<ConformanceScenario[]> {
  const cli = locateConformanceCli();
  if (!cli) throw new Error(`the conformance suite is not installed (install ${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION} next to mcp-harness)`);
  if (def.error) throw new Error(def.error);
  if (def.transport === 'sse') throw new Error(`${def.id} uses the older HTTP+SSE transport; the conformance suite tests Streamable HTTP and stdio servers only`);
  const bridge = def.transport === 'stdio' ? new StdioHttpBridge(def, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, stopGraceMs: DEFAULT_STOP_GRACE_MS }) : undefined;
  const out = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-conformance-'));
  try {
    const url = bridge ? await bridge.listen() : def.url!;
    const run = await runConformance(cli, 'server', ['--url', url], out, (text) => {
      for (const m of text.matchAll(/Running (?:server )?scenario:?\s*([\w./-]+)/gi)) progress(m[1]);
    });
    return run.results;
  } finally {
    await bridge?.close();
    rmSync(out, { recursive: true, force: true });
  }
}
