// Server definitions as discovered from the workspace's MCP config files.

/** Which client's config file a definition came from. */
export type ConfigKind = 'vscode' | 'mcp-json' | 'cursor' | 'gemini' | 'windsurf' | 'claude-desktop';

export type Transport = 'stdio' | 'http' | 'sse';

/** A character range in a config file (0-based offsets), kept so diagnostics land exactly. */
export interface SourceRange {
  offset: number;
  length: number;
}

export interface ConfigSource {
  /** Absolute path of the config file. */
  file: string;
  kind: ConfigKind;
  /** The workspace folder the file belongs to (absent for user-level configs). */
  workspaceFolder?: string;
  /** Range of the server's key (its name) in the file. */
  nameRange: SourceRange;
  /** Range of the server's whole value. */
  range: SourceRange;
}

export interface ServerDefinition {
  /** Unique id across all definitions: the name, suffixed with `@<kind>` when several files define it. */
  id: string;
  /** The name as written in the config file. */
  name: string;
  source: ConfigSource;
  transport: Transport;
  command?: string;
  args?: string[];
  /** Resolved environment (values may be secrets: never log or trace them). */
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** Per-server request timeout override (Gemini `timeout`), in ms. */
  timeoutMs?: number;
  includeTools?: string[];
  excludeTools?: string[];
  /** VS Code `dev` block (watch/debug) kept as written. */
  dev?: { watch?: string; debug?: unknown };
  /** sha256 of the canonical launch definition (command, args, env, cwd, url, headers, transport). */
  hash: string;
  /** Notes shown to the user, e.g. "also defined in .cursor/mcp.json with different args". */
  notes: string[];
  /**
   * Set when the definition cannot be started (a missing command, an unresolved variable, a bad
   * envFile...): a sentence saying what is wrong and what to do. The exact ranges are in the problems.
   */
  error?: string;
  /** Input ids (`${input:id}`) not asked yet because discovery deferred them; their text is still in place. */
  pendingInputs?: string[];
  /** Absolute path of the envFile whose variables were merged into `env` (so it can be watched). */
  envFile?: string;
  /** Windsurf's `disabled: true`: shown, never started unless the user starts it. */
  disabled?: boolean;
  /**
   * Which MCP protocol generation to speak: 'auto' (default) negotiates, '2025' forces the legacy
   * `initialize` handshake, '2026' requires 2026-07-28. Part of `hash` (it changes how the server is reached).
   */
  protocol?: ProtocolSetting;
  /**
   * How this client identifies itself to the server's authorization server before dynamic registration: a
   * pre-registered client (id, and secret for a confidential one) or a Client ID Metadata Document URL.
   * Not part of `hash`: it does not change how the server is reached, only how a sign-in goes.
   */
  oauth?: OAuthClientSetting;
}

export interface OAuthClientSetting {
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
}

export type ProtocolSetting = 'auto' | '2025' | '2026';

/** A problem in a config file, at an exact range; becomes a Problems-panel diagnostic and an error node. */
export interface ConfigProblem {
  file: string;
  range: SourceRange;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The server the problem belongs to, when it belongs to one. */
  server?: string;
  code: string;
}
