// Test helper: the scripted language model (test/integration/support/scripted-lm), installed next to the
// extension under test by the integration and e2e runners.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ScriptedLmApi } from './scripted-lm/api';

export type { ScriptedLmApi, ScriptedRequest, ScriptedTurn } from './scripted-lm/api';

export const SCRIPTED_LM_EXTENSION_ID = 'mcp-harness-tests.scripted-lm';
export const SCRIPTED_VENDOR = 'mcp-harness-scripted';

/** Activates the scripted model's extension, empties its script and request log, and returns its control API. */
export async function scriptedLm(): Promise<ScriptedLmApi> {
  const ext = vscode.extensions.getExtension<ScriptedLmApi>(SCRIPTED_LM_EXTENSION_ID);
  assert.ok(ext, `${SCRIPTED_LM_EXTENSION_ID} is not installed: startCodeServer({ supportExtensions: true }) copies test/integration/support/scripted-lm into the extensions dir.`);
  const api = await ext.activate();
  api.reset();
  return api;
}
