import * as assert from 'node:assert/strict';
import { ToolLinter, lintTools, checkRuleSettings, type LintFinding } from '../../../src/core/lint/linter';
import { SchemaChecker } from '../../../src/core/lint/schema';
import { RULES, RULE_IDS, POISONING_RULES, rulesMarkdownTable, ruleInfo } from '../../../src/core/lint/rules';

const obj = (properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const good = (over: Record<string, unknown> = {}) => ({
  name: 'get_weather',
  description: 'Returns the current weather for a city.',
  inputSchema: obj({ city: { type: 'string', description: 'City name', maxLength: 100 } }, { required: ['city'] }),
  ...over,
});

function lintOne(tool: unknown, options?: Parameters<typeof lintTools>[1]): LintFinding[] {
  return lintTools([{ server: 's', tools: [tool] }], options);
}
function rules(findings: LintFinding[]): string[] {
  return [...new Set(findings.map((f) => f.rule))].sort();
}

describe('lint rules', () => {
  it('a well-formed tool has no findings', () => {
    assert.deepEqual(lintOne(good()), []);
  });

  it('every rule has an id, a default severity and a paragraph of explanation', () => {
    for (const r of RULES) {
      assert.match(r.id, /^[a-z-]+$/);
      assert.ok(['error', 'warning', 'info'].includes(r.defaultSeverity));
      assert.ok(r.explanation.length > 150, `${r.id} explanation too short`);
    }
    assert.equal(new Set(RULE_IDS).size, RULES.length);
    assert.deepEqual([...POISONING_RULES].sort(), ['cross-tool-instruction', 'exfiltration-target', 'hidden-instructions', 'hidden-unicode', 'sensitive-path', 'urgency-pressure']);
    assert.match(rulesMarkdownTable(), /\| `hidden-unicode` \| error \|/);
  });

  describe('schema-invalid', () => {
    it('reports a schema that fails its 2020-12 meta-schema, at the offending keyword', () => {
      const f = lintOne(good({ inputSchema: obj({ n: { type: 'integer', description: 'n', minimum: 'zero' } }) }));
      const hit = f.find((x) => x.rule === 'schema-invalid');
      assert.ok(hit);
      assert.equal(hit.severity, 'error');
      assert.equal(hit.path, '/inputSchema/properties/n/minimum');
      assert.match(hit.message, /2020-12/);
    });
    it('compiles draft-07 schemas as draft-07 (items array is valid there)', () => {
      const tuple = { type: 'array', description: 'pair', items: [{ type: 'number' }, { type: 'number' }], maxItems: 2 };
      const draft7 = lintOne(good({ inputSchema: obj({ p: tuple }, { $schema: 'http://json-schema.org/draft-07/schema#' }) }));
      assert.deepEqual(rules(draft7).filter((r) => r === 'schema-invalid'), []);
      const in2020 = lintOne(good({ inputSchema: obj({ p: tuple }) }));
      assert.ok(in2020.some((x) => x.rule === 'schema-invalid'), 'array-form items is invalid in 2020-12');
    });
    it('reports an unresolvable $ref at the $ref', () => {
      const f = lintOne(good({ inputSchema: obj({ p: { $ref: 'https://example.com/x.json', description: 'p' } }) }));
      const hit = f.find((x) => x.rule === 'schema-invalid');
      assert.equal(hit?.path, '/inputSchema/properties/p/$ref');
      assert.match(hit!.message, /self-contained/);
    });
    it('compiles only schemas that a compile can still find wrong, and finds what the compile finds', () => {
      const checker = new SchemaChecker();
      const linter = new ToolLinter(checker);
      const plain = good({ inputSchema: obj({ n: { type: 'integer', description: 'n', minimum: 0 }, s: { type: 'string', description: 's', pattern: '^[a-z]+$', maxLength: 9 } }) });
      assert.deepEqual(linter.lint([{ server: 's', tools: [plain] }]), []);
      assert.equal(checker.compiles, 0, 'a schema without references or risky patterns needs only the meta-schema check');
      // Mistakes that pass the meta-schema and only ajv's compile reports, each at its own keyword.
      const compileOnly: [string, Record<string, unknown>, RegExp][] = [
        ['empty enum', { e: { enum: [], description: 'e' } }, /enum must have non-empty array/],
        ['pattern invalid as a Unicode RegExp', { p: { type: 'string', description: 'p', maxLength: 5, pattern: '\\-[\\w-]' } }, /Invalid regular expression/],
        ['draft-04 "id" keyword', { i: { id: 'x', type: 'string', description: 'i', maxLength: 5 } }, /NOT SUPPORTED/],
        ['unresolvable local $ref', { r: { $ref: '#/$defs/missing', description: 'r' } }, /cannot be resolved/],
      ];
      for (const [what, properties, message] of compileOnly) {
        const hit = linter.lint([{ server: 's', tools: [good({ name: `t${what.length}`, inputSchema: obj(properties) })] }]).find((x) => x.rule === 'schema-invalid');
        assert.ok(hit, `${what} is reported`);
        assert.match(hit.message, message, what);
      }
      assert.equal(checker.compiles, compileOnly.length);
    });
    it('reports a dialect ajv cannot compile', () => {
      const f = lintOne(good({ inputSchema: obj({}, { $schema: 'http://json-schema.org/draft-04/schema#' }) }));
      assert.match(f.find((x) => x.rule === 'schema-invalid')!.message, /draft-04/);
    });
    it('accepts known formats (ajv-formats) and checks outputSchema too', () => {
      assert.deepEqual(lintOne(good({ inputSchema: obj({ u: { type: 'string', format: 'uri', description: 'u' } }) })), []);
      const f = lintOne(good({ outputSchema: obj({ t: { type: 'strnig' } }) }));
      assert.equal(f.find((x) => x.rule === 'schema-invalid')?.path, '/outputSchema/properties/t/type');
    });
  });

  describe('schema-not-object', () => {
    it('flags a missing inputSchema, a non-object type and an array', () => {
      assert.deepEqual(rules(lintOne({ name: 'x', description: 'Does x.' })), ['schema-not-object']);
      const typed = lintOne(good({ inputSchema: { type: 'string' } }));
      assert.equal(typed.find((x) => x.rule === 'schema-not-object')?.path, '/inputSchema/type');
      assert.ok(lintOne(good({ inputSchema: [] })).some((x) => x.rule === 'schema-not-object'));
      assert.ok(lintOne(good({ outputSchema: { type: 'array' } })).some((x) => x.rule === 'schema-not-object' && x.path === '/outputSchema/type'));
    });
  });

  describe('required-unknown', () => {
    it('points at the required entry that has no property', () => {
      const f = lintOne(good({ inputSchema: obj({ city: { type: 'string', description: 'c', maxLength: 9 } }, { required: ['city', 'country'], additionalProperties: false }) }));
      const hit = f.find((x) => x.rule === 'required-unknown');
      assert.equal(hit?.path, '/inputSchema/required/1');
      assert.match(hit!.message, /"country".*no call can ever be valid/);
    });
    it('accepts names matched by patternProperties and oneOf branches naming parent properties', () => {
      const schema = obj({ a: { type: 'number', description: 'a' }, b: { type: 'number', description: 'b' } }, { oneOf: [{ required: ['a'] }, { required: ['b'] }] });
      assert.deepEqual(rules(lintOne(good({ inputSchema: schema }))), []);
      const pat = obj({}, { patternProperties: { '^x_': { type: 'number' } }, required: ['x_1'] });
      assert.deepEqual(rules(lintOne(good({ inputSchema: pat }))), []);
      const bad = obj({ a: { type: 'number', description: 'a' } }, { anyOf: [{ required: ['zz'] }] });
      assert.equal(lintOne(good({ inputSchema: bad })).find((x) => x.rule === 'required-unknown')?.path, '/inputSchema/anyOf/0/required/0');
    });
  });

  describe('schema-unbounded', () => {
    it('hints at content-like strings without maxLength and arrays without maxItems', () => {
      const f = lintOne(good({ inputSchema: obj({ content: { type: 'string', description: 'c' }, ids: { type: 'array', items: { type: 'number' }, description: 'i' }, city: { type: 'string', description: 'x' } }) }));
      const hits = f.filter((x) => x.rule === 'schema-unbounded');
      assert.deepEqual(hits.map((h) => h.path).sort(), ['/inputSchema/properties/content', '/inputSchema/properties/ids']);
      assert.equal(hits[0].severity, 'info');
    });
    it('is quiet for bounded or enumerated values', () => {
      const f = lintOne(good({ inputSchema: obj({ content: { type: 'string', description: 'c', maxLength: 10 }, query: { type: 'string', enum: ['a'], description: 'q' }, ids: { type: 'array', maxItems: 3, description: 'i' } }) }));
      assert.deepEqual(f, []);
    });
  });

  describe('annotation-conflict', () => {
    it('flags readOnlyHint with destructiveHint, readOnly with idempotentHint false, and non-boolean hints', () => {
      assert.equal(lintOne(good({ annotations: { readOnlyHint: true, destructiveHint: true } }))[0]?.path, '/annotations/destructiveHint');
      assert.equal(lintOne(good({ annotations: { readOnlyHint: true, idempotentHint: false } }))[0]?.path, '/annotations/idempotentHint');
      assert.equal(lintOne(good({ annotations: { readOnlyHint: 'yes' } }))[0]?.rule, 'annotation-conflict');
      assert.deepEqual(lintOne(good({ annotations: { readOnlyHint: true, openWorldHint: false } })), []);
      assert.deepEqual(lintOne(good({ annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false } })), []);
    });
  });

  describe('name-invalid', () => {
    it('accepts 1–128 chars of [A-Za-z0-9_.-] and rejects others with the reason', () => {
      for (const name of ['a', 'get.weather-v2_x', 'x'.repeat(128)]) assert.deepEqual(lintOne(good({ name })), [], name);
      assert.match(lintOne(good({ name: 'get weather' }))[0].message, /contains " "/);
      assert.match(lintOne(good({ name: 'x'.repeat(129) }))[0].message, /129 characters/);
      assert.match(lintOne(good({ name: '' }))[0].message, /empty/);
      assert.match(lintOne(good({ name: 'gеt' }))[0].message, /"е"/, 'Cyrillic look-alike');
      assert.equal(lintOne(good({ name: undefined })).find((x) => x.rule === 'name-invalid')?.path, '');
    });
  });

  describe('name-collision', () => {
    it('flags the same name on two servers, on both, and duplicates within a server', () => {
      const f = lintTools([{ server: 'a', tools: [good()] }, { server: 'b', tools: [good()] }]);
      const hits = f.filter((x) => x.rule === 'name-collision');
      assert.deepEqual(hits.map((h) => h.server).sort(), ['a', 'b']);
      assert.match(hits[0].message, /also offered by "b"/);
      const dup = lintTools([{ server: 'a', tools: [good(), good()] }]).filter((x) => x.rule === 'name-collision');
      assert.match(dup[0].message, /more than once/);
      assert.deepEqual(lintTools([{ server: 'a', tools: [good()] }, { server: 'b', tools: [good({ name: 'other' })] }]), []);
    });
  });

  describe('description-missing', () => {
    it('flags a tool and a nested parameter without description, with the insertion pointer', () => {
      const f = lintOne({ name: 'x', inputSchema: obj({ opts: { type: 'object', description: 'o', properties: { deep: { type: 'number' } } } }) });
      const hits = f.filter((x) => x.rule === 'description-missing');
      assert.deepEqual(hits.map((h) => h.path), ['', '/inputSchema/properties/opts/properties/deep']);
      assert.deepEqual(hits.map((h) => h.fix), [
        { kind: 'add-description', title: 'Add a description', path: '/description' },
        { kind: 'add-description', title: 'Add a description', path: '/inputSchema/properties/opts/properties/deep/description' },
      ]);
      assert.ok(lintOne(good({ description: '   ' })).some((x) => x.rule === 'description-missing' && x.path === '/description'));
    });
    it('is quiet for parameters that name, schema or a described tool explain; flags the rest', () => {
      const described = 'Move or rename a file. Fails when the destination exists.';
      const params = {
        path: { type: 'string' }, // self-explanatory name
        destination: { type: 'string' }, // named in the tool description
        mode: { type: 'string', enum: ['copy', 'move'] }, // the values say it
        edits: { type: 'array', maxItems: 5, items: { type: 'object', properties: { from: { type: 'string', description: 'Old text.', maxLength: 9 } } } }, // fields described
        excludePatterns: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 9 } }, // unexplained
      };
      const paths = (tool: unknown) => lintOne(tool).filter((x) => x.rule === 'description-missing').map((x) => x.path);
      assert.deepEqual(paths(good({ description: described, inputSchema: obj(params) })), ['/inputSchema/properties/excludePatterns']);
      // Without a real tool description only the schema can explain a parameter.
      assert.deepEqual(paths(good({ description: 'Moves.', inputSchema: obj(params) })), ['/inputSchema/properties/path', '/inputSchema/properties/destination', '/inputSchema/properties/excludePatterns']);
    });
  });

  describe('description-cost', () => {
    it('reports the token count at or above the threshold only', () => {
      const long = good({ description: 'Returns the weather. '.repeat(300) });
      const hit = lintOne(long).find((x) => x.rule === 'description-cost');
      assert.ok(hit && hit.tokens! > 1000, 'long description over the default threshold');
      assert.match(hit.message, new RegExp(`costs ${hit.tokens} tokens`));
      assert.equal(lintOne(good()).find((x) => x.rule === 'description-cost'), undefined);
      const low = lintOne(good(), { descriptionTokenThreshold: 10 }).find((x) => x.rule === 'description-cost');
      assert.ok(low && low.tokens! >= 10 && low.tokens! < 100);
    });
    it('counts special-token text instead of throwing', () => {
      assert.ok(lintOne(good({ description: 'a <|endoftext|> b' }), { descriptionTokenThreshold: 1 }).some((x) => x.rule === 'description-cost'));
    });
  });

  describe('settings', () => {
    it('turns rules off and re-grades them', () => {
      const tool = { name: 'x', inputSchema: obj() };
      assert.deepEqual(lintOne(tool, { rules: { 'description-missing': 'off' } }), []);
      assert.equal(lintOne(tool, { rules: { 'description-missing': 'error' } })[0].severity, 'error');
      assert.equal(lintOne(tool, { rules: { 'description-missing': 'bogus' as never } })[0].severity, ruleInfo('description-missing').defaultSeverity);
    });
    it('explains unknown rule ids and values in settings', () => {
      assert.deepEqual(checkRuleSettings({ 'hidden-unicode': 'off' }, RULE_IDS), []);
      assert.match(checkRuleSettings({ nope: 'off' }, RULE_IDS)[0], /"nope" is not a lint rule/);
      assert.match(checkRuleSettings({ 'hidden-unicode': 'loud' }, RULE_IDS)[0], /use "off", "info", "warning" or "error"/);
      assert.match(checkRuleSettings([], RULE_IDS)[0], /must be an object/);
    });
  });

  describe('robustness', () => {
    it('lints garbage entries without throwing', () => {
      const f = lintTools([{ server: 's', tools: [null, 42, 'x', { name: 5 }, { name: 'ok', description: 'd', inputSchema: { type: 'object', properties: { a: null } } }] }]);
      assert.ok(f.some((x) => x.tool === '#0' && x.rule === 'schema-not-object'));
      assert.ok(f.some((x) => x.tool === '#3' && x.rule === 'name-invalid'));
    });
    it('survives very deep schemas', () => {
      let schema: Record<string, unknown> = { type: 'object', description: 'leaf' };
      for (let i = 0; i < 150; i++) schema = { type: 'object', description: 'd', properties: { n: schema } };
      assert.doesNotThrow(() => lintOne(good({ inputSchema: schema })));
    });
  });

  describe('cache', () => {
    it('a re-lint of unchanged tools hits the content-hash cache and gives equal findings', () => {
      const linter = new ToolLinter(new SchemaChecker());
      const tools = [good(), { name: 'x', inputSchema: obj() }];
      const first = linter.lint([{ server: 's', tools }]);
      assert.equal(linter.cacheMisses, 2);
      const again = linter.lint([{ server: 's', tools: structuredClone(tools) }]);
      assert.equal(linter.cacheHits, 2);
      assert.deepEqual(again, first);
      const compiles = linter.schemas.misses;
      linter.lint([{ server: 's', tools: [good({ description: 'Changed.' })] }]);
      assert.equal(linter.cacheMisses, 3);
      assert.equal(linter.schemas.misses, compiles, 'same schema content is not recompiled');
    });
  });
});
