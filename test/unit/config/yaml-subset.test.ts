// The YAML nutcracker accepts (spec §2.1): encodings, one document, the token filter, the shape
// (root mapping of pools, each a mapping of scalars plus one block list), empty scalars, and the
// libyaml rules the `yaml` package does not share (tabs, keys split from their colon, loose quotes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readYamlSubset } from '../../../src/config/yaml-subset';

const GOOD = 'alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n';

function read(text: string | Buffer) {
  return readYamlSubset('t.yml', typeof text === 'string' ? Buffer.from(text) : text);
}

function codes(text: string | Buffer): string[] {
  return read(text).problems.map((p) => p.code);
}

function messages(text: string | Buffer): string[] {
  return read(text).problems.map((p) => p.message);
}

test('a good file gives its pools as strings with line numbers', () => {
  const r = read(GOOD);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pools, [
    {
      name: { text: 'alpha', line: 1 },
      directives: [
        { key: { text: 'listen', line: 2 }, values: [{ text: '127.0.0.1:22121', line: 2 }], list: false },
        { key: { text: 'servers', line: 3 }, values: [{ text: '127.0.0.1:6379:1', line: 4 }], list: true },
      ],
    },
  ]);
});

test('values keep their text: no YAML 1.1 booleans, numbers or nulls', () => {
  const r = read('a:\n  redis: yes\n  timeout: 010\n  hash: ~\n  servers:\n    - null\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pools[0].directives.map((d) => d.values[0].text), ['yes', '010', '~', 'null']);
});

test('quotes, block scalars and comments are read as libyaml reads them', () => {
  const r = read("a: # c\n  k1: 'it''s'\n  k2: \"x\\ty\"\n  k3: |-\n    line\n  servers: # c\n    - \"s:1:1 n\" # c\n");
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pools[0].directives.map((d) => d.values[0].text), ["it's", 'x\ty', 'line', 's:1:1 n']);
});

test('an empty or comment-only file has no document', () => {
  assert.deepEqual(messages(''), [`conf: 't.yml' must contain only 1 document; found 0 documents`]);
  assert.deepEqual(codes('# nothing\n\n'), ['CONF_DOCUMENT_COUNT']);
});

test('a second document is refused', () => {
  assert.deepEqual(messages(`${GOOD}---\n${GOOD}`), [`conf: 't.yml' must contain only 1 document; found 2 documents`]);
});

test('every disallowed token is refused with libyaml token number and its line', () => {
  const cases: [string, string][] = [
    [`---\n${GOOD}`, 'document start token (5) is disallowed'],
    [`${GOOD}...\n`, 'document end token (6) is disallowed'],
    [`%YAML 1.1\n---\n${GOOD}`, 'version directive token (3) is disallowed'],
    [`%TAG !e! tag:e.com,2000:\n---\n${GOOD}`, 'tag directive token (4) is disallowed'],
    ['a:\n  listen: x:1\n  servers: [s:1:1]\n', 'flow sequence start token (10) is disallowed'],
    ['a: {listen: x}\n', 'flow mapping start token (12) is disallowed'],
    [`${GOOD}  hash: &h md5\n`, 'anchor token (19) is disallowed'],
    [`${GOOD}  hash: !!str md5\n`, 'tag token (20) is disallowed'],
  ];
  for (const [text, message] of cases) {
    const got = messages(text);
    assert.equal(got.length >= 1, true, message);
    assert.match(got[0], new RegExp(`^conf: ${message.replace(/[()]/g, '\\$&')}: only block mappings`), text);
  }
  assert.equal(read(`---\n${GOOD}`).problems[0].line, 1);
  assert.equal(read(`${GOOD}...\n`).problems[0].line, 5);
});

test('an alias is refused (with its anchor)', () => {
  const r = read(`${GOOD}  hash: &h md5\nb:\n  listen: 127.0.0.1:22122\n  hash: *h\n  servers:\n    - s:1:1\n`);
  assert.deepEqual(r.problems.map((p) => p.message.slice(0, 40)), ['conf: anchor token (19) is disallowed: o', 'conf: alias token (18) is disallowed: on']);
});

test('a flow collection on one line is one problem', () => {
  assert.equal(read('a:\n  listen: x:1\n  servers: [s:1:1, t:1:1]\n').problems.length, 1);
});

test('YAML syntax errors name the line', () => {
  const r = read('a:\n  listen: "127.0.0.1:22121\n  servers:\n    - s:1:1\n');
  assert.equal(r.problems[0].code, 'CONF_YAML_SYNTAX');
  assert.match(r.problems[0].message, /^conf: 't.yml' is not valid YAML: .+ \(line \d+\)$/);
});

test('a tab where libyaml expects a token is a syntax error: indentation, after "- ", blank lines', () => {
  for (const text of [
    GOOD.replace('  listen', '\tlisten'),
    GOOD.replace('- ', '-\t'),
    `${GOOD}\t\n`,
    `${GOOD}\t# comment\n`,
    'a:\n  ?\tlisten\n  : x:1\n  servers:\n    - s:1:1\n',
  ]) {
    const r = read(text);
    assert.equal(r.problems[0]?.code, 'CONF_YAML_SYNTAX', JSON.stringify(text));
  }
  assert.equal(read(`${GOOD}\t\n`).problems[0].line, 5);
});

test('a tab after a key colon or after a value is fine, as in libyaml', () => {
  assert.deepEqual(codes(GOOD.replace('listen: ', 'listen:\t')), []);
  assert.deepEqual(codes(GOOD.replace('22121\n', '22121\t# c\n')), []);
});

test('a key and its colon on different lines is a syntax error; an explicit "? key" is not', () => {
  const r = read('a:\n  listen: x:1\n  timeout\n    : 100\n  servers:\n    - s:1:1\n');
  assert.deepEqual(r.problems.map((p) => [p.code, p.line]), [['CONF_YAML_SYNTAX', 4]]);
  assert.deepEqual(codes('a:\n  ? listen\n  : x:1\n  servers:\n    - s:1:1\n'), []);
});

test('a quoted scalar may continue at any column, as libyaml allows', () => {
  const r = read('a:\n  listen: x:1\n  servers:\n    - "s:1:1\nname"\n');
  assert.deepEqual(r.problems, []);
  assert.equal(r.pools[0].directives[1].values[0].text, 's:1:1 name');
});

test('a comment may follow a quoted scalar without a space, as libyaml allows', () => {
  const r = read("a:\n  listen: 'x:1'#c\n  servers:\n    - s:1:1\n");
  assert.deepEqual(r.problems, []);
  assert.equal(r.pools[0].directives[0].values[0].text, 'x:1');
});

test('CRLF, lone CR and NEL all end lines', () => {
  assert.deepEqual(codes(GOOD.replace(/\n/g, '\r\n')), []);
  assert.deepEqual(codes(GOOD.replace(/\n/g, '\r')), []);
  assert.deepEqual(codes(GOOD.replace(/\n/g, '\u0085')), []);
});

test('UTF-8 with or without BOM and UTF-16 with BOM are read', () => {
  assert.deepEqual(codes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)])), []);
  assert.deepEqual(codes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')])), []);
  const be = Buffer.from(GOOD, 'utf16le').swap16();
  assert.deepEqual(codes(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), []);
});

test('bytes that are not UTF-8 are refused with their line', () => {
  assert.deepEqual(messages(Buffer.concat([Buffer.from(GOOD), Buffer.from([0x23, 0xe9, 0x0a])])), [`conf: 't.yml' is not valid UTF-8 (line 5)`]);
});

test('control characters are refused with their line', () => {
  assert.deepEqual(messages(`${GOOD}# a\u0001b\n`), [`conf: 't.yml' contains the control character U+0001, which YAML does not allow (line 5)`]);
  assert.deepEqual(codes(`${GOOD}\u0000`), ['CONF_ENCODING']);
});

test('the root must be a mapping', () => {
  assert.deepEqual(messages('alpha\n'), [`conf: 't.yml' has invalid empty "key:" at depth 0: the top level must map pool names to pools (line 1)`]);
  assert.deepEqual(messages('- alpha\n'), [`conf: 't.yml' has sequence at depth 0 instead of 2: only a pool's "servers:" may be a list (line 1)`]);
});

test('a pool must be a mapping', () => {
  assert.deepEqual(messages(`${GOOD}beta: 1\n`), [`conf: pool 'beta' has invalid mapping "key:" at depth 1: a pool must be a mapping of directives (line 5)`]);
  assert.deepEqual(codes(`${GOOD}beta:\n`), ['CONF_POOL_NOT_MAPPING']);
  assert.deepEqual(codes('alpha:\n  - s:1:1\n'), ['CONF_SEQUENCE_DEPTH']);
});

test('a pool name must be a scalar', () => {
  assert.deepEqual(codes('? a: b\n: listen: x\n'), ['CONF_POOL_KEY_NOT_SCALAR']);
});

test('nothing may nest deeper than a pool directive or a server entry', () => {
  assert.deepEqual(messages(`${GOOD}  hash:\n    name: md5\n`), [
    `conf: pool 'alpha' has a depth greater than 2: directive "hash" holds a nested mapping (line 6)`,
  ]);
  assert.deepEqual(codes('alpha:\n  listen: x:1\n  servers:\n    - 127.0.0.1:6379:\n'), ['CONF_TOO_DEEP']);
});

test('a pool has exactly one list', () => {
  assert.deepEqual(messages('alpha:\n  listen: x:1\n'), [
    `conf: pool 'alpha' missing sequence directive at depth 2: "servers:" must be a "- " list (line 1)`,
  ]);
  assert.deepEqual(codes('alpha:\n  listen: x:1\n  servers:\n'), ['CONF_MISSING_SEQUENCE']);
  assert.deepEqual(messages(`${GOOD}  hash:\n    - md5\n`), [
    `conf: pool 'alpha' has more than one sequence directive: "hash" is a second list (line 6)`,
  ]);
  assert.deepEqual(codes(`${GOOD}    - - x\n`), ['CONF_SECOND_SEQUENCE']);
});

test('a pool of the wrong shape is left out, the others are kept', () => {
  const r = read(`${GOOD}beta:\n  listen: x:2\n`);
  assert.deepEqual(r.pools.map((p) => p.name.text), ['alpha']);
  assert.deepEqual(r.problems.map((p) => p.pool), ['beta']);
});

test('empty scalars are refused: pool names, directive names, values and list items', () => {
  assert.deepEqual(messages(GOOD.replace('alpha', '""')), [`conf: 't.yml' has an empty pool name (line 1)`]);
  assert.deepEqual(messages(`${GOOD}  "": x\n`), [`conf: pool 'alpha' has an empty directive name (line 5)`]);
  assert.deepEqual(messages(`${GOOD}  hash:\n`), [`conf: pool 'alpha' directive "hash" has an empty value (line 5)`]);
  assert.deepEqual(messages(`${GOOD}  hash: ''\n`), [`conf: pool 'alpha' directive "hash" has an empty value (line 5)`]);
  assert.deepEqual(messages(`${GOOD}    -\n`), [`conf: pool 'alpha' directive "servers" has an empty value (line 5)`]);
});

test('duplicate keys are left to the loader (nutcracker reports them as duplicates)', () => {
  const r = read(`${GOOD}  hash: a\n  hash: b\n`);
  assert.deepEqual(r.problems, []);
  assert.equal(r.pools[0].directives.filter((d) => d.key.text === 'hash').length, 2);
});
