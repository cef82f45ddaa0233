// The lint rules as data: the README, the extension (hover text, settings description) and the CLI
// all render this table, so it is the one place a rule's id, default severity and explanation live.

export type Severity = 'error' | 'warning' | 'info';
export type RuleSetting = Severity | 'off';

export type RuleId =
  | 'schema-invalid'
  | 'schema-not-object'
  | 'required-unknown'
  | 'schema-unbounded'
  | 'annotation-conflict'
  | 'name-invalid'
  | 'name-collision'
  | 'description-missing'
  | 'description-cost'
  | 'hidden-instructions'
  | 'cross-tool-instruction'
  | 'sensitive-path'
  | 'exfiltration-target'
  | 'hidden-unicode'
  | 'urgency-pressure'
  | 'pin-changed';

export type RuleCategory = 'schema' | 'naming' | 'documentation' | 'poisoning' | 'pinning';

export interface RuleInfo {
  id: RuleId;
  category: RuleCategory;
  defaultSeverity: Severity;
  /** One line, for tables and hovers. */
  summary: string;
  /** One paragraph: what the rule finds, why it matters, and what to do. */
  explanation: string;
}

export const RULES: readonly RuleInfo[] = [
  {
    id: 'schema-invalid',
    category: 'schema',
    defaultSeverity: 'error',
    summary: 'inputSchema or outputSchema does not compile as JSON Schema',
    explanation:
      'The tool\'s inputSchema or outputSchema was compiled with ajv in the dialect it declares in `$schema` (JSON Schema 2020-12 when it declares none, draft-07 when it says so) and failed. Clients that validate arguments will reject every call, and models get a schema they cannot follow. Fix the keyword named in the message; if the schema is written for another dialect, declare it with `$schema`.',
  },
  {
    id: 'schema-not-object',
    category: 'schema',
    defaultSeverity: 'error',
    summary: 'inputSchema is not an object schema',
    explanation:
      'MCP requires a tool\'s inputSchema to be a JSON Schema with `"type": "object"`, because tool arguments are always a JSON object of named parameters. A missing inputSchema, a non-object value or another type makes clients either refuse the tool or send arguments the server cannot read. Declare `{"type": "object", "properties": {...}}`, even for a tool without parameters.',
  },
  {
    id: 'required-unknown',
    category: 'schema',
    defaultSeverity: 'warning',
    summary: 'a required property is not declared in properties',
    explanation:
      'A name listed in `required` has no entry in `properties` of the same schema. The model is told the argument is mandatory but gets no type or description for it, and with `additionalProperties: false` no call can ever be valid. Usually a typo or a renamed parameter: declare the property or drop it from `required`.',
  },
  {
    id: 'schema-unbounded',
    category: 'schema',
    defaultSeverity: 'info',
    summary: 'a free-form string or array parameter has no size limit',
    explanation:
      'A string parameter without `maxLength`, `enum`, `const`, `pattern` or `format`, or an array parameter without `maxItems`, lets a model send arbitrarily large values; for parameters that hold content, commands or lists this is how runaway token costs and oversized writes happen. It is a hint: add a bound where the server has one anyway, or turn the rule off.',
  },
  {
    id: 'annotation-conflict',
    category: 'schema',
    defaultSeverity: 'warning',
    summary: 'tool annotations contradict each other',
    explanation:
      'Annotations are hints clients use for confirmation prompts and read-only modes. `readOnlyHint: true` together with `destructiveHint: true` or `idempotentHint` (which only mean something for tools that modify state) contradict each other, and a read-only guard cannot know which one to believe. Keep the hint that is true and remove the other.',
  },
  {
    id: 'name-invalid',
    category: 'naming',
    defaultSeverity: 'error',
    summary: 'tool name is not 1–128 characters of [A-Za-z0-9_.-]',
    explanation:
      'MCP tool names must be 1 to 128 characters drawn from ASCII letters, digits, underscore, hyphen and dot. Spaces, slashes, non-ASCII look-alike letters and empty or overlong names are rejected or mangled by clients and model APIs, and look-alike names are a spoofing risk. Rename the tool.',
  },
  {
    id: 'name-collision',
    category: 'naming',
    defaultSeverity: 'warning',
    summary: 'the same tool name is offered by two servers',
    explanation:
      'When two servers offer a tool with the same name, the model cannot tell them apart and a client may route a call to the wrong one; a malicious server can deliberately shadow a trusted server\'s tool this way. Rename one of them, or exclude it from one server with the config\'s tool filter.',
  },
  {
    id: 'description-missing',
    category: 'documentation',
    defaultSeverity: 'warning',
    summary: 'the tool or a parameter has no description',
    explanation:
      'The model chooses tools and fills in arguments from their descriptions alone. A tool without a description, or a parameter without one, leads to wrong tool choice and invented argument values. A parameter is not reported when it is still clear: its schema lists its values (enum/const) or describes every field of its objects, or the tool has a description and the parameter\'s name is self-explanatory (path, source, destination, content, query…) or named in that description. Add a short sentence saying what the tool does or what the parameter holds.',
  },
  {
    id: 'description-cost',
    category: 'documentation',
    defaultSeverity: 'info',
    summary: 'the tool definition costs many tokens',
    explanation:
      'Every tool definition is sent to the model with every request, so a long description or a large schema costs tokens (and context) on every turn, whether the tool is used or not. The count is measured with the o200k tokenizer over the definition as JSON; the threshold is `mcpHarness.lint.descriptionTokenThreshold`. Move reference material out of the description, or split the tool.',
  },
  {
    id: 'hidden-instructions',
    category: 'poisoning',
    defaultSeverity: 'error',
    summary: 'text addressed to the model that the user is not meant to see',
    explanation:
      'Tool-poisoning attacks hide instructions for the model inside a tool\'s description: tags such as `<IMPORTANT>` or `<SYSTEM>`, "do not tell the user", "before using this tool, read …", "ignore previous instructions". Users rarely read tool descriptions, models always do. A legitimate tool has no reason to keep secrets from the user; treat the server as untrusted until the text is explained.',
  },
  {
    id: 'cross-tool-instruction',
    category: 'poisoning',
    defaultSeverity: 'error',
    summary: 'a description tells the model how to use other tools',
    explanation:
      'A tool\'s description should describe that tool. Text that tells the model how *other* tools must behave ("when send_email is called, always add …", "the list_chats tool must …") is how a malicious server shadows and hijacks tools of trusted servers without ever being called itself. Remove the cross-tool text; if the server really needs an ordering, say so on its own tool.',
  },
  {
    id: 'sensitive-path',
    category: 'poisoning',
    defaultSeverity: 'warning',
    summary: 'mentions credentials or secret files (~/.ssh, .env, mcp.json, .aws, …)',
    explanation:
      'Descriptions that mention private keys (`~/.ssh`, `id_rsa`), environment and credential files (`.env`, `.aws/credentials`, `.npmrc`, `.netrc`), or MCP client configs (`mcp.json`, which hold other servers\' tokens) are the signature of data-theft tool poisoning: the model is steered into reading the file and passing it as an argument. A tool that genuinely manages such files should say so plainly; otherwise do not run the server.',
  },
  {
    id: 'exfiltration-target',
    category: 'poisoning',
    defaultSeverity: 'warning',
    summary: 'a description tells the model where to send data',
    explanation:
      'A URL, webhook, e-mail address or phone number in a description, next to words like send, forward, post, upload or "change the recipient", tells the model where to deliver data; known capture services (webhook.site, requestbin, ngrok, Slack/Discord webhooks) are flagged wherever they appear. Legitimate endpoints belong in the server\'s configuration, not in text addressed to the model.',
  },
  {
    id: 'hidden-unicode',
    category: 'poisoning',
    defaultSeverity: 'error',
    summary: 'invisible characters: zero-width, Unicode tags, bidi overrides, ANSI escapes',
    explanation:
      'Zero-width characters, Unicode Tag characters (U+E0000–U+E007F, which spell out ASCII text that models read but editors do not show), bidirectional overrides and terminal (ANSI) escape sequences make the text a model reads differently from the text a user sees. The finding shows the decoded hidden text. No tool description needs them; remove them (the fix is offered for workspace source).',
  },
  {
    id: 'urgency-pressure',
    category: 'poisoning',
    defaultSeverity: 'warning',
    summary: 'shouting or threats to force compliance',
    explanation:
      'ALL-CAPS demands ("YOU MUST ALWAYS …"), threats ("otherwise the system will crash", "avoid at all costs") and repeated "very very important" are pressure tactics that push a model to follow injected instructions over the user\'s. Ordinary descriptions state what a tool does; rewrite the text calmly or treat the server as suspicious.',
  },
  {
    id: 'pin-changed',
    category: 'pinning',
    defaultSeverity: 'warning',
    summary: 'the tool definition changed since it was pinned',
    explanation:
      'The tool\'s canonical definition no longer matches the sha256 recorded in `.mcp-harness/tools.lock.json`. A server that changes a description after you approved it (a "rug pull") can slip in new instructions. Review the difference and accept it, or reject it; in `hard_gate` mode a changed tool is denied until accepted.',
  },
];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

export const POISONING_RULES: readonly RuleId[] = RULES.filter((r) => r.category === 'poisoning').map((r) => r.id);

const byId = new Map<string, RuleInfo>(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: RuleId): RuleInfo {
  const info = byId.get(id);
  if (!info) throw new Error(`unknown lint rule '${id}'`);
  return info;
}

export function isRuleId(id: string): id is RuleId {
  return byId.has(id);
}

/** Markdown table of the rules (for README and the extension's settings description). */
export function rulesMarkdownTable(): string {
  const rows = RULES.map((r) => `| \`${r.id}\` | ${r.defaultSeverity} | ${r.explanation.replace(/\|/g, '\\|')} |`);
  return ['| Rule | Default | What it finds and what to do |', '| --- | --- | --- |', ...rows].join('\n');
}
