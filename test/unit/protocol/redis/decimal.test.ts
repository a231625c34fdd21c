// The decimal writer behind every RESP length line we build (`*<n>`, `$<n>`): fast paths for one and
// two digits, a loop beyond; checked against String(n) at every boundary and across a dense range.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decLen, writeDec } from '../../../../src/protocol/redis/replies';

function written(n: number, at: number): string {
  const buf = Buffer.alloc(at + 24, 0x2e);
  const end = writeDec(buf, at, n);
  assert.equal(end, at + decLen(n), `end position for ${n}`);
  assert.equal(buf[end], 0x2e, `writeDec(${n}) wrote past its end`);
  assert.ok(buf.subarray(0, at).every((c) => c === 0x2e), `writeDec(${n}) wrote before its start`);
  return buf.toString('latin1', at, end);
}

test('decLen and writeDec agree with String(n) at every digit boundary', () => {
  for (let p = 1; p <= 1e15; p *= 10) {
    for (const n of [p - 1, p, p + 1]) {
      assert.equal(decLen(n), String(n).length, `decLen(${n})`);
      assert.equal(written(n, 3), String(n));
    }
  }
  assert.equal(written(0, 0), '0');
  assert.equal(written(2 ** 32 - 1, 1), '4294967295');
});

test('decLen and writeDec agree with String(n) for 0..20,000', () => {
  for (let n = 0; n <= 20_000; n++) assert.equal(written(n, n % 5), String(n));
});
