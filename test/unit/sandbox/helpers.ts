// Test fixtures for the sandbox: REAL MCP servers (server-everything, server-filesystem from
// node_modules) over the SDK client, behind the REAL guard pipeline.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import type { ServerDefinition } from '../../../src/core/config/types';
import { GuardPipeline, type GuardPipelineOptions } from '../../../src/core/guards/pipeline';
import type { CallOptions, ServerConnection } from '../../../src/core/servers/types';

const root = join(__dirname, '..', '..', '..');
export const EVERYTHING = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const FILESYSTEM = join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

export interface RealServer {
  connection: ServerConnection;
  pid: number | null;
  close(): Promise<void>;
}

/** Starts a real stdio MCP server with node and connects the SDK client to it. */
export async function startServer(id: string, script: string, args: string[] = []): Promise<RealServer> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [script, ...args], stderr: 'ignore' });
  const client = new Client({ name: 'mcp-harness-sandbox-tests', version: '0.0.0' });
  await client.connect(transport);
  const definition: ServerDefinition = {
    id,
    name: id,
    source: { file: 'test', kind: 'mcp-json', nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } },
    transport: 'stdio',
    command: process.execPath,
    args: [script, ...args],
    hash: id,
    notes: [],
  };
  const connection: ServerConnection = {
    id,
    definition,
    async listTools(): Promise<Tool[]> {
      return (await client.listTools()).tools;
    },
    async callTool(name: string, toolArgs: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
      return (await client.callTool({ name, arguments: toolArgs }, undefined, { signal: options?.signal, timeout: options?.timeoutMs })) as CallToolResult;
    },
  };
  return {
    connection,
    pid: transport.pid,
    close: async () => {
      await client.close();
    },
  };
}

/** The real guard pipeline over the given connections. */
export function pipelineFor(servers: RealServer[], options: Partial<GuardPipelineOptions> = {}): GuardPipeline {
  const byId = new Map(servers.map((s) => [s.connection.id, s.connection]));
  return new GuardPipeline({
    sessionId: 'sandbox-test',
    servers: [...byId.keys()],
    connections: {
      ensureStarted: async (id) => {
        const c = byId.get(id);
        if (!c) throw new Error(`no server ${id}`);
        return c;
      },
    },
    // Tests stand in for the user who confirms each call (the CLI's --yes).
    confirm: async () => true,
    ...options,
  });
}
