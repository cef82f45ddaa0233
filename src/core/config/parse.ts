// Parsing a config file into servers and inputs, with a problem at the exact range of every mistake.
// This stage reads no files and asks nothing: it only looks at the text.
import { FORMATS, type FormatSpec } from './formats';
import type { InputDefinition } from './inputs';
import {
  clampRange,
  describeNodeType,
  describeParseError,
  getNodeValue,
  keyOf,
  type Node,
  parseDocument,
  propertiesOf,
  rangeOf,
  strictOnlyErrors,
  valueOf,
} from './jsonc';
import type { ConfigKind, ConfigProblem, SourceRange, Transport } from './types';

export interface StringField {
  node: Node;
  value: string;
}

export interface NamedStringField {
  name: string;
  nameNode: Node;
  value: StringField;
}

export interface ParsedServer {
  name: string;
  file: string;
  kind: ConfigKind;
  workspaceFolder?: string;
  nameRange: SourceRange;
  range: SourceRange;
  transport: Transport;
  command?: StringField;
  args?: StringField[];
  env?: NamedStringField[];
  envFile?: StringField;
  cwd?: StringField;
  url?: StringField;
  headers?: NamedStringField[];
  timeoutMs?: number;
  includeTools?: string[];
  excludeTools?: string[];
  dev?: { watch?: string; debug?: unknown };
  disabled?: boolean;
  /** Messages of the error-severity problems found while parsing (the server cannot start). */
  errors: string[];
}

export interface ParsedConfig {
  file: string;
  kind: ConfigKind;
  workspaceFolder?: string;
  text: string;
  servers: ParsedServer[];
  inputs: InputDefinition[];
  problems: ConfigProblem[];
}

const TRANSPORTS: readonly Transport[] = ['stdio', 'http', 'sse'];
const INPUT_KEYS = ['id', 'type', 'description', 'password', 'default', 'options'];

class ProblemSink {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly file: string) {}

  add(range: SourceRange, severity: ConfigProblem['severity'], code: string, message: string, server?: ParsedServer): void {
    this.problems.push({ file: this.file, range, severity, code, message, ...(server ? { server: server.name } : {}) });
    if (server && severity === 'error') server.errors.push(message);
  }
}

/** Properties of an object, warning about repeated keys (the last one counts, as in JSON.parse). */
function uniqueProperties(object: Node, sink: ProblemSink, where: string, server?: ParsedServer): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const [name, property] of propertiesOf(object)) {
    const earlier = map.get(name);
    if (earlier) {
      sink.add(
        rangeOf(keyOf(earlier)),
        'warning',
        'duplicate-key',
        `"${name}" appears again later in ${where}; only the last one counts: remove one of them.`,
        server,
      );
      map.delete(name);
    }
    map.set(name, property);
  }
  return map;
}

function transportAdvice(value: string): string {
  const lower = value.toLowerCase().replace(/[^a-z]/g, '');
  if (lower.includes('http') || lower.includes('streamable')) return ' Did you mean "http"?';
  if (lower.includes('sse') || lower.includes('event')) return ' Did you mean "sse"?';
  if (lower.includes('std') || lower.includes('local') || lower.includes('command')) return ' Did you mean "stdio"?';
  return '';
}

function parseServer(name: string, property: Node, format: FormatSpec, config: ParsedConfig, sink: ProblemSink): ParsedServer | undefined {
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
    if (!format.knownServerKeys.includes(field)) {
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

function parseInputs(node: Node, config: ParsedConfig, sink: ProblemSink): void {
  if (node.type !== 'array') {
    sink.add(rangeOf(node), 'error', 'invalid-inputs', `"inputs" must be an array like [{"id": "api-key", "type": "promptString", "description": "API key", "password": true}]; it is ${describeNodeType(node)}.`);
    return;
  }
  const seen = new Set<string>();
  for (const item of node.children ?? []) {
    if (item.type !== 'object') {
      sink.add(rangeOf(item), 'error', 'invalid-input', `Each input must be an object like {"id": "api-key", "type": "promptString", "description": "API key"}; this one is ${describeNodeType(item)}.`);
      continue;
    }
    const fields = uniqueProperties(item, sink, 'this input');
    const value = (key: string): Node | undefined => (fields.get(key) ? valueOf(fields.get(key)!) : undefined);
    for (const [key, property] of fields) {
      if (!INPUT_KEYS.includes(key)) {
        sink.add(rangeOf(keyOf(property)), 'warning', 'unknown-key', `"${key}" is not an input field (known: ${INPUT_KEYS.join(', ')}), so it is ignored: check the spelling.`);
      }
    }
    const idNode = value('id');
    if (!idNode || idNode.type !== 'string' || (idNode.value as string) === '') {
      sink.add(rangeOf(idNode ?? item), 'error', 'invalid-input', 'This input needs an "id" (a non-empty string), used as ${input:<id>} in server fields: add one.');
      continue;
    }
    const id = idNode.value as string;
    if (seen.has(id)) {
      sink.add(rangeOf(idNode), 'warning', 'duplicate-input', `The input "${id}" is defined twice; the first definition is used: remove this one or give it another id.`);
      continue;
    }
    seen.add(id);
    const typeNode = value('type');
    if (!typeNode || typeNode.type !== 'string' || (typeNode.value !== 'promptString' && typeNode.value !== 'pickString')) {
      sink.add(
        rangeOf(typeNode ?? idNode),
        'error',
        'invalid-input',
        `The input "${id}" needs "type": "promptString" (free text) or "pickString" (a choice from "options")${typeNode ? `; ${typeNode.type === 'string' ? `"${typeNode.value as string}"` : describeNodeType(typeNode)} is not supported` : ''}.`,
      );
      continue;
    }
    const input: InputDefinition = {
      id,
      type: typeNode.value as InputDefinition['type'],
      file: config.file,
      ...(config.workspaceFolder !== undefined ? { workspaceFolder: config.workspaceFolder } : {}),
      range: rangeOf(item),
    };
    const stringProp = (key: 'description' | 'default'): void => {
      const n = value(key);
      if (!n) return;
      if (n.type === 'string') input[key] = n.value as string;
      else sink.add(rangeOf(n), 'error', 'invalid-input', `"${key}" of the input "${id}" must be a string; it is ${describeNodeType(n)}.`);
    };
    stringProp('description');
    stringProp('default');
    const passwordNode = value('password');
    if (passwordNode) {
      if (passwordNode.type === 'boolean') input.password = passwordNode.value as boolean;
      else sink.add(rangeOf(passwordNode), 'error', 'invalid-input', `"password" of the input "${id}" must be true or false; it is ${describeNodeType(passwordNode)}.`);
    }
    const optionsNode = value('options');
    if (optionsNode) {
      if (optionsNode.type !== 'array') {
        sink.add(rangeOf(optionsNode), 'error', 'invalid-input', `"options" of the input "${id}" must be an array of strings or {"label", "value"} objects; it is ${describeNodeType(optionsNode)}.`);
      } else {
        const options: string[] = [];
        const labels: string[] = [];
        let labelled = false;
        for (const option of optionsNode.children ?? []) {
          if (option.type === 'string') {
            options.push(option.value as string);
            labels.push(option.value as string);
            continue;
          }
          const optionValue = option.type === 'object' ? getNodeValue(option) as { label?: unknown; value?: unknown } : undefined;
          if (optionValue && typeof optionValue.value === 'string' && (optionValue.label === undefined || typeof optionValue.label === 'string')) {
            options.push(optionValue.value);
            labels.push(optionValue.label ?? optionValue.value);
            labelled ||= optionValue.label !== undefined;
            continue;
          }
          sink.add(rangeOf(option), 'error', 'invalid-input', `Each option of the input "${id}" must be a string or {"label": "...", "value": "..."}: fix this one.`);
        }
        input.options = options;
        if (labelled) input.optionLabels = labels;
      }
    }
    if (input.type === 'pickString' && !(input.options && input.options.length > 0)) {
      sink.add(rangeOf(optionsNode ?? typeNode), 'error', 'invalid-input', `The pickString input "${id}" needs a non-empty "options" list to choose from: add one, or use "type": "promptString".`);
    }
    if (input.type === 'pickString' && input.default !== undefined && input.options && !input.options.includes(input.default)) {
      sink.add(rangeOf(value('default')!), 'warning', 'invalid-input', `The default of the input "${id}" is not one of its options: make it one of ${input.options.map((o) => `"${o}"`).join(', ')}.`);
    }
    config.inputs.push(input);
  }
}

/**
 * Parses the text of one config file. Pure: no file is read and nothing is asked. Variables are
 * resolved later (resolve.ts); this stage reports syntax and shape problems.
 */
export function parseConfigDocument(text: string, file: string, kind: ConfigKind, workspaceFolder?: string): ParsedConfig {
  const config = parseUnclamped(text, file, kind, workspaceFolder);
  for (const problem of config.problems) problem.range = clampRange(text, problem.range);
  for (const server of config.servers) {
    server.nameRange = clampRange(text, server.nameRange);
    server.range = clampRange(text, server.range);
  }
  for (const input of config.inputs) input.range = clampRange(text, input.range);
  return config;
}

function parseUnclamped(text: string, file: string, kind: ConfigKind, workspaceFolder?: string): ParsedConfig {
  const format = FORMATS[kind];
  const sink = new ProblemSink(file);
  const config: ParsedConfig = {
    file,
    kind,
    ...(workspaceFolder !== undefined ? { workspaceFolder } : {}),
    text,
    servers: [],
    inputs: [],
    problems: sink.problems,
  };
  const sample = format.serversKey === 'servers' ? '{"servers": {}}' : '{"mcpServers": {}}';
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    sink.add({ offset: 0, length: 0 }, 'warning', 'empty-file', `This file is empty, so it defines no servers: write ${sample} and add servers to it, or delete the file.`);
    return config;
  }
  const clamp = (offset: number, length: number): SourceRange => clampRange(text, { offset, length });
  const { root, errors } = parseDocument(text);
  for (const error of errors) sink.add(clamp(error.offset, error.length), 'error', 'invalid-json', describeParseError(error));
  if (format.dialect !== 'jsonc' && errors.length === 0) {
    const commentsAllowed = format.dialect === 'json-with-comments';
    for (const error of strictOnlyErrors(text, commentsAllowed)) {
      sink.add(
        clamp(error.offset, error.length),
        'warning',
        'strict-json',
        commentsAllowed
          ? `${format.client} reads this file as JSON with comments, which allows no trailing commas: remove this comma, or ${format.client} will fail to load the file.`
          : `${format.client} reads this file as strict JSON, which allows no comments or trailing commas: remove this one, or ${format.client} will fail to load the file.`,
      );
    }
  }
  if (!root) return config;
  if (root.type !== 'object') {
    sink.add(rangeOf(root), 'error', 'invalid-root', `The file must contain one JSON object like ${sample}; it contains ${describeNodeType(root)}.`);
    return config;
  }
  const topLevel = uniqueProperties(root, sink, 'this file');
  const otherServersKey = format.serversKey === 'servers' ? 'mcpServers' : 'servers';
  if (format.knownTopLevelKeys) {
    for (const [key, property] of topLevel) {
      if (format.knownTopLevelKeys.includes(key)) continue;
      if (key === otherServersKey) {
        sink.add(
          rangeOf(keyOf(property)),
          'warning',
          'wrong-servers-key',
          `${format.client} reads servers from "${format.serversKey}", not "${otherServersKey}": rename this key to "${format.serversKey}", otherwise these servers are ignored.`,
        );
      } else {
        sink.add(
          rangeOf(keyOf(property)),
          'warning',
          'unknown-key',
          `"${key}" is not a top-level key ${format.client} reads here (known: ${format.knownTopLevelKeys.filter((k) => k !== '$schema').join(', ')}), so it is ignored: check the spelling.`,
        );
      }
    }
  }
  if (format.hasInputs) {
    const inputs = topLevel.get('inputs');
    const inputsValue = inputs && valueOf(inputs);
    if (inputsValue) parseInputs(inputsValue, config, sink);
  }
  const serversProperty = topLevel.get(format.serversKey);
  if (!serversProperty) {
    if (format.knownTopLevelKeys && !topLevel.has(otherServersKey)) {
      sink.add(rangeOf(root), 'info', 'no-servers', `This file has no "${format.serversKey}" object, so it defines no servers: add ${sample}.`);
    }
    return config;
  }
  const serversNode = valueOf(serversProperty);
  if (!serversNode) return config;
  if (serversNode.type !== 'object') {
    sink.add(
      rangeOf(serversNode),
      'error',
      'invalid-servers',
      `"${format.serversKey}" must be an object whose keys are server names, like {"${format.serversKey}": {"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}}}; it is ${describeNodeType(serversNode)}.`,
    );
    return config;
  }
  for (const [name, property] of uniqueProperties(serversNode, sink, `"${format.serversKey}"`)) {
    const server = parseServer(name, property, format, config, sink);
    if (server) config.servers.push(server);
  }
  return config;
}
