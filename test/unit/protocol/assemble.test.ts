// Assembling merged replies: small ranges copied into one buffer (neighbours in one source as one
// run), big ones passed on as slices sharing the source's memory, head and tail in place, and the
// scratch's references dropped afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ranges, SLICE_FROM, assemble } from '../../../src/protocol/assemble';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (parts: Buffer[]): string => Buffer.concat(parts).toString('latin1');

/** Ranges from [source, start, end] triples. */
function rangesOf(list: [Buffer, number, number][]): Ranges {
  const r = new Ranges();
  r.reserve(list.length);
  list.forEach(([buf, s, e], i) => {
    let source = r.sources.indexOf(buf);
    if (source < 0) source = r.sources.push(buf) - 1;
    r.set(i, source, s, e);
  });
  return r;
}

test('small ranges become one buffer: head, the ranges in the order given, tail', () => {
  const x = b('0123456789');
  const y = b('abcdefghij');
  const r = rangesOf([
    [y, 2, 4],
    [x, 0, 3],
    [x, 3, 5],
    [y, 0, 1],
    [x, 9, 10],
  ]);
  const parts = assemble(r, 5, b('HEAD--'), 4, b('END'));
  assert.equal(parts.length, 1);
  assert.equal(text(parts), 'HEADcd01234a9END');
  assert.notEqual(parts[0].buffer, x.buffer, 'copied, not a view of a source');
});

test('many small ranges of a large reply stay one buffer', () => {
  const src = Buffer.alloc(200_000, 0x61);
  const list: [Buffer, number, number][] = [];
  for (let i = 0; i < 10_000; i++) list.push([src, (i * 37) % 199_000, ((i * 37) % 199_000) + 20]);
  const parts = assemble(rangesOf(list), list.length, b('*'), 1, null);
  assert.equal(parts.length, 1);
  assert.equal(parts[0].length, 1 + 10_000 * 20);
});

test('a big range is passed on as a slice of its source; what is around it is copied', () => {
  const big = Buffer.alloc(SLICE_FROM + 10, 0x42);
  const small = b('xyz');
  const r = rangesOf([
    [small, 0, 1],
    [big, 5, 5 + SLICE_FROM],
    [small, 1, 3],
    [big, 0, SLICE_FROM],
  ]);
  const parts = assemble(r, 4, b('<'), 1, b('>'));
  assert.deepEqual(
    parts.map((p) => p.length),
    [2, SLICE_FROM, 2, SLICE_FROM, 1],
  );
  assert.equal(parts[1].buffer, big.buffer, 'the big range is a view of its source');
  assert.equal(parts[1].byteOffset, big.byteOffset + 5);
  assert.equal(parts[3].buffer, big.buffer);
  assert.equal(parts[0].buffer, parts[2].buffer, 'the small runs share one copy');
  assert.equal(text(parts), `<x${'B'.repeat(SLICE_FROM)}yz${'B'.repeat(SLICE_FROM)}>`);
});

test('a range one byte short of the bound is copied; neighbours that reach it are not joined into a slice', () => {
  const src = Buffer.alloc(2 * SLICE_FROM, 0x43);
  const r = rangesOf([
    [src, 0, SLICE_FROM - 1],
    [src, SLICE_FROM - 1, 2 * SLICE_FROM - 2],
  ]);
  const parts = assemble(r, 2, b(''), 0, null);
  assert.equal(parts.length, 1);
  assert.notEqual(parts[0].buffer, src.buffer);
  assert.equal(parts[0].length, 2 * SLICE_FROM - 2);
});

test('only big ranges and no head: slices and the tail', () => {
  const big = Buffer.alloc(SLICE_FROM, 0x44);
  const parts = assemble(rangesOf([[big, 0, SLICE_FROM]]), 1, b(''), 0, b('END\r\n'));
  assert.equal(parts.length, 2);
  assert.equal(parts[0].buffer, big.buffer);
  assert.equal(parts[1].toString(), 'END\r\n');
});

test('the scratch forgets its sources once assembled', () => {
  const src = b('hello');
  const r = rangesOf([[src, 0, 5]]);
  assemble(r, 1, b(''), 0, null);
  assert.notEqual(r.sources[0], src);
  assert.equal(r.sources[0].length, 0);
});

test('ranges that touch by offset but come from different sources are copied each from its own', () => {
  const x = b('0123456789');
  const y = b('abcdefghij');
  const parts = assemble(rangesOf([[x, 0, 3], [y, 3, 5], [x, 5, 6]]), 3, b(''), 0, null);
  assert.equal(text(parts), '012de5');
});
