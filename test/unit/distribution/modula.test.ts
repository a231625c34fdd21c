// Modula distribution (spec §5.4): weight slots per live server in index order, hash % total slots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Modula } from '../../../src/distribution/modula';

// x=1, s1=1, third=3, server-two=2, alpha.example=5 (already in nutcracker's order).
const WEIGHTS = [1, 1, 3, 2, 5];
const SLOTS = [0, 1, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4];

test('the spec example has 12 slots: x s1 third×3 server-two×2 alpha.example×5', () => {
  const m = new Modula(WEIGHTS);
  assert.equal(m.size, 12);
  for (let h = 0; h < 36; h++) assert.equal(m.pick(h), SLOTS[h % 12], `hash ${h}`);
  assert.equal(m.pick(0xffffffff), SLOTS[0xffffffff % 12]);
  assert.deepEqual(m.pointsPerServer(), WEIGHTS);
});

test('removing a server drops its slots and changes the modulus', () => {
  const m = new Modula(WEIGHTS);
  m.rebuild([true, true, false, true, true]);
  const slots = [0, 1, 3, 3, 4, 4, 4, 4, 4];
  assert.equal(m.size, 9);
  for (let h = 0; h < 27; h++) assert.equal(m.pick(h), slots[h % 9], `hash ${h}`);
  assert.deepEqual(m.pointsPerServer(), [1, 1, 0, 2, 5]);
});

test('large weights work without a slot per unit of weight', () => {
  const m = new Modula([100000, 1]);
  assert.equal(m.size, 100001);
  assert.equal(m.pick(99999), 0);
  assert.equal(m.pick(100000), 1);
  assert.equal(m.pick(100001), 0);
});

test('no live server picks -1', () => {
  const m = new Modula([1, 2]);
  m.rebuild([false, false]);
  assert.equal(m.pick(7), -1);
});

test('picks equal a plain hash % slots reference for hashes across the whole uint32 range', () => {
  for (const weights of [[1, 1, 3, 2, 5], [7, 13, 1], [40000, 30000, 3]]) {
    const m = new Modula(weights);
    const owners: number[] = [];
    weights.forEach((w, i) => owners.push(...new Array<number>(w).fill(i)));
    let h = 0x2545f491;
    for (let n = 0; n < 5000; n++) {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      const hash = n % 2 === 0 ? h : (0xffffffff - (h % 1000)) >>> 0;
      assert.equal(m.pick(hash), owners[hash % owners.length], `weights ${weights} hash ${hash}`);
    }
  }
});
