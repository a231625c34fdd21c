// The data path's views into received chunks must be indistinguishable from chunk.subarray(): same
// bytes, same memory, every Buffer method, and the backing-store cache must follow a change of chunk
// (including chunks that are themselves views at an offset of Node's shared pool).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { slice } from '../../../src/protocol/slice';

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
