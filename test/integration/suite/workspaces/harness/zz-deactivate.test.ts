// Runs last in the harness run (files are sorted): deactivation must leave no server process behind.
import * as assert from 'node:assert/strict';
import type { HarnessApi } from '../../../../../src/extension/api';
import { activateHarness, isAlive, waitFor } from '../../helpers';
import { serverProcesses } from './processes';

describe('harness workspace: deactivate', () => {
  it('stops every running server (no orphan processes)', async () => {
    const api = await activateHarness<HarnessApi>();
    api.testing.setConsentPrompt(async () => 'allow');
    await api.servers.start('everything');
    await api.servers.start('crashy');
    const pids = ['everything', 'crashy'].map((id) => api.servers.state(id)?.pid);
    assert.ok(pids.every((p) => p && isAlive(p)), 'Both servers should be running before deactivate.');
    await api.testing.deactivate();
    for (const pid of pids) await waitFor(() => !isAlive(pid!), `pid ${pid} to exit on deactivate`);
    assert.deepEqual(await serverProcesses(), []);
  });
});
