// A language model chat provider for tests in the real extension host: the test sets a script of turns
// (text, tool calls, errors) and reads back every request the model got. Installed into the run's extensions
// dir by scripts/lib/host.mjs (startCodeServer supportExtensions: integration runs and the e2e workbench);
// its vendor is contributed in package.json because VS Code refuses providers of vendors nobody contributes.
// Plain CommonJS so it needs no build step. Types for tests: ./api.d.ts; helper: ../scriptedLm.ts.
'use strict';
const vscode = require('vscode');

const VENDOR = 'mcp-harness-scripted';
const MODELS = [
  { id: 'scripted-large', name: 'Scripted Large', family: 'scripted', version: '1', maxInputTokens: 128000, maxOutputTokens: 8192, tooltip: 'Answers from the test script', capabilities: { toolCalling: true, imageInput: false } },
  { id: 'scripted-small', name: 'Scripted Small', family: 'scripted-small', version: '1', maxInputTokens: 8000, maxOutputTokens: 1024, tooltip: 'Answers from the test script', capabilities: { toolCalling: true, imageInput: false } },
];
const DEFAULT_TEXT = 'scripted reply';

function roleName(role) {
  if (role === vscode.LanguageModelChatMessageRole.User) return 'user';
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return String(role);
}

function describePart(part) {
  if (part instanceof vscode.LanguageModelTextPart) return { type: 'text', text: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart) return { type: 'toolCall', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart) {
    const text = (part.content ?? []).map((c) => (c instanceof vscode.LanguageModelTextPart ? c.value : '')).join('');
    return { type: 'toolResult', callId: part.callId, text };
  }
  if (part && typeof part === 'object' && 'mimeType' in part) return { type: 'data', mimeType: part.mimeType, bytes: part.data?.byteLength ?? 0 };
  return { type: 'other' };
}

function recordMessages(messages) {
  return messages.map((m) => {
    const parts = (m.content ?? []).map(describePart);
    return { role: roleName(m.role), name: m.name, text: parts.filter((p) => p.type === 'text').map((p) => p.text).join(''), parts };
  });
}

function activate() {
  const state = { turns: [], defaultText: DEFAULT_TEXT, requests: [], available: true };
  const changed = new vscode.EventEmitter();
  const provider = {
    onDidChangeLanguageModelChatInformation: changed.event,
    provideLanguageModelChatInformation: () => (state.available ? MODELS.map((m) => ({ ...m })) : []),
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      state.requests.push({
        model: model.id,
        messages: recordMessages(messages),
        tools: (options.tools ?? []).map((t) => t.name),
        toolMode: options.toolMode,
        modelOptions: options.modelOptions ?? {},
      });
      const turn = state.turns.length ? state.turns.shift() : { text: state.defaultText };
      if (turn.waitForCancel) {
        await new Promise((resolve) => (token.isCancellationRequested ? resolve() : token.onCancellationRequested(resolve)));
        throw new vscode.CancellationError();
      }
      if (turn.error) throw new Error(turn.error);
      const chunks = Array.isArray(turn.text) ? turn.text : turn.text !== undefined ? [turn.text] : [];
      for (const chunk of chunks) {
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        progress.report(new vscode.LanguageModelTextPart(chunk));
      }
      for (const [i, call] of (turn.toolCalls ?? []).entries()) {
        progress.report(new vscode.LanguageModelToolCallPart(call.callId ?? `call-${state.requests.length}-${i}`, call.name, call.input ?? {}));
      }
    },
    // About four characters a token: good enough for a model that exists only in tests.
    provideTokenCount: async (_model, text) => {
      const s = typeof text === 'string' ? text : recordMessages([text])[0].text;
      return Math.ceil(s.length / 4);
    },
  };
  const registration = vscode.lm.registerLanguageModelChatProvider(VENDOR, provider);
  return {
    vendor: VENDOR,
    models: MODELS.map((m) => ({ id: m.id, family: m.family, name: m.name })),
    script(turns) {
      state.turns = [...turns];
    },
    push(...turns) {
      state.turns.push(...turns);
    },
    setDefaultText(text) {
      state.defaultText = text;
    },
    requests: () => state.requests.map((r) => JSON.parse(JSON.stringify(r))),
    pendingTurns: () => state.turns.length,
    setAvailable(available) {
      if (state.available === available) return;
      state.available = available;
      changed.fire();
    },
    reset() {
      if (!state.available) {
        state.available = true;
        changed.fire();
      }
      state.turns = [];
      state.requests = [];
      state.defaultText = DEFAULT_TEXT;
    },
    dispose() {
      registration.dispose();
      changed.dispose();
    },
  };
}

module.exports = { activate, deactivate() {} };
