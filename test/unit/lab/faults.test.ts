// The faults suite's no_recovery finding says what was seen, so a server author can act on it.
import * as assert from 'node:assert/strict';
import { noRecoveryMessage } from '../../../src/core/lab/faults';

describe('lab: faults.disconnect.no_recovery message', () => {
  it('names the toxic, when the cut was seen, the results before it and how the first call after it failed', () => {
    const message = noRecoveryMessage('disconnect-after=8', { calls: 12 }, { atCall: 5, resultsBefore: 4, firstFailure: "error: The server 'x~chaos7' could not be started or listed: Connection closed" });
    assert.equal(
      message,
      "Under disconnect-after=8 (the proxy cuts every connection after that many requests and answers past the handshake) none of the 7 calls after the cut got a result: the connection was not made again. The connection was found cut after call 5 of 12 (4 of the calls up to it got a result). The first call after the cut failed with error: The server 'x~chaos7' could not be started or listed: Connection closed.",
    );
  });
});
