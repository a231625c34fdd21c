// The mbuf chunk size (`-m`, spec §3.5): nutcracker's bounds and messages, and the Redis key limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MBUF_SIZE, maxRedisKeyLength, parseMbufSize } from '../../../src/config/mbuf-size';

test('sizes from 512 to 16777216 bytes are accepted', () => {
  assert.equal(parseMbufSize('512'), 512);
  assert.equal(parseMbufSize('16384'), MBUF_SIZE.default);
  assert.equal(parseMbufSize('16777216'), 16777216);
});

test('zero, signs and words need a non-zero number', () => {
  for (const bad of ['0', '-5', '+5', 'abc', '', '2147483648']) {
    assert.deepEqual(parseMbufSize(bad), { error: 'option -m requires a non-zero number' }, bad);
  }
});

test('sizes out of bounds are refused with nutcracker message', () => {
  for (const bad of ['511', '16777217']) {
    assert.deepEqual(parseMbufSize(bad), { error: 'mbuf chunk size must be between 512 and 16777216 bytes' }, bad);
  }
});

test('the number wraps like a C int, as nutcracker: 4294967808 is 512', () => {
  assert.equal(parseMbufSize('4294967808'), 512);
});

test('a Redis key must be shorter than the chunk minus its 48-byte header', () => {
  assert.equal(maxRedisKeyLength(16384), 16335);
  assert.equal(maxRedisKeyLength(512), 463);
});
