// Parsing a config file into servers and inputs, with a problem at the exact range of every mistake.
// This stage reads no files and asks nothing: it only looks at the text.
import type { ParsedOAuth } from './parseOAuth';
import { FORMATS } from './formats';
import type { InputDefinition } from './inputs';
import { clampRange, describeNodeType, describeParseError, keyOf, type Node, parseDocument, rangeOf, strictOnlyErrors, valueOf } from './jsonc';
import { parseInputs } from './parseInputs';
import { parseServer } from './parseServer';
import { ProblemSink, uniqueProperties } from './problemSink';
import type { ConfigKind, ConfigProblem, ProtocolSetting, SourceRange, Transport } from './types';

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
  protocol?: ProtocolSetting;
  oauth?: ParsedOAuth;
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
