import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyType } from '../../../../src/protocol/redis/reply-scanner';
import { randomChunks, randomTokens, rng } from '../../../helpers/random';
import { scanReplyChunks, scanRepliesAllWays } from './feed';

const T = ReplyType;

const CASES: [string, string, number][] = [
  ['a status', '+OK\r\n', T.status],
  ['an empty status', '+\r\n', T.status],
  ['an error', '-ERR wrong type\r\n', T.error],
  ['an error with no text', '-ERR\r\n', T.error],
  ['an integer', ':1000\r\n', T.integer],
  ['a negative integer', ':-7\r\n', T.integer],
  ['a bulk', '$5\r\nhello\r\n', T.bulk],
  ['a bulk holding CRLF and type bytes', '$8\r\n*1\r\n:1\r\n\r\n', T.bulk],
  ['an empty bulk', '$0\r\n\r\n', T.bulk],
  ['a null bulk', '$-1\r\n', T.bulk],
  ['a null array', '*-1\r\n', T.array],
  ['an empty array', '*0\r\n', T.array],
  ['an array of bulks and nulls', '*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n', T.array],
  ['a nested array', '*2\r\n*2\r\n:1\r\n*0\r\n*3\r\n+a\r\n-b\r\n*1\r\n*1\r\n$1\r\nz\r\n', T.array],
  ['a deep array', '*1\r\n'.repeat(200) + ':1\r\n', T.array],
];

for (const [what, bytes, type] of CASES) {
  test(`${what} is one reply of its type with exactly its bytes`, () => {
    const r = scanRepliesAllWays(bytes);
    assert.equal(r.errors.length, 0);
    assert.deepEqual(r.replies.map(({ bytes: b, length, type: t, failure }) => ({ b, length, t, failure })), [
      { b: bytes, length: Buffer.byteLength(bytes, 'latin1'), t: type, failure: false },
    ]);
  });
}

test('pipelined replies of every type are reported in order', () => {
  const all = CASES.map((c) => c[1]);
  const r = scanRepliesAllWays(all.join(''));
  assert.equal(r.errors.length, 0);
  assert.deepEqual(r.replies.map((x) => x.bytes), all);
  assert.deepEqual(r.replies.map((x) => x.type), CASES.map((c) => c[2]));
});

test('-OOM, -BUSY and -LOADING are server failures; -BUSYKEY and other errors are not', () => {
  const lines = ['-OOM command not allowed\r\n', '-BUSY Redis is busy running a script\r\n', '-LOADING Redis is loading\r\n', '-BUSY\r\n',
    '-BUSYKEY Target key name already exists.\r\n', '-ERR x\r\n', '-READONLY x\r\n', '-OOMX\r\n', '-LOADINGX y\r\n', '+OOM\r\n'];
  const r = scanRepliesAllWays(lines.join(''));
  assert.deepEqual(r.replies.map((x) => x.failure), [true, true, true, true, false, false, false, false, false, false]);
});

test('an error inside an array does not make the reply a failure', () => {
  const r = scanRepliesAllWays('*1\r\n-OOM x\r\n');
  assert.deepEqual(r.replies.map((x) => [x.type, x.failure]), [[T.array, false]]);
});

const MALFORMED: [string, string][] = [
  ['an unknown type byte', '?garbage\r\n'],
  ['a RESP3 type', '%1\r\n+a\r\n+b\r\n'],
  ['a non-digit length', '$abc\r\n'],
  ['a length without digits', '*\r\n'],
  ['a bulk longer than declared', '$3\r\nabcd\r\n'],
  ['a bad negative bulk length', '$-2\r\n'],
  ['a bad negative array length', '*-5\r\n'],
  ['an integer with letters', ':12a\r\n'],
  ['a CR not followed by LF', '+OK\rX'],
  ['a bare LF in a status', '+O\nK\r\n'],
  ['a huge bulk length', '$9999999999\r\n'],
];

for (const [what, bytes] of MALFORMED) {
  test(`${what} is a protocol error, and the scanner stays silent after it`, () => {
    const r = scanRepliesAllWays('+FIRST\r\n' + bytes + '+AFTER\r\n');
    assert.deepEqual(r.replies.map((x) => x.bytes), ['+FIRST\r\n']);
    assert.equal(r.errors.length, 1);
    assert.equal(r.afterError, 0);
  });
}

test('an incomplete reply waits for more bytes', () => {
  const r = scanReplyChunks([Buffer.from('*2\r\n$3\r\nab')]);
  assert.equal(r.replies.length, 0);
  assert.equal(r.errors.length, 0);
});

test('a large bulk in random chunks is reported as slices of those chunks', () => {
  const value = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const input = Buffer.concat([Buffer.from(`*2\r\n$${value.length}\r\n`), value, Buffer.from('\r\n:1\r\n+OK\r\n')]);
  const chunks = randomChunks(input, 5, 100000, true);
  const r = scanReplyChunks(chunks);
  assert.equal(r.replies.length, 2);
  const [big] = r.replies;
  assert.equal(big.length, input.length - 5);
  const sources = new Set(chunks.map((c) => c.buffer));
  for (const p of big.parts) assert.ok(sources.has(p.buffer), 'each part is a view of a received chunk');
  assert.equal(big.parts.reduce((n, p) => n + p.length, 0), big.length);
  assert.equal(r.replies[1].bytes, '+OK\r\n');
});

test('random bytes never make the scanner throw', () => {
  const r = rng(4242);
  const alphabet = [...'+-:$*\r\n0123456789-OKERR '];
  for (let i = 0; i < 10000; i++) {
    const buf = randomTokens(r, alphabet, Math.floor(r() * 48), 0.85);
    const seen = scanReplyChunks(randomChunks(buf, i, 9, true));
    assert.equal(seen.afterError, 0);
    for (const rep of seen.replies) assert.equal(Buffer.byteLength(rep.bytes, 'latin1'), rep.length);
  }
});
