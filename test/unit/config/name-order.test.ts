// nutcracker's name order (spec §2.7): shorter names first, equal lengths by bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNames } from '../../../src/config/name-order';

test('shorter names sort first whatever their bytes', () => {
  assert.deepEqual(['zeta', 'alpha', 'mid'].sort(compareNames), ['mid', 'zeta', 'alpha']);
  assert.deepEqual(['rpool', 'mpool', 'ab'].sort(compareNames), ['ab', 'mpool', 'rpool']);
});

test('equal lengths compare bytes, so upper case sorts before lower case', () => {
  assert.deepEqual(['b', 'B', 'a'].sort(compareNames), ['B', 'a', 'b']);
  assert.equal(compareNames('same', 'same'), 0);
});

test('length is counted in UTF-8 bytes', () => {
  // é is two bytes (c3 a9): longer than 'a', and after 'zz' (7a 7a) byte by byte.
  assert.deepEqual(['\u00e9', 'zz', 'a'].sort(compareNames), ['a', 'zz', '\u00e9']);
  assert.ok(compareNames('\u00e9', 'zzz') < 0);
  assert.ok(compareNames('\u00e9', 'z') > 0);
});
