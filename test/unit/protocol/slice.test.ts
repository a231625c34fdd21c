// The data path's views into received chunks must be indistinguishable from chunk.subarray(): same
// bytes, same memory, every Buffer method, and the backing-store cache must follow a change of chunk
// (including chunks that are themselves views at an offset of Node's shared pool). allocSmall's
// buffers must never overlap one another, small or large, across pool refills.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { allocSmall, slice, sliceOrWhole } from '../../../src/protocol/slice';
import { Msg } from '../../../src/proxy/msg';

test('a view is a Buffer over the same bytes as subarray', () => {
  const chunk = Buffer.from('hello, world');
  const v = slice(chunk, 7, 12);
  assert.ok(Buffer.isBuffer(v));
  assert.ok(v instanceof Buffer);
  assert.equal(v.toString(), 'world');
  assert.ok(v.equals(chunk.subarray(7, 12)));
  assert.equal(v.byteOffset, chunk.subarray(7, 12).byteOffset);
  assert.equal(v.buffer, chunk.buffer);
  chunk[7] = 0x57; // shares memory: writes through the chunk show in the view
  assert.equal(v.toString(), 'World');
  assert.equal(v.readUInt8(0), 0x57);
  assert.equal(inspect(v), inspect(chunk.subarray(7, 12)));
  assert.equal(Buffer.concat([v, slice(chunk, 5, 7)]).toString(), 'World, ');
  assert.equal(v.subarray(1, 3).toString(), 'or');
  assert.equal(slice(chunk, 3, 3).length, 0);
});

test('views of alternating chunks each come from their own chunk', () => {
  // Small allocUnsafe buffers share one pool ArrayBuffer at different offsets: exactly the case
  // where a stale cached offset would show the wrong bytes.
  const a = Buffer.allocUnsafe(16).fill('a');
  const b = Buffer.allocUnsafe(16).fill('b');
  const big = Buffer.alloc(100_000, 'c');
  for (let i = 0; i < 5; i++) {
    assert.equal(slice(a, 1, 4).toString(), 'aaa');
    assert.equal(slice(b, 2, 4).toString(), 'bb');
    assert.equal(slice(big, 99_990, 100_000).toString(), 'cccccccccc');
  }
});

test('sliceOrWhole: the chunk itself when the range is all of it, else a view', () => {
  const chunk = Buffer.from('*1\r\n$4\r\nPING\r\n');
  assert.equal(sliceOrWhole(chunk, 0, chunk.length), chunk);
  for (const [s, e] of [[0, chunk.length - 1], [1, chunk.length], [4, 8]]) {
    const v = sliceOrWhole(chunk, s, e);
    assert.notEqual(v, chunk);
    assert.ok(v.equals(chunk.subarray(s, e)));
  }
});

test('a request with no parts yet shares nothing with the next one: pushPart never pushes onto the shared empty list', () => {
  const a = new Msg();
  const b = new Msg();
  a.pushPart(Buffer.from('x'));
  a.pushPart(Buffer.from('yz'));
  b.pushPart(Buffer.from('w'));
  assert.deepEqual(a.parts.map(String), ['x', 'yz']);
  assert.equal(a.bytes, 3);
  assert.deepEqual(b.parts.map(String), ['w']);
  assert.equal(new Msg().parts.length, 0);
});

test('allocSmall: Buffers of the asked size that never overlap, across pool refills and for large sizes', () => {
  const made: Buffer[] = [];
  // 3,000 buffers of 1..200 bytes span several 8 KiB pools; sizes from 4 KiB go to Buffer.allocUnsafe.
  for (let i = 0; i < 3000; i++) made.push(allocSmall(1 + ((i * 37) % 200)));
  made.push(allocSmall(4096), allocSmall(70_000), allocSmall(0));
  made.forEach((b, i) => b.fill(i % 251));
  made.forEach((b, i) => {
    assert.ok(Buffer.isBuffer(b));
    assert.equal(b.length, i < 3000 ? 1 + ((i * 37) % 200) : [4096, 70_000, 0][i - 3000]);
    assert.ok(b.every((x) => x === i % 251), `buffer ${i} was overwritten by another`);
  });
  assert.equal(slice(made[5], 1, 3).length, 2);
  assert.equal(Buffer.concat([made[1], made[2]]).length, made[1].length + made[2].length);
});
