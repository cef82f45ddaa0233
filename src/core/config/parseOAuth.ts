// A server entry's "oauth" block (MCP Harness's own key, read in every format): how this client identifies
// itself to the server's authorization server before falling back to dynamic registration — a pre-registered
// client id (with a secret, best as an `${input:…}`), or the URL of a Client ID Metadata Document.
//   "oauth": { "clientId": "my-app", "clientSecret": "${input:client-secret}" }
//   "oauth": { "clientMetadataUrl": "https://example.com/mcp-harness-client.json" }
import { describeNodeType, keyOf, type Node, rangeOf, valueOf } from './jsonc';
import type { ParsedServer, StringField } from './parse';
import { uniqueProperties, type ProblemSink } from './problemSink';

export interface ParsedOAuth {
  clientId?: StringField;
  clientSecret?: StringField;
  clientMetadataUrl?: StringField;
}

const KEYS = ['clientId', 'clientSecret', 'clientMetadataUrl'] as const;
const EXAMPLE = '{"clientId": "my-app", "clientSecret": "${input:client-secret}"} or {"clientMetadataUrl": "https://example.com/client.json"}';

export function parseOAuth(node: Node, server: ParsedServer, sink: ProblemSink): ParsedOAuth | undefined {
  const name = server.name;
  if (node.type !== 'object') {
    sink.add(rangeOf(node), 'error', 'invalid-type', `"oauth" of server "${name}" must be an object, like ${EXAMPLE}; it is ${describeNodeType(node)}.`, server);
    return undefined;
  }
  const oauth: ParsedOAuth = {};
  for (const [key, property] of uniqueProperties(node, sink, `"oauth" of server "${name}"`, server)) {
    const value = valueOf(property);
    if (!value) continue;
    if (!(KEYS as readonly string[]).includes(key)) {
      sink.add(rangeOf(keyOf(property)), 'warning', 'unknown-key', `"oauth.${key}" of server "${name}" is not a key MCP Harness reads (known: ${KEYS.join(', ')}), so it is ignored: check the spelling.`, server);
      continue;
    }
    if (value.type !== 'string' || (value.value as string).trim() === '') {
      sink.add(rangeOf(value), 'error', 'invalid-type', `"oauth.${key}" of server "${name}" must be a non-empty string; it is ${value.type === 'string' ? 'empty' : describeNodeType(value)}.`, server);
      continue;
    }
    oauth[key as (typeof KEYS)[number]] = { node: value, value: value.value as string };
  }
  if (server.transport === 'stdio') {
    sink.add(rangeOf(node), 'warning', 'oauth-on-stdio', `"oauth" of server "${name}" is ignored: sign-in is for HTTP servers, and this one is stdio.`, server);
  }
  if (oauth.clientId && oauth.clientMetadataUrl) {
    sink.add(rangeOf(node), 'error', 'invalid-value', `"oauth" of server "${name}" gives both "clientId" and "clientMetadataUrl": keep the one the authorization server knows.`, server);
    return undefined;
  }
  if (oauth.clientSecret && !oauth.clientId) {
    sink.add(rangeOf(oauth.clientSecret.node), 'error', 'invalid-value', `"oauth.clientSecret" of server "${name}" needs the "clientId" it belongs to.`, server);
    return undefined;
  }
  if (oauth.clientSecret && !oauth.clientSecret.value.includes('${')) {
    sink.add(
      rangeOf(oauth.clientSecret.node),
      'warning',
      'secret-in-config',
      `"oauth.clientSecret" of server "${name}" is written in the file: use an input, like "\${input:client-secret}", so the secret is asked for and kept out of the repository.`,
      server,
    );
  }
  if (oauth.clientMetadataUrl && !isCimdUrl(oauth.clientMetadataUrl.value)) {
    sink.add(
      rangeOf(oauth.clientMetadataUrl.node),
      'error',
      'invalid-url',
      `"oauth.clientMetadataUrl" of server "${name}" must be an https:// URL with a path (a Client ID Metadata Document), like https://example.com/client.json: no fragment, no "." or ".." segment, a query only after the path, no user name or password.`,
      server,
    );
    return undefined;
  }
  return oauth;
}

/**
 * The one rule for "oauth.clientMetadataUrl", also the pattern of schemas/mcp-config.schema.json (a unit test
 * keeps the two equal): an https URL whose path has at least one segment, none of them `.` or `..`, with an
 * optional query and no fragment (the CIMD draft's rules for a client id URL), or a value with a `${…}` variable.
 */
export const CLIENT_METADATA_URL_PATTERN = String.raw`^(https://[^/?#@\s]+(/(?!\.{1,2}(?:[/?]|$))[^/?#\s]+)+/?(\?[^#\s]*)?|.*\$\{.*)$`;
const CLIENT_METADATA_URL = new RegExp(CLIENT_METADATA_URL_PATTERN, 'u');

function isCimdUrl(text: string): boolean {
  return CLIENT_METADATA_URL.test(text);
}
