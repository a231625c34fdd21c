// Hash-tag extraction, spec §5 step 2: every example from the spec with `{}` and `$$`, and keys that
// sit inside a larger buffer (the tag search must stop at the key's end).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashTag } from '../../../src/distribution/hash-tag';

function tagged(key: string, tag: string, before = '', after = ''): string {
  const buf = Buffer.from(before + key + after, 'latin1');
  const span = new Int32Array(2);
  const start = before.length;
  hashTag(buf, start, start + key.length, tag.charCodeAt(0), tag.charCodeAt(1), span);
  return buf.subarray(span[0], span[1]).toString('latin1');
}

const BRACES: Array<[string, string]> = [
  ['user:{123}:a', '123'],
  ['{}abc', '{}abc'],
  ['ab{', 'ab{'],
  ['a}b{c}', 'c'],
  ['{x}', 'x'],
  ['{{x}}', '{x'],
  ['plain', 'plain'],
  ['', ''],
  ['{abc', '{abc'],
  ['abc}', 'abc}'],
];

test('with {} the hashed part is the first non-empty tag, else the whole key', () => {
  for (const [key, part] of BRACES) assert.equal(tagged(key, '{}'), part, key);
});

test('with $$ the same byte opens and closes the tag', () => {
  assert.equal(tagged('a$b$c', '$$'), 'b');
  assert.equal(tagged('$$abc', '$$'), '$$abc');
  assert.equal(tagged('$', '$$'), '$');
  assert.equal(tagged('x$$y$', '$$'), 'x$$y$');
});

test('only the first left byte counts, even when its tag is empty', () => {
  // nutcracker does not look for a later tag after an empty `{}`.
  assert.equal(tagged('{}{abc}', '{}'), '{}{abc}');
});

test('the tag search never reads outside the key bytes', () => {
  assert.equal(tagged('ab{c', '{}', '', '}zz'), 'ab{c');
  assert.equal(tagged('abc}', '{}', '{', ''), 'abc}');
  assert.equal(tagged('k{1}', '{}', '{0}', '{2}'), '1');
});

test('bytes above 0x7f work as tag bytes', () => {
  assert.equal(tagged('a\xabkey\xbbb', '\xab\xbb'), 'key');
});
