// Multi-get split and merge: fragment bytes per server, merged values in the client's key order with
// missing and duplicated keys across three servers, and the error paths (connection failure, server
// error line, a sub-reply that is not a value list). Sub-replies go through the real reply scanner.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memcacheProtocol } from '../../../../src/protocol/memcache/index';
import { ReplyType } from '../../../../src/protocol/memcache/reply-scanner';
import type { Msg } from '../../../../src/proxy/msg';
import { randomChunks } from '../../../helpers/random';
import { scanReplies, scanRequests } from './scan-helpers';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Three servers' contents; a key's server is its first byte mod 3 (a d y → 1, b e z → 2, c f x → 0). */
const STORES: Map<string, string>[] = [new Map(), new Map(), new Map()];
const serverOf = (buf: Buffer, start: number): number => buf[start] % 3;
for (const [k, v] of Object.entries({ a: 'alpha', b: 'bravo', c: 'charlie', d: 'delta', e: 'echo', f: 'fox\r\ntrot' })) {
  STORES[serverOf(b(k), 0)].set(k, v);
}

function scanOne(line: string): Msg {
  const rec = scanRequests([b(line)]);
  assert.equal(rec.msgs.length, 1);
  return rec.msgs[0];
}

/** What memcached answers to a fragment: a VALUE block per stored key, in request order, then END. */
function serve(frag: Msg, withCas: boolean): string {
  const line = Buffer.concat(frag.parts).toString('latin1');
  const tokens = line.trim().split(/ +/);
  const keys = tokens.slice(tokens[0].startsWith('gat') ? 2 : 1);
  let out = '';
  for (const k of keys) {
    const v = STORES[frag.server].get(k);
    if (v !== undefined) out += `VALUE ${k} 7 ${v.length}${withCas ? ' 1234' : ''}\r\n${v}\r\n`;
  }
  return out + 'END\r\n';
}

/** Deliver a sub-reply as the core would: scanned from random chunks, parts as slices. */
function deliver(frag: Msg, bytes: string, seed: number): void {
  const rec = scanReplies(randomChunks(b(bytes), seed, 9));
  assert.equal(rec.replies.length, 1, `one reply for ${JSON.stringify(bytes)}`);
  const r = rec.replies[0];
  frag.reply = r.parts;
  frag.replyBytes = r.bytes;
  frag.replyType = r.type;
  frag.done = true;
}

function roundTrip(line: string, seed = 1, withCas = false): { msg: Msg; frags: Msg[]; reply: string } {
  const msg = scanOne(line);
  const frags = memcacheProtocol.split(msg, serverOf);
  for (const f of frags) deliver(f, serve(f, withCas), seed);
  memcacheProtocol.merge(msg);
  return { msg, frags, reply: msg.reply === null ? '' : Buffer.concat(msg.reply).toString('latin1') };
}

const v = (k: string, cas = ''): string => {
  const val = STORES[serverOf(b(k), 0)].get(k) ?? '';
  return `VALUE ${k} 7 ${val.length}${cas}\r\n${val}\r\n`;
};

describe('memcache multi-get split', () => {
  test('one fragment per server in server order, keys in client order, nutcracker bytes', () => {
    const msg = scanOne('get a b c d e f\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    assert.deepStrictEqual(
      frags.map((f) => [f.server, Buffer.concat(f.parts).toString('latin1')]),
      [
        [0, 'get c f \r\n'],
        [1, 'get a d \r\n'],
        [2, 'get b e \r\n'],
      ],
    );
    assert.deepStrictEqual(frags.map((f) => f.key?.toString()), ['c', 'a', 'b']);
    assert.ok(frags.every((f) => f.parent === msg && f.bytes === Buffer.concat(f.parts).length));
    assert.equal(msg.fragments, frags);
    assert.equal(msg.pending, 3);
  });

  test('gats fragments keep the exptime after the verb', () => {
    const frags = memcacheProtocol.split(scanOne('gats 300 a b d\r\n'), serverOf);
    assert.deepStrictEqual(frags.map((f) => Buffer.concat(f.parts).toString('latin1')), ['gats 300 a d \r\n', 'gats 300 b \r\n']);
  });

  test('keys with no live server share one fragment for server -1, first', () => {
    const frags = memcacheProtocol.split(scanOne('get a b c\r\n'), (buf, start) => (buf[start] === 98 ? 2 : -1));
    assert.deepStrictEqual(frags.map((f) => [f.server, Buffer.concat(f.parts).toString('latin1')]), [
      [-1, 'get a c \r\n'],
      [2, 'get b \r\n'],
    ]);
  });
});

describe('memcache multi-get merge', () => {
  test('values come back in the client key order across 3 servers with one END', () => {
    for (const seed of [1, 2, 3]) {
      assert.equal(roundTrip('get f e d c b a\r\n', seed).reply, v('f') + v('e') + v('d') + v('c') + v('b') + v('a') + 'END\r\n');
    }
  });

  test('missing keys are skipped without reordering the rest (unlike nutcracker)', () => {
    // y (missing) and a share server 1: nutcracker fills y's slot with a's block, answering a before b.
    assert.equal(roundTrip('get y b a\r\n').reply, v('b') + v('a') + 'END\r\n');
    assert.equal(roundTrip('get x a c zz b y\r\n').reply, v('a') + v('c') + v('b') + 'END\r\n');
  });

  test('a server that answers every key and one that misses some, in the same request', () => {
    // Server 2 holds b and e (its blocks are taken in turn); server 1 misses y of y, a, d (matched by key).
    for (const seed of [1, 2]) assert.equal(roundTrip('get y b a e d\r\n', seed).reply, v('b') + v('a') + v('e') + v('d') + 'END\r\n');
  });

  test('a sub-reply with misses whose blocks are not in the order sent is still matched by key', () => {
    // A backend that reorders (another proxy in front of memcached): server 1 gets a d y, answers d then a.
    const msg = scanOne('get a d y\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    assert.equal(frags.length, 1);
    deliver(frags[0], v('d') + v('a') + 'END\r\n', 3);
    memcacheProtocol.merge(msg);
    assert.equal(Buffer.concat(msg.reply as Buffer[]).toString('latin1'), v('a') + v('d') + 'END\r\n');
  });

  test('a sub-reply with more VALUE blocks than keys sent to its server fails with Invalid argument', () => {
    const msg = scanOne('get a b\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    deliver(frags[0], v('a') + v('a') + 'END\r\n', 1);
    deliver(frags[1], serve(frags[1], false), 1);
    memcacheProtocol.merge(msg);
    assert.equal(msg.err, 'EINVAL');
  });

  test('a key asked twice gets its value twice, also across servers', () => {
    assert.equal(roundTrip('get a b a c a\r\n').reply, v('a') + v('b') + v('a') + v('c') + v('a') + 'END\r\n');
  });

  test('all keys missing gives a bare END', () => {
    assert.equal(roundTrip('get x y z\r\n').reply, 'END\r\n');
  });

  test('gets keeps each value with its cas unique', () => {
    assert.equal(roundTrip('gets b a\r\n', 4, true).reply, v('b', ' 1234') + v('a', ' 1234') + 'END\r\n');
  });

  test('gets with missing keys matches blocks by key, past their cas', () => {
    assert.equal(roundTrip('gets y b a d\r\n', 2, true).reply, v('b', ' 1234') + v('a', ' 1234') + v('d', ' 1234') + 'END\r\n');
  });

  test('a sub-reply whose VALUE header or data is malformed fails with Invalid argument', () => {
    // Set directly: the reply scanner would refuse these before the merge sees them.
    for (const bad of ['VALUE 5\r\nhello\r\nEND\r\n', 'VALUE a 7 5\r\nhelloXYEND\r\n', 'VALUE a 7 99\r\nhello\r\nEND\r\n', 'VALUE a 7 x\r\nhello\r\nEND\r\n', 'VALUE a 7 5\nhello\r\nEND\r\n']) {
      const msg = scanOne('get a y b\r\n');
      const frags = memcacheProtocol.split(msg, serverOf);
      frags[0].reply = [b(bad)];
      frags[0].replyBytes = bad.length;
      frags[0].replyType = ReplyType.valueList;
      frags[0].done = true;
      deliver(frags[1], serve(frags[1], false), 1);
      memcacheProtocol.merge(msg);
      assert.equal(msg.err, 'EINVAL', JSON.stringify(bad));
    }
  });

  test('the merged reply is one buffer holding each block once, and replyBytes is its length', () => {
    const { msg, frags } = roundTrip('get a b c d e f\r\n', 5);
    const reply = msg.reply ?? [];
    assert.equal(reply.length, 1);
    const text = reply[0].toString('latin1');
    // Every VALUE block of every sub-reply appears exactly once (all six keys exist here).
    for (const f of frags) {
      const sub = Buffer.concat(f.reply ?? []).toString('latin1');
      for (const block of sub.split(/(?=VALUE )/).filter((b) => b.startsWith('VALUE '))) {
        const clean = block.replace(/END\r\n$/, '');
        assert.equal(text.split(clean).length - 1, 1, `block ${JSON.stringify(clean)} once`);
      }
    }
    assert.ok(text.endsWith('END\r\n'));
    assert.equal(msg.replyBytes, reply[0].length);
    assert.equal(msg.done, true);
  });

  test('a fragment that failed at connection level fails the request and closes the client', () => {
    const msg = scanOne('get a b c\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    deliver(frags[0], serve(frags[0], false), 1);
    frags[1].err = 'ETIMEDOUT';
    frags[2].err = 'ECONNREFUSED';
    memcacheProtocol.merge(msg);
    assert.equal(msg.err, 'ETIMEDOUT');
    assert.equal(msg.closeAfter, true);
    assert.equal(memcacheProtocol.errorReply(msg.err).toString(), 'SERVER_ERROR Connection timed out\r\n');
  });

  test("a server's error line is passed through and the client stays connected", () => {
    const msg = scanOne('get a b c\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    deliver(frags[0], serve(frags[0], false), 1);
    deliver(frags[1], 'SERVER_ERROR out of memory\r\n', 1);
    deliver(frags[2], serve(frags[2], false), 1);
    memcacheProtocol.merge(msg);
    assert.equal(Buffer.concat(msg.reply ?? []).toString(), 'SERVER_ERROR out of memory\r\n');
    assert.equal(msg.err, null);
    assert.equal(msg.closeAfter, false);
  });

  test('a sub-reply that is not a value list fails with Invalid argument', () => {
    const msg = scanOne('get a b\r\n');
    const frags = memcacheProtocol.split(msg, serverOf);
    deliver(frags[0], 'STORED\r\n', 1);
    deliver(frags[1], serve(frags[1], false), 1);
    memcacheProtocol.merge(msg);
    assert.equal(msg.err, 'EINVAL');
    assert.equal(msg.closeAfter, false);
    assert.equal(frags[0].replyType, ReplyType.stored);
  });
});

describe('memcache multi-get merge of a large reply', () => {
  test('many small values are one buffer, however long; a big value in it is passed on by reference', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    const big = 'k1000';
    const value = (k: string): string => (k === big ? 'V'.repeat(5000) : `=${k}=`);
    // Every key lives on the server its first byte names ('k' % 3 = 2); fill that store.
    for (const k of keys) STORES[serverOf(b(k), 0)].set(k, value(k));
    const { msg, reply } = roundTrip(`get ${keys.join(' ')}\r\n`, 7);
    for (const k of keys) STORES[serverOf(b(k), 0)].delete(k);
    const expected = keys.map((k) => `VALUE ${k} 7 ${value(k).length}\r\n${value(k)}\r\n`).join('') + 'END\r\n';
    assert.ok(expected.length > 64 * 1024);
    assert.equal(reply, expected);
    assert.equal(msg.replyBytes, expected.length);
    const parts = msg.reply as Buffer[];
    assert.equal(parts.length, 3);
    assert.equal(parts[1].toString('latin1'), `VALUE ${big} 7 5000\r\n${'V'.repeat(5000)}\r\n`);
    assert.equal(parts[0].buffer, parts[2].buffer, 'the small values share one copy');
    assert.notEqual(parts[1].buffer, parts[0].buffer, 'the big value is not in that copy');
  });
});
