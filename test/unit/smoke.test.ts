import * as assert from 'node:assert/strict';
import { DECISIONS } from '../../src/protocol/trace';

describe('protocol', () => {
  it('lists every decision exactly once', () => {
    assert.deepEqual(DECISIONS, ['ok', 'denied_schema', 'denied_policy', 'denied_guardrail', 'dry_run', 'error', 'timeout', 'cancelled']);
  });
});
