// The CLI's command table: each command's name and summary, and how to load it. A command's module (and what
// it imports: the guard pipeline, the sandbox, the gateway...) is evaluated only when that command runs, so a
// start-up pays for one command, not sixteen (esbuild keeps a require()d module lazy in the bundle).
import type { CliCommand } from '../io';

export interface CommandEntry {
  name: string;
  /** One line for `mcp-harness --help`. */
  summary: string;
  load(): CliCommand;
}

export const commands: CommandEntry[] = [
  { name: 'servers', summary: 'List the MCP servers a workspace defines, and start each to check it works', load: () => (require('./servers') as typeof import('./servers')).serversCommand },
  { name: 'tools', summary: 'Start one server and list its tools with their annotations', load: () => (require('./tools') as typeof import('./tools')).toolsCommand },
  { name: 'report', summary: 'Write JSON, HTML, CSV or XLSX reports of session traces', load: () => (require('./report') as typeof import('./report')).reportCommand },
  { name: 'call', summary: 'Call one tool through the guard pipeline and print its step record', load: () => (require('./call') as typeof import('./call')).callCommand },
  { name: 'run', summary: 'Run a session file (*.mcp-session.json) through the guard pipeline', load: () => (require('./run') as typeof import('./run')).runCommand },
  { name: 'lint', summary: 'Lint the tools of every server (schemas, naming, descriptions, tool poisoning)', load: () => (require('./lint') as typeof import('./lint')).lintCommand },
  { name: 'pin', summary: 'Pin every tool definition in .mcp-harness/tools.lock.json, or check for drift (CI)', load: () => (require('./pin') as typeof import('./pin')).pinCommand },
  { name: 'exec', summary: 'Run sandbox code (an async function body) that calls MCP tools through the guard pipeline', load: () => (require('./exec') as typeof import('./exec')).execCommand },
  { name: 'lab', summary: 'Score a server\'s reliability: property tests, fault injection and a benchmark', load: () => (require('./lab') as typeof import('./lab')).labCommand },
  { name: 'chaos', summary: 'Run a server behind a fault-injection proxy (latency, drops, corruption, reordering, disconnects)', load: () => (require('./chaos') as typeof import('./chaos')).chaosCommand },
  { name: 'gateway', summary: 'Serve the workspace\'s MCP servers as one guarded MCP server (stdio or HTTP)', load: () => (require('./gateway') as typeof import('./gateway')).gatewayCommand },
  { name: 'agent', summary: 'Let a model work toward a goal with the workspace\'s tools, every call guarded and traced', load: () => (require('./agent') as typeof import('./agent')).agentCommand },
  { name: 'conformance', summary: "Run the official MCP conformance suite's server scenarios against one server", load: () => (require('./conformance') as typeof import('./conformance')).conformanceCommand },
  { name: 'login', summary: 'Sign in to an HTTP MCP server that asks for OAuth', load: () => (require('./login') as typeof import('./login')).loginCommand },
  { name: 'logout', summary: 'Forget the stored sign-in of an HTTP MCP server', load: () => (require('./login') as typeof import('./login')).logoutCommand },
  { name: 'trace', summary: 'Export a trace file as OTLP JSON (OpenTelemetry)', load: () => (require('./trace') as typeof import('./trace')).traceCommand },
];
