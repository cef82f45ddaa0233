// Parsing the "inputs" array of a VS Code config file (promptString / pickString definitions).
import { describeNodeType, getNodeValue, keyOf, type Node, rangeOf, valueOf } from './jsonc';
import type { InputDefinition } from './inputs';
import type { ParsedConfig } from './parse';
import { uniqueProperties, type ProblemSink } from './problemSink';

const INPUT_KEYS = ['id', 'type', 'description', 'password', 'default', 'options'];

export function parseInputs(node: Node, config: ParsedConfig, sink: ProblemSink): void {
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
