// When a parameter without a description still tells the model what to pass. The reference servers'
// authors leave `path`, `source` or `destination` undescribed on tools whose description says what
// they do with them; a finding there is noise a newcomer cannot act on. What stays a finding is a
// parameter neither its name, its schema nor its tool's description explains (e.g. "excludePatterns"
// on a tool that never says what the patterns are matched against).

/** Names whose meaning is the same on every tool that has a real description. */
const SELF_EXPLANATORY = new Set([
  'path', 'paths', 'file', 'files', 'filename', 'filepath', 'dir', 'directory', 'folder',
  'source', 'destination', 'target', 'url', 'uri', 'content', 'contents', 'text', 'message',
  'query', 'name', 'names', 'title', 'id', 'ids', 'email', 'subject', 'body',
]);

/** A tool description at least this long (one real sentence) counts as a description at all. */
const MIN_TOOL_DESCRIPTION = 30;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** "excludePatterns" → ["exclude", "pattern"]; "entity_names" → ["entity", "name"]. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => stem(w.toLowerCase()));
}

function stem(word: string): string {
  return word.length > 4 && word.endsWith('ies') ? word.slice(0, -3) + 'y' : word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/** Every word of the name (singular or plural) appears as a word of the description. */
function namedInDescription(name: string, description: string): boolean {
  const words = new Set(description.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).map(stem));
  const needed = nameWords(name);
  return needed.length > 0 && needed.every((w) => words.has(w));
}

/** The schema itself says what goes in: a fixed set of values, or an object (or list of objects) whose every field is described. */
function schemaExplains(schema: Record<string, unknown>): boolean {
  if (Array.isArray(schema.enum) || 'const' in schema) return true;
  const shape = isObject(schema.items) ? schema.items : schema;
  const props = isObject(shape.properties) ? Object.values(shape.properties) : [];
  return props.length > 0 && props.every((p) => isObject(p) && typeof p.description === 'string' && p.description.trim() !== '');
}

/**
 * Whether a parameter without a description is still clear to a model: its schema explains it, or the
 * tool is described and the parameter's name is self-explanatory or named in that description.
 */
export function parameterExplained(name: string, schema: Record<string, unknown>, toolDescription: string | undefined): boolean {
  if (schemaExplains(schema)) return true;
  const described = typeof toolDescription === 'string' && toolDescription.trim().length >= MIN_TOOL_DESCRIPTION;
  if (!described) return false;
  return SELF_EXPLANATORY.has(name.toLowerCase()) || namedInDescription(name, toolDescription);
}
