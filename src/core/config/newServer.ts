// What "Add Server…" asks for, checked before anything is written: the command line of a stdio server (split
// into command and arguments the way a server is spawned — no shell), the URL of an HTTP server, and a name that
// works everywhere a server is named ("server/tool" in calls, sessions and sandbox code).
/** Words that only a shell understands; a server is spawned directly, so they would reach it as arguments. */
const SHELL_SYNTAX = new Set(['|', '||', '&&', ';', '>', '>>', '<', '&', '2>', '2>&1']);

export type CommandLineResult = { command: string; args: string[]; error?: undefined } | { error: string };

/**
 * Splits a command line into the command and its arguments, the way a server is spawned (no shell): whitespace
 * separates words; 'single quotes' keep everything as written; "double quotes" keep spaces, and \" in them is a
 * quote. Nothing is expanded (`${workspaceFolder}`, `${env:NAME}` and `$HOME` stay for the config's own
 * variables) and a backslash is kept as it is (Windows paths).
 */
export function parseCommandLine(text: string): CommandLineResult {
  const words: { text: string; quoted: boolean }[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '\\' && text[i + 1] === '"') {
        word += '"';
        i++;
      } else if (ch === '"') {
        quote = undefined;
      } else {
        word += ch;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = quoted = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push({ text: word, quoted });
      word = '';
      inWord = quoted = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { error: `A ${quote === '"' ? 'double' : 'single'} quote is not closed; close it or remove it.` };
  if (inWord) words.push({ text: word, quoted });
  if (!words.length) return { error: 'Enter the command that starts the server, e.g. npx -y @modelcontextprotocol/server-everything' };
  const shell = words.find((w) => !w.quoted && SHELL_SYNTAX.has(w.text));
  if (shell) {
    return { error: `"${shell.text}" is shell syntax, but a server is started directly, not through a shell: put the pipeline in a script and enter that script's command.` };
  }
  const [command, ...args] = words.map((w) => w.text);
  if (!command) return { error: 'The command is empty: enter the program that starts the server first.' };
  return { command, args };
}

/** Why `text` is not a URL an HTTP server can be reached at, or undefined when it is. */
export function serverUrlProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return 'Enter the URL of the server, e.g. https://example.com/mcp';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return /^[a-z][a-z0-9+.-]*:/i.test(value) ? `"${value}" is not a valid URL.` : `"${value}" is not a URL: start it with https:// (or http:// for a server on this machine).`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `An MCP server is reached over http:// or https://, not ${url.protocol}//.`;
  return undefined;
}

/** Why `name` cannot name a new server, or undefined when it can. `taken`: the names the file already has. */
export function serverNameProblem(name: string, taken: ReadonlySet<string>, file: string): string | undefined {
  const value = name.trim();
  if (!value) return 'Give the server a name.';
  if (value.includes('/')) return 'A server name cannot contain "/": tools are named "server/tool".';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'A server name cannot contain control characters.';
  if (taken.has(value)) return `"${value}" already exists in ${file}.`;
  return undefined;
}

/**
 * A name for a new server, from what starts it: the package or program of a command (`npx -y
 * @modelcontextprotocol/server-memory` → memory, `uvx mcp-server-fetch` → fetch), the host of a URL
 * (`https://mcp.example.com/mcp` → example). Made unique against `taken` with -2, -3, …
 */
export function suggestServerName(source: { command: string; args: string[] } | { url: string }, taken: ReadonlySet<string>): string {
  let base = 'my-server';
  if ('url' in source) {
    try {
      const host = new URL(source.url).hostname;
      if (host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[')) {
        base = 'local-server';
      } else {
        const labels = host.split('.').filter((l) => l && l !== 'www' && l !== 'mcp' && l !== 'api');
        base = (labels.length > 1 ? labels[labels.length - 2] : labels[0]) ?? base;
      }
    } catch {
      // left as my-server
    }
  } else {
    const runners = new Set(['npx', 'uvx', 'pnpx', 'bunx', 'node', 'python', 'python3', 'deno', 'docker', 'uv', 'pipx']);
    const words = [source.command, ...source.args];
    const word = runners.has(basename(source.command)) ? source.args.find((a) => !a.startsWith('-') && !['run', 'dlx', 'exec', '-m'].includes(a)) : words[0];
    if (word) base = nameOf(word);
    base = base.replace(/^(mcp[-_]server[-_]|server[-_]|mcp[-_])/i, '').replace(/[-_]mcp$/i, '') || base;
  }
  base = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'my-server';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

// A script's own name says little when it is one of these, or sits in a build folder: its package folder says more.
const GENERIC_FILES = new Set(['index', 'main', 'server', 'cli', 'app', 'mcp', 'start']);
const BUILD_FOLDERS = new Set(['dist', 'build', 'lib', 'src', 'bin', 'out', 'esm', 'cjs', '.', '..', '']);

/** A package (`@scope/name@1.2`) → name; a script path → its file name, or its package folder's for a generic one. */
function nameOf(word: string): string {
  const parts = word.replace(/@[^/@]*$/, '').split(/[\\/]/);
  const file = (parts.pop() ?? '').replace(/\.(c|m)?[jt]s$|\.py$|\.exe$/i, '');
  if (!GENERIC_FILES.has(file.toLowerCase())) return file;
  const folder = [...parts].reverse().find((p) => !BUILD_FOLDERS.has(p.toLowerCase()) && !p.startsWith('$'));
  return folder ?? file;
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}
