// What the scripted-lm test extension's activate() returns (see extension.js).
export interface ScriptedToolCall {
  callId?: string;
  name: string;
  input?: object;
}

/** One answer of the model: text (one string or chunks), tool calls, an error, or waiting until cancelled. */
export interface ScriptedTurn {
  text?: string | string[];
  toolCalls?: ScriptedToolCall[];
  error?: string;
  waitForCancel?: boolean;
}

export interface ScriptedPart {
  type: 'text' | 'toolCall' | 'toolResult' | 'data' | 'other';
  text?: string;
  callId?: string;
  name?: string;
  input?: unknown;
  mimeType?: string;
  bytes?: number;
}

export interface ScriptedRequest {
  model: string;
  messages: { role: 'user' | 'assistant' | string; name?: string; text: string; parts: ScriptedPart[] }[];
  tools: string[];
  toolMode?: number;
  modelOptions: Record<string, unknown>;
}

export interface ScriptedLmApi {
  readonly vendor: 'mcp-harness-scripted';
  readonly models: readonly { id: string; family: string; name: string }[];
  /** Replaces the queue of turns; when it is empty the model answers the default text. */
  script(turns: ScriptedTurn[]): void;
  push(...turns: ScriptedTurn[]): void;
  setDefaultText(text: string): void;
  /** Every request the provider got, oldest first (copies). */
  requests(): ScriptedRequest[];
  pendingTurns(): number;
  /** False: the provider offers no model (as VS Code without a chat extension); true brings them back. */
  setAvailable(available: boolean): void;
  /** Empties the script and the request log, restores the default text and offers the models again. */
  reset(): void;
}
