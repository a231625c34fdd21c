// Ketama continuum (spec §5.3): float32 point counts, points from MD5("<name>-<j>"), the sorted
// continuum and the first-point->=hash lookup with wrap-around.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Ketama, ketamaPointCount, KETAMA_MAX_POINT_KEY } from '../../../src/distribution/ketama';

const bytes = (s: string): Buffer => Buffer.from(s);

function ketama(names: string[], weights: number[]): Ketama {
  return new Ketama(names.map(bytes), weights);
}

test('1 to 24 equal-weight servers get 160 points each', () => {
  for (let n = 1; n <= 24; n++) assert.equal(ketamaPointCount(1, n, n), 160, `n=${n}`);
});

test('float32 rounding gives 25 (and 47, 50, 55, 61, 71, 94, 100) equal servers 156 points each', () => {
  for (const n of [25, 47, 50, 55, 61, 71, 94, 100]) assert.equal(ketamaPointCount(1, n, n), 156, `n=${n}`);
  const k = ketama(Array.from({ length: 25 }, (_, i) => `s${i}`), new Array<number>(25).fill(1));
  assert.deepEqual(k.pointsPerServer(), new Array<number>(25).fill(156));
  assert.equal(k.size, 25 * 156);
});

test('weights 1,2,3 give 80, 160 and 240 points', () => {
  assert.deepEqual(ketama(['a', 'b', 'c'], [1, 2, 3]).pointsPerServer(), [80, 160, 240]);
});

test('weights 100000 and 1 give 316 and 0 points, and the 0-point server is never chosen', () => {
  const k = ketama(['big', 'tiny'], [100000, 1]);
  assert.deepEqual(k.pointsPerServer(), [316, 0]);
  for (let i = 0; i < k.size; i++) assert.equal(k.ownerAt(i), 0);
  for (let h = 0; h < 0x100000000; h += 0x1000193) assert.equal(k.pick(h), 0);
  assert.equal(k.pick(0xffffffff), 0);
});

test('weights 1,1,3,2,5 give 64, 64, 200, 132, 332 points (792 in all)', () => {
  const k = ketama(['x', 's1', 'third', 'server-two', 'alpha.example'], [1, 1, 3, 2, 5]);
  assert.deepEqual(k.pointsPerServer(), [64, 64, 200, 132, 332]);
  assert.equal(k.size, 792);
});

test('the five smallest points of the named 5-server pool match the spec', () => {
  const k = ketama(['x', 's1', 'third', 'server-two', 'alpha.example'], [1, 1, 3, 2, 5]);
  const first = Array.from({ length: 5 }, (_, i) => [k.valueAt(i), k.ownerAt(i)]);
  assert.deepEqual(first, [[6901281, 4], [15167000, 4], [15223763, 4], [16393065, 3], [20455045, 0]]);
});

test('a server\'s first MD5 gives its four points, little-endian', () => {
  const k = ketama(['127.0.0.1:6379'], [1]);
  const values = Array.from({ length: k.size }, (_, i) => k.valueAt(i));
  for (const p of [2344048390, 135292586, 1821951742, 687840887]) assert.ok(values.includes(p), `missing ${p}`);
});

test('the first four continuum points of two unnamed servers match the spec', () => {
  const k = ketama(['127.0.0.1:6379', '127.0.0.1:6380'], [1, 1]);
  const first = Array.from({ length: 4 }, (_, i) => [k.valueAt(i), k.ownerAt(i)]);
  assert.deepEqual(first, [[20075150, 0], [23409604, 1], [29345296, 1], [38654231, 0]]);
});

test('the continuum is sorted and lookup finds the first point >= hash, wrapping past the last', () => {
  const k = ketama(['127.0.0.1:6379', '127.0.0.1:6380', '127.0.0.1:6381'], [1, 2, 1]);
  for (let i = 1; i < k.size; i++) assert.ok(k.valueAt(i - 1) <= k.valueAt(i));
  for (let i = 0; i < k.size; i++) {
    const v = k.valueAt(i);
    // A hash equal to a point, or just above the previous one, lands on that point.
    const firstAtOrAbove = (h: number) => {
      for (let j = 0; j < k.size; j++) if (k.valueAt(j) >= h) return k.ownerAt(j);
      return k.ownerAt(0);
    };
    assert.equal(k.pick(v), firstAtOrAbove(v));
    if (v > 0) assert.equal(k.pick(v - 1), firstAtOrAbove(v - 1));
  }
  assert.equal(k.pick(0), k.ownerAt(0));
  assert.equal(k.pick(k.valueAt(k.size - 1) + 1), k.ownerAt(0));
  assert.equal(k.pick(0xffffffff), k.valueAt(k.size - 1) === 0xffffffff ? k.ownerAt(k.size - 1) : k.ownerAt(0));
});

test('lookup equals a linear scan of the continuum for hashes across the whole uint32 range', () => {
  const pools: Array<[string[], number[]]> = [
    [['only'], [1]],
    [['x', 's1', 'third', 'server-two', 'alpha.example'], [1, 1, 3, 2, 5]],
    [Array.from({ length: 25 }, (_, i) => `s${i}`), new Array<number>(25).fill(1)],
    [['big', 'tiny'], [100000, 1]],
  ];
  for (const [names, weights] of pools) {
    const k = ketama(names, weights);
    const linear = (h: number): number => {
      for (let j = 0; j < k.size; j++) if (k.valueAt(j) >= h) return k.ownerAt(j);
      return k.ownerAt(0);
    };
    let h = 0x9e3779b9;
    for (let n = 0; n < 3000; n++) {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      assert.equal(k.pick(h), linear(h), `${names.length} servers, hash ${h}`);
    }
    for (const edge of [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) assert.equal(k.pick(edge), linear(edge));
  }
});

test('rebuild with a server removed recounts points over the live servers only', () => {
  const names = Array.from({ length: 26 }, (_, i) => `node-${i}`);
  const k = ketama(names, new Array<number>(26).fill(1));
  assert.deepEqual(k.pointsPerServer(), new Array<number>(26).fill(160));
  const live = names.map((_, i) => i !== 7);
  k.rebuild(live);
  const expected = names.map((_, i) => (i === 7 ? 0 : 156));
  assert.deepEqual(k.pointsPerServer(), expected);
  for (let i = 0; i < k.size; i++) assert.notEqual(k.ownerAt(i), 7);
});

test('no live server leaves an empty continuum that picks -1', () => {
  const k = ketama(['a', 'b'], [1, 1]);
  k.rebuild([false, false]);
  assert.equal(k.size, 0);
  assert.equal(k.pick(12345), -1);
});

function md5Words(s: string): number[] {
  const d = createHash('md5').update(s).digest();
  return [0, 4, 8, 12].map((o) => d.readUInt32LE(o));
}

test('point keys longer than 272 bytes are cut to 272 bytes, as nutcracker 0.5.0 does', () => {
  // Verified against the Debian binary with 269..300-byte names: only the 272-byte cut matched.
  assert.equal(KETAMA_MAX_POINT_KEY, 272);
  // A 300-byte name: every "<name>-<j>" cuts to the same 272 bytes, so its 160 points are 4 values.
  const long = 'n'.repeat(300);
  const k = ketama([long, 'other'], [1, 1]);
  const own = new Set<number>();
  for (let i = 0; i < k.size; i++) if (k.ownerAt(i) === 0) own.add(k.valueAt(i));
  assert.deepEqual([...own].sort((a, b) => a - b), md5Words('n'.repeat(272)).sort((a, b) => a - b));
  // A 270-byte name: "-0".."-9" fit (272 bytes); "-10".."-39" lose their last digit and repeat "-1".."-3".
  const name270 = 'm'.repeat(270);
  const k270 = ketama([name270], [1]);
  const got = new Set(Array.from({ length: k270.size }, (_, i) => k270.valueAt(i)));
  const expected = new Set<number>();
  for (let j = 0; j < 10; j++) for (const w of md5Words(`${name270}-${j}`)) expected.add(w);
  assert.deepEqual([...got].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
});
