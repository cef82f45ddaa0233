// The lab's host over a RunService and a ServerManager: every probe runs in an open run of the one run
// service (kind 'lab'), and the fault-injection proxy is a definition added next to the target's.
import type { ServerDefinition } from '../config/types';
import type { ServerManager } from '../servers/manager';
import type { RunService } from '../run/service';
import { canonicalJson, sha256Hex } from '../util/canonical';
import type { LabHost, LabRun, LabRunOptions, ServerProbeState } from './types';

/** How to start the chaos proxy as a stdio server: the command and the arguments before its own. */
export interface ProxyLauncher {
  command: string;
  args: string[];
}

export class ServiceLabHost implements LabHost {
  private proxies = 0;

  constructor(
    private readonly service: RunService,
    private readonly manager: ServerManager,
    private readonly launcher?: ProxyLauncher,
  ) {}

  async openRun(options: LabRunOptions): Promise<LabRun> {
    const run = await this.service.open({ name: options.name, kind: 'lab', servers: options.servers, policy: options.policy, ...(options.schemaGuard ? { schemaGuard: options.schemaGuard } : {}) });
    return {
      callTool: (request) => run.callTool(request),
      listTools: () => run.listTools(),
      end: async () => {
        const result = await run.end();
        return result.trace_file ? { traceFile: result.trace_file } : {};
      },
    };
  }

  serverState(id: string): ServerProbeState | undefined {
    const s = this.manager.state(id);
    return s && { status: s.status, ...(s.pid ? { pid: s.pid } : {}), ...(s.error ? { error: s.error } : {}) };
  }

  async listResources(id: string) {
    return (await this.manager.ensureStarted(id)).listResources();
  }

  async readResource(id: string, uri: string) {
    return (await this.manager.ensureStarted(id)).readResource(uri);
  }

  async restart(id: string): Promise<void> {
    await this.manager.restart(id);
  }

  async coldStartMs(id: string): Promise<number> {
    await this.manager.stop(id);
    const t0 = performance.now();
    await this.manager.start(id);
    return performance.now() - t0;
  }

  get proxied(): LabHost['proxied'] {
    const launcher = this.launcher;
    if (!launcher) return undefined;
    return async (target, toxics, seed) => {
      const def = this.manager.definition(target);
      if (!def || def.transport !== 'stdio' || !def.command) throw new Error(`'${target}' is not a stdio server; only stdio servers can be run behind the fault-injection proxy.`);
      const id = `${target}~chaos${++this.proxies}`;
      const args = [...launcher.args, 'chaos', '--toxics', toxics, '--seed', String(seed), '--', def.command, ...(def.args ?? [])];
      // The faults test the server, not version negotiation: speak the generation it was found to speak,
      // so no probe has to cross the proxy's corrupted stream first.
      const era = this.manager.state(target)?.protocol?.era;
      const protocol = era === 'modern' ? '2026' : era === 'legacy' ? '2025' : def.protocol;
      const proxied: ServerDefinition = { ...def, id, name: `${def.name} (chaos: ${toxics})`, command: launcher.command, args, notes: [], protocol, hash: sha256Hex(canonicalJson({ id, command: launcher.command, args, env: def.env ?? {} })) };
      await this.manager.setDefinitions([...this.manager.definitions(), proxied]);
      return id;
    };
  }
}
