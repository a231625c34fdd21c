// The shared test randomness (random.ts): seeds reproduce exactly, and every chunking of a buffer
// puts the same bytes back together, in chunks of the promised sizes, as views or as copies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkings, randomBytes, randomChunks, randomInt, randomTokens, rng } from './random';

test('rng is mulberry32: seed 1 starts with the reference value, and a seed replays its sequence', () => {
  const a = rng(1);
  assert.equal(a(), 0.6270739405881613);
  const first = Array.from({ length: 100 }, rng(42));
  assert.deepEqual(Array.from({ length: 100 }, rng(42)), first);
  assert.notDeepEqual(Array.from({ length: 100 }, rng(43)), first);
  assert.ok(first.every((x) => x >= 0 && x < 1));
});

test('randomInt stays in 0..n-1 and randomBytes draws every byte value', () => {
  const next = rng(7);
  const ints = Array.from({ length: 1000 }, () => randomInt(next, 3));
  assert.deepEqual([...new Set(ints)].sort(), [0, 1, 2]);
  const bytes = randomBytes(rng(8), 20_000);
  assert.equal(bytes.length, 20_000);
  assert.equal(new Set(bytes).size, 256);
  assert.ok(randomBytes(rng(8), 64).equals(bytes.subarray(0, 64)), 'the same seed gives the same bytes');
});

test('randomTokens mixes whole tokens with single random bytes', () => {
  const out = randomTokens(rng(3), ['AB', 'CD'], 200, 0.5);
  const text = out.toString('latin1');
  assert.ok(text.includes('AB') && text.includes('CD'));
  assert.ok(out.length > 200 && out.length < 400, `length ${out.length}`);
  assert.equal(randomTokens(rng(3), ['x'], 0, 1).length, 0);
});

test('randomChunks covers the buffer in order with chunks of 1..maxChunk bytes, as views or copies', () => {
  const buf = randomBytes(rng(9), 5000);
  for (const copy of [false, true]) {
    const chunks = randomChunks(buf, 11, 13, copy);
    assert.ok(Buffer.concat(chunks).equals(buf));
    assert.ok(chunks.every((c) => c.length >= 1 && c.length <= 13));
    assert.ok(chunks.some((c) => c.length === 13) && chunks.some((c) => c.length === 1));
    assert.equal(chunks.every((c) => c.buffer === buf.buffer), !copy, copy ? 'copies have their own memory' : 'views share it');
  }
  assert.deepEqual(randomChunks(buf, 11, 13).map((c) => c.length), randomChunks(buf, 11, 13).map((c) => c.length), 'a seed replays its split');
});

test('chunkings gives whole, byte by byte and one random split per seed, each reassembling the input', () => {
  const buf = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n');
  const ways = chunkings(buf, { seeds: [4, 5], maxChunk: 6 });
  assert.deepEqual(ways.map((w) => w.how), ['whole', 'byte by byte', 'random split seed 4 (1..6 bytes)', 'random split seed 5 (1..6 bytes)']);
  assert.deepEqual(ways[0].chunks.map((c) => c.length), [buf.length]);
  assert.ok(ways[1].chunks.every((c) => c.length === 1));
  for (const { how, chunks } of ways) assert.ok(Buffer.concat(chunks).equals(buf), how);
  const defaults = chunkings(buf);
  assert.equal(defaults.length, 7, 'five random splits by default');
  assert.equal(defaults[6].how, 'random split seed 5 (1..16 bytes)');
});
