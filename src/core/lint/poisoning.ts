// Text rules for tool poisoning. Each detector gets the normalised text of one model-visible string
// (hidden characters removed, tags decoded) and returns matches in that text; the linter maps them back.
// The patterns are deliberately specific: they are measured against the real tool lists of the reference
// servers (see test/unit/lint/real-servers.test.ts) so they do not cry wolf.
import type { RuleId } from './rules';

export interface TextMatch {
  rule: RuleId;
  start: number;
  end: number;
  message: string;
}

export interface PoisoningContext {
  /** The tool's own name (never a cross-tool reference). */
  self: string;
  /** Names of the other tools known to the linter (all servers), lowercased. */
  otherTools: ReadonlySet<string>;
  /** Whether the string is prose (description/title) rather than a value (enum, default). */
  prose: boolean;
}

export interface Sentence {
  start: number;
  end: number;
  text: string;
}

let lastText: string | undefined;
let lastSentences: Sentence[] = [];

/** Splits at sentence ends and blank lines; keeps offsets. The last result is memoised (every detector asks for the same text). */
export function sentences(text: string): Sentence[] {
  if (text === lastText) return lastSentences;
  lastSentences = splitSentences(text);
  lastText = text;
  return lastSentences;
}

function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  // A period inside a path, URL, address or number (".ssh", "x.com", "1.5") does not end a sentence.
  // Single line breaks are wrapping inside a paragraph; blank lines and list items end a sentence.
  const boundary = /(?<=[.!?])\s+(?=\S)|\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*•]|\d+[.)])\s)/g;
  let last = 0;
  for (const m of text.matchAll(boundary)) {
    const end = m.index!;
    if (end > last) out.push({ start: last, end, text: text.slice(last, end) });
    last = end + m[0].length;
  }
  if (last < text.length) out.push({ start: last, end: text.length, text: text.slice(last) });
  return out;
}

// Global twins of the (non-global) pattern constants, made once: building a RegExp per call dominated lint time.
const globalTwins = new WeakMap<RegExp, RegExp>();

function* matchAll(re: RegExp, text: string, base = 0): Generator<{ start: number; end: number; text: string; groups: RegExpMatchArray }> {
  let g = globalTwins.get(re);
  if (!g) {
    g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
    globalTwins.set(re, g);
  }
  g.lastIndex = 0;
  for (const m of text.matchAll(g)) {
    if (m[0].length === 0) continue;
    yield { start: base + m.index!, end: base + m.index! + m[0].length, text: m[0], groups: m };
  }
}

function quote(s: string, max = 80): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return '"' + (t.length > max ? t.slice(0, max - 1) + '…' : t) + '"';
}

// ---------------------------------------------------------------- hidden-instructions

const PSEUDO_TAG = /<\s*\/?\s*(important|system|system[_ -]?prompt|instructions?|secret|hidden|admin|override|critical|assistant[_ -]?(?:note|instructions?)|ai[_ -]?(?:note|instructions?)|note[_ -]?to[_ -]?(?:ai|assistant|model|llm)|internal|priority)\b[^<>]{0,40}>/i;
const SPECIAL_TOKEN = /<\|(?:im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>/i;
const SECRECY = [
  /\b(?:do\s+not|don'?t|never|must\s+not|mustn'?t|should\s+not|shouldn'?t|without)\s+(?:ever\s+)?(?:tell|telling|inform|informing|mention|mentioning|notify|notifying|alert|alerting|reveal|revealing|disclose|disclosing|show|showing|let|letting|warn|warning)\b[^.\n]{0,40}?\b(?:the\s+)?users?\b/i,
  /\b(?:hide|hiding|conceal|concealing|keep|keeping)\s+(?:this|it|that|these|the\s+\w+)\s+(?:hidden\s+|secret\s+)?from\s+(?:the\s+)?users?\b/i,
  /\bthe\s+users?\s+(?:must|should|need)\s*(?:not|n't)\s+(?:know|see|be\s+told|find\s+out|notice)\b/i,
  /\b(?:could|would|will|might)\s+(?:even\s+)?(?:upset|scare|alarm|worry)\s+the\s+users?\b/i,
  /\b(?:does\s+not|doesn'?t)\s+(?:really\s+)?matter\s+to\s+(?:them|the\s+users?)\b/i,
];
const OVERRIDE = [
  /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|preceding|other|system|original|existing)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages|context)\b/i,
  /\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:your|the\s+user'?s?)\s+(?:instructions?|rules|guidelines)\b/i,
  /\bnew\s+(?:system\s+)?instructions?\s*:/i,
  /\byou\s+are\s+now\s+(?:in\s+)?(?:a|an|the|developer|admin|god|dan|jailbreak|unrestricted)\b/i,
];
const BEFORE_USING = /\b(?:before|prior\s+to)\s+(?:using|calling|invoking|running|executing)\s+(?:this|the|any)\s+tool\b/i;
const DATA_ACTION = /\b(?:read|reads|reading|cat|open|load|fetch|access|pass|include|send|upload|provide|copy|paste|extract|collect|attach|append|list|retrieve|get)\b/i;

// Cheap tests that rule a string out before the detailed patterns run (most strings are innocent).
const MAYBE_HIDDEN = /[<\[]|\buser|\bthem\b|\b(?:ignore|disregard|forget|override|instructions?|you\s+are\s+now|before|prior)\b/i;

export function hiddenInstructions(text: string, ctx: PoisoningContext): TextMatch[] {
  const out: TextMatch[] = [];
  if (!MAYBE_HIDDEN.test(text)) return out;
  out.push(...pseudoTagFindings(text));
  for (const m of matchAll(SPECIAL_TOKEN, text)) {
    out.push({ rule: 'hidden-instructions', start: m.start, end: m.end, message: `${m.text} is a chat-template control token: it tries to inject a message into the model's conversation` });
  }
  if (!ctx.prose) return out;
  for (const re of SECRECY) {
    for (const m of matchAll(re, text)) {
      out.push({ rule: 'hidden-instructions', start: m.start, end: m.end, message: `${quote(m.text)} asks the model to keep something from the user` });
    }
  }
  for (const re of OVERRIDE) {
    for (const m of matchAll(re, text)) {
      out.push({ rule: 'hidden-instructions', start: m.start, end: m.end, message: `${quote(m.text)} tries to override the model's instructions` });
    }
  }
  for (const s of sentences(text)) {
    for (const m of matchAll(BEFORE_USING, s.text, s.start)) {
      const rest = text.slice(m.end, s.end);
      if (DATA_ACTION.test(rest)) {
        out.push({ rule: 'hidden-instructions', start: m.start, end: s.end, message: `${quote(text.slice(m.start, s.end))} tells the model to do something else first, outside this tool's job` });
      }
    }
  }
  return out;
}

/**
 * One finding per pseudo-tag block: an opening tag and the closing tag of the same name after it (`<IMPORTANT>` …
 * `</IMPORTANT>`, nested blocks paired innermost first) are one block, reported at the opening tag with the block's
 * text; a tag left without its partner is reported on its own.
 */
function pseudoTagFindings(text: string): TextMatch[] {
  const tags = [...matchAll(PSEUDO_TAG, text)].map((m) => ({ ...m, closing: /^<\s*\//.test(m.text), name: m.groups[1].toLowerCase().replace(/[_ -]/g, '') }));
  const opened: typeof tags = [];
  const closingOf = new Map<(typeof tags)[number], (typeof tags)[number]>();
  const paired = new Set<(typeof tags)[number]>();
  for (const tag of tags) {
    if (!tag.closing) {
      opened.push(tag);
      continue;
    }
    let at = opened.length - 1;
    while (at >= 0 && opened[at].name !== tag.name) at--;
    if (at < 0) continue;
    closingOf.set(opened[at], tag);
    paired.add(tag);
    opened.splice(at, 1);
  }
  const out: TextMatch[] = [];
  for (const tag of tags) {
    if (paired.has(tag)) continue;
    const closing = closingOf.get(tag);
    const message = closing
      ? `the ${tag.text.trim()} … ${closing.text.trim()} block is addressed to the model, not the user: ${quote(text.slice(tag.end, closing.start), 200)}`
      : `the ${tag.text.trim()} tag marks text addressed to the model, not the user`;
    out.push({ rule: 'hidden-instructions', start: tag.start, end: tag.end, message });
  }
  return out;
}

// ---------------------------------------------------------------- cross-tool-instruction

const MODAL = /\b(?:must|should|shall|has\s+to|have\s+to|needs?\s+to|always|never|make\s+sure|ensure|be\s+sure|remember\s+to|is\s+required\s+to|are\s+required\s+to)\b/i;
const DIRECTIVE = /\b(?:change|replace|modify|override|redirect|rewrite|set|add|append|prepend|include|forward|cc|bcc|send)\b/i;
const WHEN_INVOKED = /\bwhen(?:ever)?\s+(?:\([^)]{1,40}\)\s*)?(?:the\s+)?[`'"]?([A-Za-z][\w.-]*)[`'"]?\s+(?:tool\s+)?(?:is|are|gets?)\s+(?:called|invoked|used|run|executed|triggered)\b/gi;
const THIS_AVAILABLE = /\bwhen(?:ever)?\s+this\s+tool\s+is\s+(?:available|present|installed|loaded|enabled)\b/i;
const ALL_TOOLS = /\b(?:all|every|any|each)\s+(?:other\s+)?(?:tools?|tool\s+calls?|functions?)\s+(?:must|should|shall|need\s+to|are\s+required\s+to)\b|\b(?:for|in|on)\s+(?:all|every|any|each)\s+(?:subsequent|future|other|later)\s+(?:tool\s+)?(?:calls?|requests?|tools?)\b/i;
const REDIRECT_ONLY = /\b(?:instead|deprecated|prefer|preferred|see\s+also|similar\s+to|alias\s+(?:of|for)|replaced\s+by|superseded\s+by)\b/i;

function looksLikeToolIdentifier(word: string): boolean {
  // snake_case, kebab-case, dotted or camelCase identifiers; plain English words are not tool names.
  return /[_.-]/.test(word) || /[a-z][A-Z]/.test(word);
}

export function crossToolInstruction(text: string, ctx: PoisoningContext): TextMatch[] {
  if (!ctx.prose) return [];
  const out: TextMatch[] = [];
  const self = ctx.self.toLowerCase();
  for (const m of matchAll(THIS_AVAILABLE, text)) {
    out.push({ rule: 'cross-tool-instruction', start: m.start, end: m.end, message: `${quote(m.text)}: a tool that changes behaviour merely by being present is trying to shadow other tools` });
  }
  for (const s of sentences(text)) {
    for (const m of matchAll(WHEN_INVOKED, s.text, s.start)) {
      const name = m.groups[1];
      const lower = name.toLowerCase();
      if (lower === self || lower === 'this' || lower === 'it') continue;
      if (!ctx.otherTools.has(lower) && !looksLikeToolIdentifier(name)) continue;
      out.push({ rule: 'cross-tool-instruction', start: s.start, end: s.end, message: `${quote(s.text)} tells the model how to use another tool ('${name}')` });
    }
    for (const m of matchAll(ALL_TOOLS, s.text, s.start)) {
      out.push({ rule: 'cross-tool-instruction', start: m.start, end: m.end, message: `${quote(m.text)} tries to set rules for other tools` });
    }
    if (ctx.otherTools.size && !out.some((f) => f.start >= s.start && f.end <= s.end)) {
      if (REDIRECT_ONLY.test(s.text) || !(MODAL.test(s.text) && DIRECTIVE.test(s.text))) continue;
      for (const word of s.text.matchAll(/[A-Za-z][\w.-]*[\w]/g)) {
        const lower = word[0].toLowerCase();
        if (lower === self || lower.length < 4 || !ctx.otherTools.has(lower) || !looksLikeToolIdentifier(word[0])) continue;
        out.push({ rule: 'cross-tool-instruction', start: s.start, end: s.end, message: `${quote(s.text)} instructs the model how another tool ('${word[0]}') must be used` });
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- sensitive-path

const SENSITIVE: { re: RegExp; what: string }[] = [
  { re: /~?\/?\.ssh\b(?:\/[\w.-]*\w)?/i, what: 'the SSH directory (private keys)' },
  { re: /\bid_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?\b/i, what: 'an SSH private key' },
  { re: /\bauthorized_keys\b/i, what: 'SSH authorized keys' },
  { re: /(?<![\w.$])\.env(?:\.[a-z]+)?\b(?![-(])/i, what: 'an environment file (secrets)' },
  { re: /~?\/?\.aws(?:\/[\w.-]*\w)?\b|\baws_(?:secret_access_key|access_key_id|session_token)\b/i, what: 'AWS credentials' },
  { re: /(?:[\/.~]|\b)credentials(?:\.json|\.txt|\.ya?ml|\.csv)\b|\/\.?credentials\b|\.git-credentials\b|\b(?:read|send|pass|include|extract|collect|copy|steal|upload|forward)\s+(?:the\s+|all\s+|any\s+|your\s+|their\s+)?(?:user'?s?\s+)?(?:stored\s+|saved\s+)?credentials\b/i, what: 'a credentials file' },
  { re: /(?:~?\/?\.cursor\/|~?\/?\.vscode\/)?\bmcp\.json\b|\bclaude_desktop_config\.json\b|\bmcp_config\.json\b/i, what: 'an MCP client config (holds other servers\' tokens)' },
  { re: /~?\/?\.(?:npmrc|netrc|pgpass|pypirc)\b/i, what: 'a token file' },
  { re: /~?\/?\.docker\/config\.json\b|~?\/?\.kube\/config\b/i, what: 'container/cluster credentials' },
  { re: /~?\/?\.gnupg\b|\bsecring\.gpg\b/i, what: 'GnuPG keys' },
  { re: /\/etc\/(?:passwd|shadow|sudoers)\b/i, what: 'a system account file' },
  { re: /\bwallet\.dat\b|\bkeychain\b|\bkeystore\.jks\b/i, what: 'a wallet or keychain' },
  { re: /\.(?:bash|zsh)_history\b/i, what: 'the shell history' },
];

const SENSITIVE_ANY = new RegExp(SENSITIVE.map((x) => `(?:${x.re.source})`).join('|'), 'i');

export function sensitivePath(text: string): TextMatch[] {
  const out: TextMatch[] = [];
  if (!SENSITIVE_ANY.test(text)) return out;
  for (const { re, what } of SENSITIVE) {
    for (const m of matchAll(re, text)) {
      if (out.some((o) => m.start < o.end && m.end > o.start)) continue;
      out.push({ rule: 'sensitive-path', start: m.start, end: m.end, message: `mentions ${m.text.trim()} — ${what}` });
    }
  }
  return out;
}

// ---------------------------------------------------------------- exfiltration-target

const URL_RE = /\bhttps?:\/\/[^\s"'<>()`\]]+/gi;
const EMAIL_RE = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const PHONE_RE = /(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,5}){2,4}\b|(?<![\w+])\+\d{8,15}\b/g;
const CAPTURE_HOST = /(?:^|[/.@])(?:webhook\.site|requestbin\.(?:com|net)|[\w-]+\.pipedream\.net|[\w-]+\.ngrok(?:-free)?\.(?:io|app|dev)|hooks\.slack\.com|discord(?:app)?\.com\/api\/webhooks|[\w-]+\.burpcollaborator\.net|[\w-]+\.oast\.(?:fun|live|site|online|pro|me)|interact\.sh|requestcatcher\.com|[\w-]+\.beeceptor\.com|[\w-]+\.trycloudflare\.com|transfer\.sh|pastebin\.com|hookbin\.com|[\w-]+\.m\.pipedream\.net)/i;
const SEND_VERB = /\b(?:send|sends|sent|sending|forward|forwarding|post|posting|upload|uploading|transmit|exfiltrat\w*|deliver|submit|cc|bcc|copy|relay|proxy|redirect|report|leak|share|mail|e-?mail|message|text)\b|\brecipient\b/i;
const DATA_NOUN = /\b(?:all|every|data|contents?|results?|output|emails?|messages?|conversation|history|chat|files?|keys?|tokens?|secrets?|credentials|passwords?|information|details|recipient|logs?|notes|documents?|copy|everything)\b/i;

export function exfiltrationTargets(text: string, ctx: PoisoningContext): TextMatch[] {
  const out: TextMatch[] = [];
  const targets: { start: number; end: number; text: string; kind: string }[] = [];
  for (const m of matchAll(URL_RE, text)) targets.push({ ...m, kind: 'URL' });
  for (const m of matchAll(EMAIL_RE, text)) if (!targets.some((t) => m.start < t.end && m.end > t.start)) targets.push({ ...m, kind: 'e-mail address' });
  for (const m of matchAll(PHONE_RE, text)) if (!targets.some((t) => m.start < t.end && m.end > t.start)) targets.push({ ...m, kind: 'phone number' });
  if (!targets.length) return out;
  const sents = sentences(text);
  for (const t of targets) {
    if (CAPTURE_HOST.test(t.text)) {
      out.push({ rule: 'exfiltration-target', start: t.start, end: t.end, message: `${t.text} is a known data-capture service (webhook/tunnel/paste)` });
      continue;
    }
    if (!ctx.prose) continue;
    const s = sents.find((x) => t.start >= x.start && t.start < x.end);
    if (!s) continue;
    const rest = s.text.replace(t.text, ' ');
    if (SEND_VERB.test(rest) && DATA_NOUN.test(rest)) {
      out.push({ rule: 'exfiltration-target', start: t.start, end: t.end, message: `${t.kind} ${t.text} in ${quote(s.text)} tells the model where to send data` });
    }
  }
  return out;
}

// ---------------------------------------------------------------- urgency-pressure

const THREATS = [
  /\b(?:the\s+)?(?:system|application|app|server|computer|program|tool|everything|session)\s+(?:will|would|is\s+going\s+to)\s+(?:crash|fail|break|stop\s+working|be\s+(?:deleted|destroyed|corrupted|blocked|shut\s+down))\b/i,
  /\botherwise\b[^.\n]{0,50}?\b(?:will\s+not|won'?t|will\s+fail\s+to|cannot|can'?t|does\s+not|doesn'?t)\s+work\b/i,
  /\bavoid\s+at\s+all\s+costs\b/i,
  /\b(?:very[\s,]+){2,}(?:important|critical|crucial|urgent)\b/i,
  /\bunder\s+no\s+circumstances\b/i,
  /\bfailure\s+to\s+(?:comply|follow|obey)\b/i,
  /\byou\s+will\s+be\s+(?:penalized|punished|shut\s+down|terminated|fired|deleted)\b/i,
  /\b(?:matter\s+of\s+life\s+and\s+death|or\s+else\b)/i,
  /\bif\s+you\s+(?:violate|ignore|disobey|break)\s+(?:this|these)\b/i,
];
const CAPS_DIRECTIVE = new Set(['MUST', 'ALWAYS', 'NEVER', 'IMPORTANT', 'CRITICAL', 'REQUIRED', 'MANDATORY', 'URGENT', 'IMMEDIATELY', 'WARNING', 'NOT', 'DO', "DON'T", 'ONLY', 'OBEY', 'COMPLY', 'CRASH', 'FAIL', 'NOW', 'ATTENTION']);

const MAYBE_URGENT = /[A-Z]{2}|\b(?:will|would|going|otherwise|avoid|very|under|failure|penalized|punished|matter|or\s+else|if\s+you)\b/i;

export function urgencyPressure(text: string, ctx: PoisoningContext): TextMatch[] {
  if (!ctx.prose || !MAYBE_URGENT.test(text)) return [];
  const out: TextMatch[] = [];
  for (const re of THREATS) {
    for (const m of matchAll(re, text)) out.push({ rule: 'urgency-pressure', start: m.start, end: m.end, message: `${quote(m.text)} pressures the model with a threat` });
  }
  for (const s of sentences(text)) {
    const words = [...s.text.matchAll(/[A-Za-z][A-Za-z']*/g)];
    // Words that are pseudo-tag names (<IMPORTANT>) are reported by hidden-instructions, not counted as shouting.
    const inTag = (w: RegExpMatchArray): boolean => /<\/?\s*$/.test(s.text.slice(0, w.index!));
    const caps = words.filter((w) => w[0].length >= 2 && w[0] === w[0].toUpperCase() && CAPS_DIRECTIVE.has(w[0]) && !inTag(w));
    // Runs of shouted words: "YOU MUST ALWAYS DO THIS".
    let run: RegExpMatchArray[] = [];
    let best: RegExpMatchArray[] = [];
    for (const w of words) {
      if (w[0].length >= 2 && w[0] === w[0].toUpperCase() && !inTag(w)) run.push(w);
      else run = [];
      if (run.length > best.length) best = [...run];
    }
    const shoutedRun = best.length >= 4 && best.some((w) => CAPS_DIRECTIVE.has(w[0]));
    if (caps.length >= 2 || shoutedRun) {
      const first = shoutedRun ? best[0] : caps[0];
      const last = shoutedRun ? best[best.length - 1] : caps[caps.length - 1];
      const start = s.start + first.index!;
      const end = s.start + last.index! + last[0].length;
      if (out.some((o) => start < o.end && end > o.start)) continue;
      out.push({ rule: 'urgency-pressure', start, end, message: `${quote(text.slice(start, end))} shouts demands at the model in capitals` });
    }
  }
  return out;
}
