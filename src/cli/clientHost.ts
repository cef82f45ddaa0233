// The CLI's client features: how `mcp-harness` answers a server that asks for a model, for input or for its
// roots. Nothing is interactive: sampling is denied unless the session allows it (its "reply" answers),
// "ask" is answered by --yes, elicitations are answered from the session's "elicitation" key, a URL is
// printed and never opened, and the roots are the session's or the workspace folder.
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClientFeatures } from '../core/client/features';
import type { SessionFile } from '../core/session/parse';
import type { CliIO } from './io';

export interface CliClientOptions {
  folder: string;
  /** --yes: a session whose sampling policy is "ask" is answered yes. */
  yes?: boolean;
  /** The session being run: its roots are the roots servers see from the start. */
  session?: SessionFile;
}

export function cliClientFeatures(io: CliIO, options: CliClientOptions): ClientFeatures {
  const verbose = Boolean(io.env.MCP_HARNESS_VERBOSE);
  // The scanners load only when a server asks for a URL to be opened.
  const masked = (text: string) => {
    const { scanValue } = require('../core/guards/redact') as typeof import('../core/guards/redact');
    const { DEFAULT_GUARDRAILS } = require('../core/guards/defaults') as typeof import('../core/guards/defaults');
    return scanValue(text, DEFAULT_GUARDRAILS, undefined, 'record').redacted as string;
  };
  return new ClientFeatures({
    samplingDefault: 'deny',
    ...(options.yes ? { consentToSampling: async () => true } : {}),
    onElicitationUrl: (server, url, message) =>
      io.stderr(`mcp-harness: the server '${server}' asks the user to open ${masked(url)} (${masked(message)}). The CLI never opens URLs; the session's "elicitation" key answers.\n`),
    roots: () => options.session?.client?.roots ?? [{ uri: pathToFileURL(options.folder).href, name: basename(options.folder) }],
    ...(verbose ? { onLog: (server: string, level: string, text: string) => io.stderr(`[${server}] ${level}: ${text}\n`) } : {}),
  });
}
