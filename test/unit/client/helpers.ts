// A RunService over real servers (server-everything, the asks, modern and client-ui fixtures) with the client features wired in
// as a host would: the ServerManager's serverRequests/serverNotifications come from the same ClientFeatures
// object the RunEnvironment carries.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientFeatures } from '../../../src/core/client/features';
import type { ClientHost } from '../../../src/core/client/types';
import type { StepRecord } from '../../../src/protocol/trace';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService } from '../../../src/core/run/service';
import { ServerManager } from '../../../src/core/servers/manager';
import { parseSession, type SessionFile } from '../../../src/core/session/parse';
import { nullLogger } from '../../../src/core/types';
import { EVERYTHING, FIXTURES, stdioDefinition } from '../guards/helpers';

export interface ClientWorld {
  manager: ServerManager;
  client: ClientFeatures;
  service: RunService;
  traceDir: string;
  /** Every log line the host was handed. */
  logs: { server: string; level: string; text: string }[];
  /** Every URL an elicitation asked the user to open. */
  urls: string[];
  dispose(): Promise<void>;
}

export function clientWorld(host: Partial<ClientHost> = {}): ClientWorld {
  const logs: ClientWorld['logs'] = [];
  const urls: string[] = [];
  const client = new ClientFeatures({
    samplingDefault: 'deny',
    onLog: (server, level, text) => logs.push({ server, level, text }),
    onElicitationUrl: (_server, url) => urls.push(url),
    ...host,
  });
  const manager = new ServerManager({
    definitions: [stdioDefinition('everything', EVERYTHING), stdioDefinition('asks', join(FIXTURES, 'asks.mjs')), stdioDefinition('modern', join(FIXTURES, 'modern.mjs')), stdioDefinition('ui', join(FIXTURES, 'client-ui.mjs'))],
    logger: nullLogger,
    clientInfo: { name: 'mcp-harness-test', version: '0' },
    stopGraceMs: 500,
    serverRequests: client.requestHandlers(),
    serverNotifications: client.notificationHandlers(),
  });
  const traceDir = mkdtempSync(join(tmpdir(), 'mcp-harness-client-'));
  const service = new RunService({
    connections: manager,
    knownServers: ['everything', 'asks', 'modern', 'ui'],
    policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'asks', 'modern', 'ui'], confirmDestructive: false },
    guardrails: DEFAULT_GUARDRAILS,
    traceDir,
    client,
  });
  return {
    manager,
    client,
    service,
    traceDir,
    logs,
    urls,
    async dispose() {
      await manager.dispose();
      rmSync(traceDir, { recursive: true, force: true });
    },
  };
}

/** A session from JSON text, failing the test on a parse problem. */
export function session(value: Record<string, unknown>, file?: string): SessionFile {
  const parsed = parseSession(JSON.stringify(value), file);
  if (!parsed.session) throw new Error(JSON.stringify(parsed.problems));
  return parsed.session;
}

export function traceText(file: string | undefined): string {
  if (!file) throw new Error('no trace file');
  return readFileSync(file, 'utf8');
}

/** A GitHub token shape the secret scanner knows: planted, it must never reach a trace. */
export const PLANTED_TOKEN = 'ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3poR2d2';
export const PLANTED_EMAIL = 'ada.lovelace@example.com';

/** A fresh world for each test of the suite, with every announced record collected in `seen`. */
export function eachTestWorld(host: Partial<ClientHost> = {}): { world(): ClientWorld; seen: StepRecord[] } {
  let current: ClientWorld | undefined;
  const seen: StepRecord[] = [];
  beforeEach(() => {
    current = clientWorld(host);
    current.service.onStep((r) => seen.push(r));
  });
  afterEach(async () => {
    await current?.dispose();
    seen.length = 0;
  });
  return { world: () => current!, seen };
}
