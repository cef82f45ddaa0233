// The fields of an elicitation form, read from the server's `requestedSchema` (a flat object of primitive
// properties: string with length/format limits, number/integer with bounds, boolean, single-select enums with
// or without titles, multi-select string arrays), and the validation of what the user typed. No vscode here:
// the quick-input form (./elicitationForm) renders these fields.

export interface FieldOption {
  value: string;
  title: string;
}

interface FieldBase {
  name: string;
  title: string;
  description?: string;
  required: boolean;
}

export type Field =
  | (FieldBase & { kind: 'string'; default?: string; minLength?: number; maxLength?: number; format?: string; pattern?: string })
  | (FieldBase & { kind: 'number'; integer: boolean; default?: number; minimum?: number; maximum?: number })
  | (FieldBase & { kind: 'boolean'; default?: boolean })
  | (FieldBase & { kind: 'enum'; options: FieldOption[]; default?: string })
  | (FieldBase & { kind: 'multi'; options: FieldOption[]; default?: string[]; minItems?: number; maxItems?: number });

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function options(schema: Json): FieldOption[] | undefined {
  if (Array.isArray(schema.enum)) {
    const names = Array.isArray(schema.enumNames) ? schema.enumNames : [];
    return schema.enum.map((v, i) => ({ value: String(v), title: str(names[i]) ?? String(v) }));
  }
  const list = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
  if (list) return list.map((o) => o as Json).map((o) => ({ value: String(o.const), title: str(o.title) ?? String(o.const) }));
  return undefined;
}

/** One field per property, in the schema's order; an unsupported property is an error naming it. */
export function fieldsOf(requestedSchema: unknown): Field[] {
  const schema = (requestedSchema ?? {}) as Json;
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(props).map(([name, p]) => {
    const base = { name, title: str(p.title) ?? name, description: str(p.description), required: required.has(name) };
    const opts = options(p);
    if (p.type === 'array') {
      const items = options((p.items ?? {}) as Json);
      if (!items) throw new Error(`The form field '${name}' is an array without a list of choices, which forms cannot ask for.`);
      const def = Array.isArray(p.default) ? p.default.map(String) : undefined;
      return { ...base, kind: 'multi', options: items, default: def, minItems: num(p.minItems), maxItems: num(p.maxItems) };
    }
    if (opts) return { ...base, kind: 'enum', options: opts, default: str(p.default) };
    if (p.type === 'boolean') return { ...base, kind: 'boolean', default: typeof p.default === 'boolean' ? p.default : undefined };
    if (p.type === 'number' || p.type === 'integer') {
      return { ...base, kind: 'number', integer: p.type === 'integer', default: num(p.default), minimum: num(p.minimum), maximum: num(p.maximum) };
    }
    if (p.type === 'string') {
      return { ...base, kind: 'string', default: str(p.default), minLength: num(p.minLength), maxLength: num(p.maxLength), format: str(p.format), pattern: str(p.pattern) };
    }
    throw new Error(`The form field '${name}' has the type ${JSON.stringify(p.type)}, which forms cannot ask for.`);
  });
}

const FORMATS: Record<string, { test(v: string): boolean; what: string }> = {
  email: { test: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), what: 'an email address' },
  uri: { test: (v) => URL.canParse(v), what: 'a URL such as https://example.com' },
  date: { test: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)), what: 'a date as YYYY-MM-DD' },
  'date-time': { test: (v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), what: 'a date and time such as 2026-01-31T12:00:00Z' },
};

/** Why the typed text is not a valid value for the field, or undefined when it is (empty optional text is valid). */
export function validateText(field: Field, text: string): string | undefined {
  if (text === '') return field.required ? `${field.title} is required.` : undefined;
  if (field.kind === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) return `${field.title} must be a number.`;
    if (field.integer && !Number.isInteger(n)) return `${field.title} must be a whole number.`;
    if (field.minimum !== undefined && n < field.minimum) return `${field.title} must be at least ${field.minimum}.`;
    if (field.maximum !== undefined && n > field.maximum) return `${field.title} must be at most ${field.maximum}.`;
    return undefined;
  }
  if (field.kind !== 'string') return undefined;
  if (field.minLength !== undefined && text.length < field.minLength) return `${field.title} needs at least ${field.minLength} characters.`;
  if (field.maxLength !== undefined && text.length > field.maxLength) return `${field.title} allows at most ${field.maxLength} characters.`;
  const format = field.format ? FORMATS[field.format] : undefined;
  if (format && !format.test(text)) return `${field.title} must be ${format.what}.`;
  if (field.pattern && !safeRegExp(field.pattern)?.test(text)) return `${field.title} must match ${field.pattern}.`;
  return undefined;
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

/** The value the typed text stands for (numbers as numbers); undefined for empty optional text. */
export function valueOf(field: Field, text: string): string | number | undefined {
  if (text === '') return undefined;
  return field.kind === 'number' ? Number(text) : text;
}

/** A short rendering of a value for the summary step. */
export function describeValue(field: Field, value: unknown): string {
  if (value === undefined) return '(left out)';
  if (field.kind === 'enum') return field.options.find((o) => o.value === value)?.title ?? String(value);
  if (field.kind === 'multi') return (value as string[]).map((v) => field.options.find((o) => o.value === v)?.title ?? v).join(', ') || '(none)';
  if (field.kind === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}
