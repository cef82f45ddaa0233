// Parsing one server entry of a config file: transport, command/args/env or url/headers, tool filters and
// dev options, each mistake reported at its exact range.
import type { FormatSpec } from './formats';
import { describeNodeType, getNodeValue, keyOf, type Node, propertiesOf, rangeOf, valueOf } from './jsonc';
import type { ParsedConfig, ParsedServer, NamedStringField, StringField } from './parse';
import { parseOAuth } from './parseOAuth';
import { uniqueProperties, type ProblemSink } from './problemSink';
import type { ProtocolSetting, SourceRange, Transport } from './types';

const TRANSPORTS: readonly Transport[] = ['stdio', 'http', 'sse'];
const PROTOCOLS: readonly ProtocolSetting[] = ['auto', '2025', '2026'];
/** Server fields MCP Harness reads in every format (the other clients ignore them). */
const HARNESS_SERVER_KEYS: readonly string[] = ['protocol', 'oauth'];

function transportAdvice(value: string): string {
  const lower = value.toLowerCase().replace(/[^a-z]/g, '');
  if (lower.includes('http') || lower.includes('streamable')) return ' Did you mean "http"?';
  if (lower.includes('sse') || lower.includes('event')) return ' Did you mean "sse"?';
  if (lower.includes('std') || lower.includes('local') || lower.includes('command')) return ' Did you mean "stdio"?';
  return '';
}

export function parseServer(name: string, property: Node, format: FormatSpec, config: ParsedConfig, sink: ProblemSink): ParsedServer | undefined {
  const keyNode = keyOf(property);
  const valueNode = valueOf(property);
  if (!valueNode) return undefined; // the parse error is already reported
  const server: ParsedServer = {
    name,
    file: config.file,
    kind: config.kind,
    ...(config.workspaceFolder !== undefined ? { workspaceFolder: config.workspaceFolder } : {}),
    nameRange: rangeOf(keyNode),
    range: rangeOf(valueNode),
    transport: 'stdio',
    errors: [],
  };
  if (name.trim() === '') {
    sink.add(rangeOf(keyNode), 'error', 'invalid-server-name', 'A server needs a name: write a non-empty key for it.', server);
  }
  if (valueNode.type !== 'object') {
    sink.add(
      rangeOf(valueNode),
      'error',
      'invalid-server',
      `Server "${name}" must be an object like {"command": "npx", "args": ["-y", "some-mcp-server"]}; it is ${describeNodeType(valueNode)}.`,
      server,
    );
    return server;
  }
  const fields = uniqueProperties(valueNode, sink, `server "${name}"`, server);

  const typeError = (node: Node, field: string, expected: string, example: string): void => {
    sink.add(
      rangeOf(node),
      'error',
      'invalid-type',
      `"${field}" of server "${name}" must be ${expected}, like ${example}; it is ${describeNodeType(node)}.`,
      server,
    );
  };
  const stringField = (field: string, example: string): StringField | undefined => {
    const node = fields.get(field) && valueOf(fields.get(field)!);
    if (!node) return undefined;
    if (node.type !== 'string') {
      typeError(node, field, 'a string', example);
      return undefined;
    }
    return { node, value: node.value as string };
  };
  const stringArray = (field: string, example: string): StringField[] | undefined => {
    const node = fields.get(field) && valueOf(fields.get(field)!);
    if (!node) return undefined;
    if (node.type !== 'array') {
      typeError(node, field, 'an array of strings', example);
      return undefined;
    }
    const items: StringField[] = [];
    for (const item of node.children ?? []) {
      if (item.type === 'string') items.push({ node: item, value: item.value as string });
      else {
        sink.add(
          rangeOf(item),
          'error',
          'invalid-type',
          `Every entry of "${field}" of server "${name}" must be a string; this one is ${describeNodeType(item)}${item.type === 'number' || item.type === 'boolean' ? `: write "${String(item.value)}" in quotes` : ''}.`,
          server,
        );
      }
    }
    return items;
  };
  const stringMap = (field: string, example: string): NamedStringField[] | undefined => {
    const node = fields.get(field) && valueOf(fields.get(field)!);
    if (!node) return undefined;
    if (node.type !== 'object') {
      typeError(node, field, 'an object of strings', example);
      return undefined;
    }
    const entries: NamedStringField[] = [];
    for (const [entryName, entryProperty] of uniqueProperties(node, sink, `"${field}" of server "${name}"`, server)) {
      const entryValue = valueOf(entryProperty);
      if (!entryValue) continue;
      if (field === 'env' && (entryName === '' || entryName.includes('=') || entryName.includes('\0'))) {
        sink.add(
          rangeOf(keyOf(entryProperty)),
          'error',
          'invalid-env-name',
          `"${entryName}" cannot be an environment variable name (it is empty or contains "="): rename it.`,
          server,
        );
        continue;
      }
      if (entryValue.type !== 'string') {
        sink.add(
          rangeOf(entryValue),
          'error',
          'invalid-type',
          `"${field}.${entryName}" of server "${name}" must be a string; it is ${describeNodeType(entryValue)}${entryValue.type === 'number' || entryValue.type === 'boolean' ? `: write "${String(entryValue.value)}" in quotes` : ''}.`,
          server,
        );
        continue;
      }
      entries.push({ name: entryName, nameNode: keyOf(entryProperty), value: { node: entryValue, value: entryValue.value as string } });
    }
    return entries;
  };

  // Unknown fields: warn, never fail — clients add fields faster than anyone can track them.
  for (const [field, fieldProperty] of fields) {
    if (!format.knownServerKeys.includes(field) && !HARNESS_SERVER_KEYS.includes(field)) {
      sink.add(
        rangeOf(keyOf(fieldProperty)),
        'warning',
        'unknown-key',
        `"${field}" is not a server field ${format.client} reads, so it is ignored: check the spelling (known fields: ${format.knownServerKeys.join(', ')}).`,
        server,
      );
    }
  }

  let declared: Transport | undefined;
  const typeNode = fields.get('type') && valueOf(fields.get('type')!);
  if (typeNode) {
    if (typeNode.type !== 'string') typeError(typeNode, 'type', '"stdio", "http" or "sse"', '"type": "stdio"');
    else if (!TRANSPORTS.includes(typeNode.value as Transport)) {
      sink.add(
        rangeOf(typeNode),
        'error',
        'unknown-type',
        `Unknown type "${typeNode.value as string}": use "stdio" for a local command, "http" for a Streamable HTTP URL or "sse" for a legacy SSE URL.${transportAdvice(typeNode.value as string)}`,
        server,
      );
    } else declared = typeNode.value as Transport;
  }

  server.command = stringField('command', '"command": "npx"');
  if (server.command && server.command.value.trim() === '') {
    sink.add(rangeOf(server.command.node), 'error', 'missing-command', `The command of server "${name}" is empty: write the program to run, like "npx" or "node".`, server);
  }
  server.args = stringArray('args', '"args": ["-y", "some-mcp-server"]');
  server.env = stringMap('env', '"env": {"API_KEY": "${env:API_KEY}"}');
  if (format.knownServerKeys.includes('envFile')) server.envFile = stringField('envFile', '"envFile": "${workspaceFolder}/.env"');
  server.cwd = stringField('cwd', '"cwd": "${workspaceFolder}"');
  server.headers = stringMap('headers', '"headers": {"Authorization": "Bearer ${env:TOKEN}"}');

  // The address of a remote server: one of the format's url keys.
  const urlFields: Array<{ key: string; field: StringField }> = [];
  for (const key of Object.keys(format.urlKeys)) {
    const field = stringField(key, `"${key}": "https://example.com/mcp"`);
    if (field) urlFields.push({ key, field });
  }
  if (urlFields.length > 1) {
    const second = urlFields[1]!;
    sink.add(
      rangeOf(keyOf(fields.get(second.key)!)),
      'error',
      'conflicting-transport',
      `Server "${name}" has both "${urlFields[0]!.key}" and "${second.key}": keep only one address (${Object.entries(format.urlKeys).map(([k, t]) => `"${k}" for ${t === 'sse' ? 'SSE' : 'Streamable HTTP'}`).join(', ')}).`,
      server,
    );
  }
  const urlField = urlFields[0];
  if (urlField) server.url = urlField.field;
  const urlKeyRange = (key: string): SourceRange => rangeOf(keyOf(fields.get(key)!));

  if (declared === 'stdio') {
    server.transport = 'stdio';
    if (!fields.has('command')) {
      sink.add(rangeOf(typeNode!), 'error', 'missing-command', `Server "${name}" has type "stdio" but no "command": add "command" (the program to run), or set "type" to "http" with a "url".`, server);
    }
    if (urlField) {
      sink.add(urlKeyRange(urlField.key), 'error', 'conflicting-transport', `Server "${name}" has type "stdio" but also "${urlField.key}": remove "${urlField.key}", or set "type" to "http" and remove "command".`, server);
    }
  } else if (declared === 'http' || declared === 'sse') {
    server.transport = declared;
    if (urlFields.length === 0 && !Object.keys(format.urlKeys).some((k) => fields.has(k))) {
      sink.add(rangeOf(typeNode!), 'error', 'missing-url', `Server "${name}" has type "${declared}" but no "${Object.keys(format.urlKeys)[0]}": add the server's URL, or set "type" to "stdio" with a "command".`, server);
    }
    if (fields.has('command')) {
      sink.add(rangeOf(keyOf(fields.get('command')!)), 'error', 'conflicting-transport', `Server "${name}" has type "${declared}" but also "command": remove "command", or set "type" to "stdio" and remove the URL.`, server);
    }
  } else if (!typeNode || declared === undefined) {
    const hasCommand = fields.has('command');
    const urlKey = Object.keys(format.urlKeys).find((k) => fields.has(k));
    if (hasCommand && urlKey) {
      sink.add(
        urlKeyRange(urlKey),
        'error',
        'conflicting-transport',
        `Server "${name}" has both "command" and "${urlKey}": a server is either local (a command to run) or remote (a URL); remove one of them.`,
        server,
      );
      server.transport = 'stdio';
    } else if (urlKey) {
      server.transport = format.urlKeys[urlKey]!;
    } else if (hasCommand) {
      server.transport = 'stdio';
    } else if (!typeNode) {
      sink.add(
        rangeOf(keyNode),
        'error',
        'missing-command-or-url',
        `Server "${name}" has neither "command" nor "${Object.keys(format.urlKeys).join('" / "')}": add "command" to run a local server, or "${Object.keys(format.urlKeys)[0]}" for a remote one.`,
        server,
      );
    }
  }
  if (server.transport === 'stdio' && server.headers && server.headers.length > 0 && fields.has('headers')) {
    sink.add(rangeOf(keyOf(fields.get('headers')!)), 'warning', 'ignored-field', `"headers" only apply to remote (http/sse) servers; server "${name}" runs a command, so they are ignored: remove them.`, server);
  }

  const timeoutNode = fields.get('timeout') && valueOf(fields.get('timeout')!);
  if (timeoutNode && format.knownServerKeys.includes('timeout')) {
    if (timeoutNode.type !== 'number') typeError(timeoutNode, 'timeout', 'a number of milliseconds', '"timeout": 30000');
    else if (!(Number.isFinite(timeoutNode.value) && (timeoutNode.value as number) > 0)) {
      sink.add(rangeOf(timeoutNode), 'error', 'invalid-value', `"timeout" of server "${name}" must be a positive number of milliseconds, like 30000.`, server);
    } else server.timeoutMs = timeoutNode.value as number;
  }
  const toolList = (field: string): string[] | undefined => {
    if (!format.knownServerKeys.includes(field)) return undefined;
    return stringArray(field, `"${field}": ["read_file"]`)?.map((f) => f.value);
  };
  server.includeTools = toolList('includeTools');
  server.excludeTools = toolList('excludeTools');
  const disabledTools = toolList('disabledTools');
  if (disabledTools) server.excludeTools = [...(server.excludeTools ?? []), ...disabledTools];

  const disabledNode = fields.get('disabled') && valueOf(fields.get('disabled')!);
  if (disabledNode && format.knownServerKeys.includes('disabled')) {
    if (disabledNode.type !== 'boolean') typeError(disabledNode, 'disabled', 'true or false', '"disabled": true');
    else if (disabledNode.value === true) server.disabled = true;
  }

  // MCP Harness's own key, read in every format (the other clients ignore it).
  const protocolNode = fields.get('protocol') && valueOf(fields.get('protocol')!);
  if (protocolNode) {
    const value = protocolNode.value;
    if (protocolNode.type === 'string' && PROTOCOLS.includes(value as ProtocolSetting)) server.protocol = value as ProtocolSetting;
    else {
      const shown = protocolNode.type === 'string' ? `"${String(value)}"` : describeNodeType(protocolNode);
      sink.add(
        rangeOf(protocolNode),
        'error',
        'invalid-value',
        `"protocol" of server "${name}" must be "auto" (negotiate), "2025" or "2026"; it is ${shown}.`,
        server,
      );
    }
  }

  const oauthNode = fields.get('oauth') && valueOf(fields.get('oauth')!);
  if (oauthNode) server.oauth = parseOAuth(oauthNode, server, sink);

  const devNode = fields.get('dev') && valueOf(fields.get('dev')!);
  if (devNode && format.knownServerKeys.includes('dev')) {
    if (devNode.type !== 'object') typeError(devNode, 'dev', 'an object', '"dev": {"watch": "src/**/*.ts"}');
    else {
      const dev: { watch?: string; debug?: unknown } = {};
      for (const [devKey, devProperty] of propertiesOf(devNode)) {
        const devValue = valueOf(devProperty);
        if (!devValue) continue;
        if (devKey === 'watch') {
          if (devValue.type === 'string') dev.watch = devValue.value as string;
          else typeError(devValue, 'dev.watch', 'a glob pattern string', '"watch": "src/**/*.ts"');
        } else if (devKey === 'debug') {
          if (devValue.type === 'object') dev.debug = getNodeValue(devValue);
          else typeError(devValue, 'dev.debug', 'an object', '"debug": {"type": "node"}');
        } else {
          sink.add(rangeOf(keyOf(devProperty)), 'warning', 'unknown-key', `"${devKey}" is not a field of "dev" (known: watch, debug), so it is ignored: check the spelling.`, server);
        }
      }
      server.dev = dev;
    }
  }
  return server;
}
