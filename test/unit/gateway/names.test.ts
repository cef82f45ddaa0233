import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { baseName, MAX_NAME_LENGTH, NameTable, parseResourceUri, resourceTemplateUri, resourceUri } from '../../../src/core/gateway/names';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('gateway names', () => {
  it('joins server and tool with __ and keeps valid names as they are', () => {
    const table = new NameTable([{ server: 'everything', name: 'echo' }]);
    assert.deepEqual(table.entries(), [['everything__echo', { server: 'everything', name: 'echo' }]]);
    assert.equal(table.publicName('everything', 'echo'), 'everything__echo');
  });

  it('replaces characters clients refuse and cuts long names to 64 with a hash of the full name', () => {
    assert.equal(baseName('my server.v2', 'read/file'), 'my_server_v2__read_file');
    const long = baseName('s'.repeat(40), 't'.repeat(40));
    assert.equal(long.length, MAX_NAME_LENGTH);
    assert.match(long, /^s+__t+_[0-9a-f]{8}$/);
    assert.notEqual(baseName('s'.repeat(40), `${'t'.repeat(40)}x`), baseName('s'.repeat(40), `${'t'.repeat(40)}y`));
  });

  it('settles a collision by sorted upstream name, whatever the listing order', () => {
    const a = { server: 'a.b', name: 'x' };
    const b = { server: 'a_b', name: 'x' };
    const c = { server: 'a__b', name: 'c' };
    const d = { server: 'a', name: 'b__c' };
    const forward = new NameTable([a, b, c, d]);
    const backward = new NameTable([d, c, b, a]);
    assert.deepEqual(new Map(forward.entries()), new Map(backward.entries()));
    assert.equal(forward.publicName('a.b', 'x'), 'a_b__x');
    assert.match(forward.publicName('a_b', 'x')!, /^a_b__x_[0-9a-f]{6}$/);
    // 'a/b__c' sorts before 'a__b/c': it keeps the plain name.
    assert.equal(forward.publicName('a', 'b__c'), 'a__b__c');
    assert.match(forward.publicName('a__b', 'c')!, /^a__b__c_[0-9a-f]{6}$/);
    assert.deepEqual(forward.resolve(forward.publicName('a__b', 'c')!), c);
  });

  it('gives every upstream tool a distinct valid name that resolves back (property)', () => {
    const part = fc.string({ minLength: 1, maxLength: 70, unit: fc.constantFrom('a', 'b', '_', '.', '/', ' ', 'é', '-', '1') });
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ server: part, name: part }), { selector: (e) => `${e.server}/${e.name}`, maxLength: 30 }), (entries) => {
        const table = new NameTable(entries);
        const names = table.entries().map(([n]) => n);
        assert.equal(new Set(names).size, entries.length);
        for (const e of entries) {
          const name = table.publicName(e.server, e.name)!;
          assert.match(name, VALID);
          assert.deepEqual(table.resolve(name), e);
        }
        assert.deepEqual(new Map(new NameTable([...entries].reverse()).entries()), new Map(table.entries()));
      }),
      { numRuns: 300 },
    );
  });

  it('namespaces resource URIs reversibly and rejects foreign ones', () => {
    const uri = resourceUri('every thing', 'demo://resource/static/1?x=a b');
    assert.match(uri, /^mcp-harness:\/\/every%20thing\//);
    assert.deepEqual(parseResourceUri(uri), { server: 'every thing', uri: 'demo://resource/static/1?x=a b' });
    assert.equal(parseResourceUri('file:///etc/passwd'), undefined);
    assert.equal(parseResourceUri('mcp-harness://x/%E0%A4%A'), undefined);
  });

  it('namespaces resource templates with the upstream template as it is, so a filled one parses to the upstream\'s own fill', () => {
    const template = resourceTemplateUri('every thing', 'echo://item/{id}{?q}');
    assert.equal(template, 'mcp-harness://every%20thing/=echo://item/{id}{?q}');
    const filled = new UriTemplate(template).expand({ id: 'a b/%', q: 'ü?' });
    assert.deepEqual(parseResourceUri(filled), { server: 'every thing', uri: new UriTemplate('echo://item/{id}{?q}').expand({ id: 'a b/%', q: 'ü?' }) });
    // The percent-encoded form (templates listed before) still parses: a value with only unreserved characters reads the same.
    assert.deepEqual(parseResourceUri(`mcp-harness://x/${encodeURIComponent('echo://item/')}alice`), { server: 'x', uri: 'echo://item/alice' });
    // `=` never starts an encoded URI, so an upstream URI that begins with it survives the round trip.
    assert.deepEqual(parseResourceUri(resourceUri('x', '=odd')), { server: 'x', uri: '=odd' });
    assert.equal(parseResourceUri('mcp-harness://x/='), undefined);
  });
});
