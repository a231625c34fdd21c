// The big multi-key bench's reply-end detection: a reply is complete at its last byte, not before,
// however the stream is cut into chunks; back-to-back replies start afresh; garbage is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyEnd } from '../../../bench/big-multikey';
import { randomChunks } from '../../helpers/random';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * Feed `reply` twice (the bench sends the next request once a reply is complete), each time cut into
 * random chunks; the byte offsets within each reply at which feed() said "complete".
 */
function completions(kind: 'redis' | 'memcache', reply: Buffer, seed: number): number[][] {
  const end = new ReplyEnd(kind);
  return [seed, seed + 1000].map((s) => {
    const at: number[] = [];
    let offset = 0;
    for (const c of randomChunks(reply, s, 5)) {
      offset += c.length;
      if (end.feed(c)) at.push(offset);
    }
    return at;
  });
}

test('an MGET reply with values, empty values and nils ends at its last byte, in any chunking', () => {
  const reply = '*4\r\n$3\r\nabc\r\n$-1\r\n$0\r\n\r\n$5\r\n\r\n\r\n\r\r\n';
  for (let seed = 1; seed <= 40; seed++) assert.deepEqual(completions('redis', b(reply), seed), [[reply.length], [reply.length]]);
});

test('an MSET reply ends with its status line', () => {
  for (let seed = 1; seed <= 10; seed++) assert.deepEqual(completions('redis', b('+OK\r\n'), seed), [[5], [5]]);
});

test('a memcached reply ends at END, values that contain END or CRLF included', () => {
  const reply = 'VALUE a 0 5\r\nEND\r\n\r\nVALUE bb 7 0\r\n\r\nEND\r\n';
  for (let seed = 1; seed <= 40; seed++) assert.deepEqual(completions('memcache', b(reply), seed), [[reply.length], [reply.length]]);
  assert.deepEqual(completions('memcache', b('END\r\n'), 1), [[5], [5]]);
});

test('anything else is refused', () => {
  assert.throws(() => new ReplyEnd('redis').feed(b('-ERR no\r\n')), /unexpected reply/);
  assert.throws(() => new ReplyEnd('redis').feed(b('*1\r\n:1\r\n')), /unexpected element/);
  assert.throws(() => new ReplyEnd('memcache').feed(b('SERVER_ERROR x\r\n')), /unexpected memcached line/);
  assert.throws(() => new ReplyEnd('redis').feed(b('*1\r\n$-1\r\n+OK\r\n')), /bytes after the reply/);
});
