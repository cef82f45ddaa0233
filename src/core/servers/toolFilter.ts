// Gemini's per-server includeTools/excludeTools: include is an allowlist, exclude wins over include.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerDefinition } from '../config/types';

export function isToolAllowed(name: string, def: Pick<ServerDefinition, 'includeTools' | 'excludeTools'>): boolean {
  if (def.excludeTools?.includes(name)) return false;
  if (def.includeTools && def.includeTools.length > 0) return def.includeTools.includes(name);
  return true;
}

export function filterTools(tools: Tool[], def: Pick<ServerDefinition, 'includeTools' | 'excludeTools'>): Tool[] {
  return tools.filter((t) => isToolAllowed(t.name, def));
}
