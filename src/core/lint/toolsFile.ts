// Offline tool lists for `mcp-harness lint --tools-file`: a tools/list result ({tools: [...]}), a plain
// array of tools, or a map of server name to either (several servers at once, for name collisions).
import type { ServerTools } from './linter';

export class ToolsFileError extends Error {}

/** Tools files above this size are refused (a tools/list result is kilobytes, not hundreds of megabytes). */
export const MAX_TOOLS_FILE_BYTES = 50 * 1024 * 1024;

function toolArray(value: unknown, where: string): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && Array.isArray((value as { tools?: unknown }).tools)) return (value as { tools: unknown[] }).tools;
  void where;
  return undefined;
}

/**
 * Parses the text of a tools file. `serverName` names the server when the file holds one list.
 * Unknown extra fields are ignored; entries that are not objects are reported (nothing can be linted in them).
 */
export function parseToolsFile(text: string, file: string, serverName: string): ServerTools[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ToolsFileError(`${file} is not valid JSON (${(err as Error).message}). Give a tools/list result ({"tools": [...]}) or a JSON array of tools.`);
  }
  const single = toolArray(data, file);
  let servers: ServerTools[];
  if (single) servers = [{ server: serverName, tools: single }];
  else if (data && typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length && Object.values(data).every((v) => toolArray(v, file))) {
    servers = Object.entries(data as Record<string, unknown>).map(([server, v]) => ({ server, tools: toolArray(v, file)! }));
  } else {
    throw new ToolsFileError(`${file} holds neither a tools/list result ({"tools": [...]}) nor a JSON array of tools. Save the result of tools/list, or an array of tool definitions, and try again.`);
  }
  for (const { server, tools } of servers) {
    tools.forEach((t, i) => {
      if (!t || typeof t !== 'object' || Array.isArray(t)) {
        throw new ToolsFileError(`${file}: tool ${i}${servers.length > 1 ? ` of "${server}"` : ''} is ${JSON.stringify(t)}, not an object. Each tool must be an object with at least a "name".`);
      }
    });
  }
  return servers;
}
