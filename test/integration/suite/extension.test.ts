// The extension's settings layer and small pure helpers, checked inside the real host (the `main` run).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../../src/core/servers';
import type { SessionFile } from '../../../src/core/session/parse';
import type { HarnessApi } from '../../../src/extension/api';
import { formatCommandLine, quoteArg } from '../../../src/extension/consent';
import { jsonPathSegments, layoutOf, splitToolRef } from '../../../src/extension/sessions/document';
import { stepsNeededFor } from '../../../src/extension/sessions/runSession';
import { activateHarness, harnessExtension } from './helpers';

type Props = Record<string, { default?: unknown; type?: string }>;

describe('extension: settings', () => {
  const props = () => harnessExtension().packageJSON.contributes.configuration.properties as Props;

  it('contributes policy and guardrails defaults equal to the core defaults', () => {
    const p = props();
    for (const key of ['allow', 'deny', 'noNetwork', 'dryRun', 'maxSteps', 'readOnly', 'confirmDestructive', 'timeoutMs', 'maxTotalTimeoutMs', 'retries'] as const) {
      assert.deepEqual(p[`mcpHarness.policy.${key}`]?.default, DEFAULT_POLICY[key], `mcpHarness.policy.${key}`);
    }
    for (const key of ['mode', 'redact', 'tokenizePii', 'maxOutputTokens', 'detectInjection'] as const) {
      assert.deepEqual(p[`mcpHarness.guardrails.${key}`]?.default, DEFAULT_GUARDRAILS[key], `mcpHarness.guardrails.${key}`);
    }
    assert.equal(p['mcpHarness.requestTimeoutMs'].default, DEFAULT_REQUEST_TIMEOUT_MS);
    assert.equal(p['mcpHarness.discovery.includeUserConfigs'].default, false);
    assert.deepEqual(p['mcpHarness.trustedServers'].default, []);
  });

  it('reads changed settings through the typed Config', async () => {
    const api = await activateHarness<HarnessApi>();
    const cfg = vscode.workspace.getConfiguration('mcpHarness');
    try {
      await cfg.update('policy.deny', ['everything/*'], vscode.ConfigurationTarget.Workspace);
      await cfg.update('trustedServers', ['memory'], vscode.ConfigurationTarget.Workspace);
      await cfg.update('guardrails.mode', 'not-a-mode', vscode.ConfigurationTarget.Workspace);
      const policy = api.context.config.policy;
      assert.deepEqual(policy.deny, ['everything/*']);
      assert.deepEqual(policy.trustedServers, ['memory']);
      // An invalid value falls back to the default instead of breaking the guards.
      assert.equal(api.context.config.guardrails.mode, DEFAULT_GUARDRAILS.mode);
    } finally {
      await cfg.update('policy.deny', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('trustedServers', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('guardrails.mode', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.deepEqual(api.context.config.policy.deny, DEFAULT_POLICY.deny);
  });

  it('offers the test hooks only because this is the test runner', async () => {
    const api = await activateHarness<HarnessApi>();
    assert.equal(api.context.extension.extensionMode, vscode.ExtensionMode.Test);
    assert.doesNotThrow(() => api.testing.setConsentPrompt(undefined));
  });
});

describe('extension: helpers', () => {
  it('quotes the consent command line so it can be pasted into a shell', () => {
    assert.equal(quoteArg('plain-arg_1.js'), 'plain-arg_1.js');
    assert.equal(quoteArg(''), "''");
    assert.equal(quoteArg('a b'), "'a b'");
    assert.equal(quoteArg("it's"), `'it'\\''s'`);
    assert.equal(formatCommandLine({ command: 'node', args: ['/p q/s.js', '--x=$HOME'] }), "node '/p q/s.js' '--x=$HOME'");
  });

  it('splits tool references and schema error paths', () => {
    assert.deepEqual(splitToolRef('everything/echo'), { server: 'everything', tool: 'echo' });
    assert.deepEqual(splitToolRef('fs/dir/read'), { server: 'fs', tool: 'dir/read' });
    assert.equal(splitToolRef('noslash'), undefined);
    assert.equal(splitToolRef('/x'), undefined);
    assert.deepEqual(jsonPathSegments('$.a[0]["b c"].d'), ['a', 0, 'b c', 'd']);
    assert.deepEqual(jsonPathSegments('$'), []);
  });

  it('locates steps, tools and args in JSONC with comments and trailing commas', () => {
    const text = '{\n // c\n "name": "s",\n "steps": [ { "id": "a", "tool": "x/y", "args": { "k": 1 }, }, ],\n}';
    const layout = layoutOf(text);
    assert.equal(layout.steps.length, 1);
    assert.equal(layout.steps[0].id, 'a');
    assert.equal(text.slice(layout.steps[0].toolNode!.offset, layout.steps[0].toolNode!.offset + layout.steps[0].toolNode!.length), '"x/y"');
    assert.equal(layout.steps[0].argsNode?.type, 'object');
  });

  it('runs a step together with the steps it references, transitively', () => {
    const step = (id: string, args: Record<string, unknown>) => ({ id, kind: 'tool', args, raw: {}, ranges: { step: { offset: 0, length: 0 } } });
    const session: SessionFile = {
      name: 's',
      steps: [
        step('a', {}),
        step('b', { x: '${steps.a.text}' }),
        step('c', {}),
        step('d', { y: '${steps.b.structured.id}' }),
      ],
    };
    assert.deepEqual([...stepsNeededFor(session, 'd')].sort(), ['a', 'b', 'd']);
    assert.deepEqual([...stepsNeededFor(session, 'c')], ['c']);
  });
});
