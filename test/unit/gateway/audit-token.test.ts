import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../src/core/gateway/audit';
import { bearerMatches, defaultTokenFile, loadOrCreateToken, TokenFileError } from '../../../src/core/gateway/token';

const SECRET = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

describe('gateway audit log', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gw-audit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

  it('appends one redacted JSON line per entry, with a timestamp, after one event-loop turn', async () => {
    const file = join(dir, 'audit.jsonl');
    const audit = new AuditLog({ file, now: () => new Date('2026-01-02T03:04:05Z') });
    audit.write({ kind: 'call', action: 'ok', server: 'everything', tool: 'echo', args: { message: `token ${SECRET}`, email: 'ann@example.com' } });
    audit.write({ kind: 'admin', action: 'start' });
    assert.equal(readFileSync(file, 'utf8'), '');
    await new Promise((r) => setImmediate(r));
    const [call, admin] = lines(file);
    assert.equal(call.ts, '2026-01-02T03:04:05.000Z');
    assert.equal(call.kind, 'call');
    assert.ok(!JSON.stringify(call).includes(SECRET), 'the secret is masked');
    assert.ok(!JSON.stringify(call).includes('ann@example.com'), 'the e-mail address is masked');
    assert.deepEqual(admin, { ts: '2026-01-02T03:04:05.000Z', kind: 'admin', action: 'start' });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    audit.close();
  });

  it('rotates by size, keeping the newest entries and at most `keep` old files', () => {
    const file = join(dir, 'audit.jsonl');
    const audit = new AuditLog({ file, maxBytes: 400, keep: 2 });
    for (let i = 0; i < 40; i++) {
      audit.write({ kind: 'call', action: 'ok', n: i, pad: 'x'.repeat(60) });
      audit.flush();
    }
    audit.close();
    assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`));
    assert.ok(!existsSync(`${file}.3`));
    for (const f of [file, `${file}.1`, `${file}.2`]) assert.ok(statSync(f).size <= 400, `${f} is within the size limit`);
    const ns = [...lines(`${file}.2`), ...lines(`${file}.1`), ...lines(file)].map((e) => e.n);
    assert.equal(ns.at(-1), 39);
    assert.deepEqual(ns, [...ns].sort((a, b) => a - b), 'entries stay in order across files');
    assert.deepEqual(ns, Array.from({ length: ns.length }, (_, i) => 40 - ns.length + i), 'no entry is lost within the kept files');
  });

  it('continues an existing log after a restart instead of truncating it', () => {
    const file = join(dir, 'audit.jsonl');
    let audit = new AuditLog({ file });
    audit.write({ kind: 'admin', action: 'start' });
    audit.close();
    audit = new AuditLog({ file });
    audit.write({ kind: 'admin', action: 'stop' });
    audit.close();
    assert.deepEqual(lines(file).map((e) => e.action), ['start', 'stop']);
  });
});

describe('gateway token', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gw-token-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a private token on first start and reads the same one later', () => {
    const file = join(dir, 'sub', 'gateway-token');
    const first = loadOrCreateToken(file);
    assert.equal(first.created, true);
    assert.ok(first.token.length >= 40);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateToken(file), { token: first.token, created: false });
  });

  it('refuses a token file others can read, and one without a usable token', () => {
    const file = join(dir, 'gateway-token');
    writeFileSync(file, 'x'.repeat(43));
    chmodSync(file, 0o644);
    assert.throws(() => loadOrCreateToken(file), (err: Error) => err instanceof TokenFileError && /mode 644.*chmod 600/.test(err.message));
    writeFileSync(file, 'short');
    chmodSync(file, 0o600);
    assert.throws(() => loadOrCreateToken(file), /no usable token/);
  });

  it('matches only "Bearer <token>"', () => {
    assert.equal(bearerMatches('Bearer abc', 'abc'), true);
    assert.equal(bearerMatches('bearer abc', 'abc'), true);
    assert.equal(bearerMatches('Bearer abd', 'abc'), false);
    assert.equal(bearerMatches('abc', 'abc'), false);
    assert.equal(bearerMatches(undefined, 'abc'), false);
  });

  it('lives in the user config dir per platform', () => {
    assert.equal(defaultTokenFile({ XDG_CONFIG_HOME: '/x' }, 'linux'), join('/x', 'mcp-harness', 'gateway-token'));
    assert.equal(defaultTokenFile({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'), join('C:\\Users\\a\\AppData\\Roaming', 'mcp-harness', 'gateway-token'));
    assert.match(defaultTokenFile({}, 'darwin'), /Library\/Application Support\/mcp-harness\/gateway-token$/);
  });
});
