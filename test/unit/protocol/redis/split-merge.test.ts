import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Msg, MsgAction } from '../../../../src/proxy/msg';
import type { ErrnoName } from '../../../../src/proxy/errno';
import { redisProtocol } from '../../../../src/protocol/redis/index';
import { ReplyType } from '../../../../src/protocol/redis/reply-scanner';
import { resp } from '../../../helpers/wire';
import { scanAllWays } from './feed';

/** Keys name their server: "s2:x" lives on server 2, "down:x" has no live server. */
function serverOf(buf: Buffer, start: number, end: number): number {
  const s = buf.toString('latin1', start, end);
  if (s.startsWith('down')) return -1;
  const m = /^s(\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** Scan a request (all three ways) and split the whole-buffer result. */
function splitOf(...args: string[]): { parent: Msg; frags: Msg[] } {
  const r = scanAllWays(resp(...args));
  const parent = r.requests[0].msg;
  assert.equal(parent.action, MsgAction.split);
  return { parent, frags: redisProtocol.split(parent, serverOf) };
}

const wire = (m: Msg) => Buffer.concat(m.parts).toString('latin1');

test('MGET is split into one lowercase mget per server, in server order, keys in client order with duplicates', () => {
  const { parent, frags } = splitOf('MGET', 's2:a', 's0:b', 's2:c', 's0:b', 's1:d');
  assert.deepEqual(frags.map((f) => f.server), [0, 1, 2]);
  assert.deepEqual(frags.map(wire), [
    resp('mget', 's0:b', 's0:b').toString(),
    resp('mget', 's1:d').toString(),
    resp('mget', 's2:a', 's2:c').toString(),
  ]);
  assert.deepEqual(frags.map((f) => f.key?.toString()), ['s0:b', 's1:d', 's2:a']);
  for (const f of frags) {
    assert.equal(f.parent, parent);
    assert.equal(f.action, MsgAction.forward);
    assert.equal(f.bytes, Buffer.concat(f.parts).length);
    assert.equal(f.cmd, parent.cmd);
  }
  assert.equal(parent.fragments, frags);
  assert.equal(parent.pending, 3);
});

test('all keys on one server still make a fresh lowercase fragment', () => {
  for (const name of ['DEL', 'Unlink', 'TOUCH', 'EXISTS']) {
    const { frags } = splitOf(name, 's0:a', 's0:b');
    assert.deepEqual(frags.map(wire), [resp(name.toLowerCase(), 's0:a', 's0:b').toString()]);
  }
});

test('keys without a live server go to a fragment with server -1, first', () => {
  const { frags } = splitOf('MGET', 's1:a', 'down:b', 's0:c');
  assert.deepEqual(frags.map((f) => f.server), [-1, 0, 1]);
  assert.equal(wire(frags[0]), resp('mget', 'down:b').toString());
});

test('MSET fragments carry their pairs: small values copied into the fragment, big ones as the very slices the client sent', () => {
  const big = 'v'.repeat(5000);
  const { parent, frags } = splitOf('MSET', 's1:a', '1', 's0:b', big, 's1:c', '', 's1:d', 'w'.repeat(4095));
  assert.deepEqual(frags.map(wire), [resp('mset', 's0:b', big).toString(), resp('mset', 's1:a', '1', 's1:c', '', 's1:d', 'w'.repeat(4095)).toString()]);
  const clientSlices = new Set(parent.parts.map((p) => p.buffer));
  const bigPart = frags[0].parts.find((p) => p.length === 5000);
  assert.ok(bigPart && clientSlices.has(bigPart.buffer), 'the big value is not copied');
  assert.equal(frags[0].parts.length, 3, 'before the big value, the value, after it');
  assert.equal(frags[1].parts.length, 1, 'values under 4 KiB are copied into the one buffer of the fragment');
});

function reply(frag: Msg, bytes: string): void {
  const b = Buffer.from(bytes, 'latin1');
  // Split the reply in two parts, as a reply spanning two reads would be.
  const cut = Math.floor(b.length / 2);
  frag.reply = [b.subarray(0, cut), b.subarray(cut)];
  frag.replyBytes = b.length;
  frag.done = true;
}

function fail(frag: Msg, err: ErrnoName): void {
  frag.err = err;
  frag.reply = null;
  frag.done = true;
}

const merged = (m: Msg) => (m.reply === null ? null : Buffer.concat(m.reply).toString('latin1'));

test('merged MGET returns values in the client key order, duplicates and missing keys included', () => {
  const { parent, frags } = splitOf('MGET', 's2:a', 's0:b', 's2:c', 's0:b', 's1:d');
  reply(frags[0], '*2\r\n$2\r\nBB\r\n$2\r\nBB\r\n');
  reply(frags[1], '*1\r\n$-1\r\n');
  reply(frags[2], '*2\r\n$1\r\nA\r\n$3\r\nC\r\n\r\n');
  redisProtocol.merge(parent);
  const expected = '*5\r\n$1\r\nA\r\n$2\r\nBB\r\n$3\r\nC\r\n\r\n$2\r\nBB\r\n$-1\r\n';
  assert.equal(merged(parent), expected);
  assert.equal(parent.replyBytes, expected.length);
  assert.equal(parent.replyType, ReplyType.array);
  assert.equal(parent.err, null);
  assert.equal(parent.closeAfter, false);
});

test('merged DEL, UNLINK, TOUCH and EXISTS reply with the sum', () => {
  for (const name of ['DEL', 'UNLINK', 'TOUCH', 'EXISTS']) {
    const { parent, frags } = splitOf(name, 's0:a', 's1:b', 's0:c', 's2:d');
    reply(frags[0], ':2\r\n');
    reply(frags[1], ':0\r\n');
    reply(frags[2], ':1\r\n');
    redisProtocol.merge(parent);
    assert.equal(merged(parent), ':3\r\n', name);
    assert.equal(parent.replyType, ReplyType.integer);
  }
});

test('merged MSET replies +OK', () => {
  const { parent, frags } = splitOf('MSET', 's0:a', '1', 's1:b', '2');
  reply(frags[0], '+OK\r\n');
  reply(frags[1], '+OK\r\n');
  redisProtocol.merge(parent);
  assert.equal(merged(parent), '+OK\r\n');
});

test('a connection-level fragment failure fails the request with the first real errno; MGET also closes', () => {
  const { parent, frags } = splitOf('MGET', 's0:a', 's1:b', 's2:c');
  reply(frags[0], '*1\r\n$1\r\nx\r\n');
  fail(frags[1], 'unknown');
  fail(frags[2], 'ETIMEDOUT');
  redisProtocol.merge(parent);
  assert.equal(parent.err, 'ETIMEDOUT');
  assert.equal(parent.reply, null);
  assert.equal(parent.closeAfter, true);
  assert.equal(redisProtocol.errorReply(parent.err).toString(), '-ERR Connection timed out\r\n');

  const del = splitOf('DEL', 's0:a', 's1:b');
  fail(del.frags[0], 'unknown');
  fail(del.frags[1], 'unknown');
  redisProtocol.merge(del.parent);
  assert.equal(del.parent.err, 'unknown');
  assert.equal(del.parent.closeAfter, false);

  const mset = splitOf('MSET', 's0:a', '1', 's1:b', '2');
  fail(mset.frags[0], 'ECONNREFUSED');
  reply(mset.frags[1], '+OK\r\n');
  redisProtocol.merge(mset.parent);
  assert.equal(mset.parent.err, 'ECONNREFUSED');
  assert.equal(mset.parent.closeAfter, false);
});

test('a backend error from a fragment reaches the client verbatim', () => {
  const { parent, frags } = splitOf('DEL', 's0:a', 's1:b');
  reply(frags[0], ':1\r\n');
  reply(frags[1], "-READONLY You can't write against a read only replica.\r\n");
  redisProtocol.merge(parent);
  assert.equal(merged(parent), "-READONLY You can't write against a read only replica.\r\n");
  assert.equal(parent.replyType, ReplyType.error);
  assert.equal(parent.err, null);
});

test('a fragment reply of the wrong non-error type fails the request with EINVAL', () => {
  const cases: [string[], string][] = [
    [['MGET', 's0:a', 's1:b'], ':1\r\n'],
    [['DEL', 's0:a', 's1:b'], '+OK\r\n'],
    [['MSET', 's0:a', '1', 's1:b', '2'], ':1\r\n'],
    [['MGET', 's0:a', 's1:b'], '*2\r\n$1\r\na\r\n$1\r\nb\r\n'], // more values than keys sent
  ];
  for (const [args, bad] of cases) {
    const { parent, frags } = splitOf(...args);
    reply(frags[0], args[0] === 'MGET' ? '*1\r\n$1\r\nx\r\n' : args[0] === 'DEL' ? ':1\r\n' : '+OK\r\n');
    reply(frags[1], bad);
    redisProtocol.merge(parent);
    assert.equal(parent.err, 'EINVAL', `${args[0]} with ${JSON.stringify(bad)}`);
  }
});

test('MGET merges nested and non-bulk elements without reinterpreting them', () => {
  const { parent, frags } = splitOf('MGET', 's1:a', 's0:b');
  reply(frags[0], '*1\r\n*2\r\n:1\r\n$1\r\nq\r\n');
  reply(frags[1], '*1\r\n+x\r\n');
  redisProtocol.merge(parent);
  assert.equal(merged(parent), '*2\r\n+x\r\n*2\r\n:1\r\n$1\r\nq\r\n');
});

test('a wide MGET over many servers round-trips through split and merge in key order', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => `s${(i * 7919) % 37}:k${i}`);
  const { parent, frags } = splitOf('MGET', ...keys);
  assert.deepEqual(frags.map((f) => f.server), [...new Set(keys.map((k) => Number(/^s(\d+)/.exec(k)?.[1])))].sort((a, b) => a - b));
  for (const f of frags) {
    const fk = [...(f.proto as Int32Array)].map((i) => keys[i]);
    assert.equal(wire(f), resp('mget', ...fk).toString());
    reply(f, `*${fk.length}\r\n` + fk.map((k) => `$${k.length + 1}\r\n=${k}\r\n`).join(''));
  }
  redisProtocol.merge(parent);
  assert.equal(merged(parent), `*${keys.length}\r\n` + keys.map((k) => `$${k.length + 1}\r\n=${k}\r\n`).join(''));
});

test('a merged MGET of many small values is one buffer, however long; a big value in it is passed on by reference', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `s${i % 3}:k${i}`);
  const value = (k: string): string => (k === 's1:k1000' ? 'V'.repeat(5000) : `=${k}`);
  const { parent, frags } = splitOf('MGET', ...keys);
  for (const f of frags) {
    const fk = [...(f.proto as number[])].map((i) => keys[i]);
    reply(f, `*${fk.length}\r\n` + fk.map((k) => `$${value(k).length}\r\n${value(k)}\r\n`).join(''));
  }
  redisProtocol.merge(parent);
  const expected = `*${keys.length}\r\n` + keys.map((k) => `$${value(k).length}\r\n${value(k)}\r\n`).join('');
  assert.ok(expected.length > 64 * 1024);
  assert.equal(merged(parent), expected);
  assert.equal(parent.replyBytes, expected.length);
  // Before the big value, the big value itself (with its CRLF), everything after it.
  const parts = parent.reply as Buffer[];
  assert.equal(parts.length, 3);
  assert.equal(parts[1].toString('latin1'), `$5000\r\n${'V'.repeat(5000)}\r\n`);
  assert.equal(parts[0].buffer, parts[2].buffer, 'the small values share one copy');
  assert.notEqual(parts[1].buffer, parts[0].buffer, 'the big value is not in that copy');
});
