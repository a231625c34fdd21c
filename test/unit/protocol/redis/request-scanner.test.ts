import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsgAction } from '../../../../src/proxy/msg';
import { commandIndex } from '../../../../src/protocol/redis/commands';
import { randomChunks, randomTokens, rng } from '../../../helpers/random';
import { resp } from '../../../helpers/wire';
import { makeCtx, scanAllWays, scanChunks } from './feed';

const A = MsgAction;

test('a GET is forwarded byte for byte with its key and the client casing', () => {
  const wire = resp('gEt', 'user:1');
  const r = scanAllWays(wire);
  assert.equal(r.requests.length, 1);
  const [q] = r.requests;
  assert.equal(q.action, A.forward);
  assert.equal(q.cmd, commandIndex('get'));
  assert.equal(q.wire, wire.toString('latin1'));
  assert.equal(q.key, 'user:1');
  assert.equal(q.msg.bytes, wire.length);
  assert.equal(r.framing.length, 0);
});

test('pipelined requests come out in order, each with exactly its own bytes', () => {
  const reqs = [resp('SET', 'a', '1'), resp('GET', 'a'), resp('HSET', 'h', 'f', 'v', 'f2', 'v2'), resp('LRANGE', 'l', '0', '-1'), resp('SET', '', '')];
  const r = scanAllWays(Buffer.concat(reqs));
  assert.deepEqual(r.requests.map((q) => q.wire), reqs.map((b) => b.toString('latin1')));
  assert.deepEqual(r.requests.map((q) => q.key), ['a', 'a', 'h', 'l', '']);
  assert.ok(r.requests.every((q) => q.action === A.forward));
});

test('binary keys and values with CR LF inside pass through', () => {
  const key = Buffer.from([0xff, 13, 10, 0, 0x2a]);
  const wire = resp('SET', key, Buffer.from('\r\n*1\r\n$4\r\n'));
  const r = scanAllWays(wire);
  assert.equal(r.requests[0].key, key.toString('latin1'));
  assert.equal(r.requests[0].wire, wire.toString('latin1'));
});

test('an unsupported command gets an error reply and the connection stays usable', () => {
  const r = scanAllWays(Buffer.concat([resp('FLUSHALL'), resp('Keys', '*'), resp('GET', 'k')]));
  assert.deepEqual(r.requests.map((q) => q.reply), ["-ERR unsupported command 'FLUSHALL'\r\n", "-ERR unsupported command 'Keys'\r\n", null]);
  assert.equal(r.requests[0].action, A.local);
  assert.equal(r.requests[0].cmd, -1);
  assert.equal(r.requests[2].action, A.forward);
  assert.equal(r.framing.length, 0);
});

test('MOVE is refused as unsupported, as nutcracker cannot run it either', () => {
  const r = scanAllWays(resp('MOVE', 'k', '1'));
  assert.equal(r.requests[0].reply, "-ERR unsupported command 'MOVE'\r\n");
});

test('a very long unknown command name is truncated in the reply and never breaks framing', () => {
  const name = 'x'.repeat(300) + '\r\n';
  const r = scanAllWays(Buffer.concat([resp(name), resp('PING')]));
  assert.equal(r.requests[0].reply, `-ERR unsupported command '${'x'.repeat(128)}...'\r\n`);
  assert.equal(r.requests[1].reply, '+PONG\r\n');
});

test('CR and LF in an unsupported command name do not break the error reply', () => {
  const r = scanAllWays(resp('FOO\r\nBAR'));
  assert.equal(r.requests[0].reply, "-ERR unsupported command 'FOO  BAR'\r\n");
});

test('wrong argument counts get Redis\'s arity error with the lowercase name', () => {
  const r = scanAllWays(Buffer.concat([resp('GET'), resp('Get', 'a', 'b'), resp('LINSERT', 'l', 'BEFORE', 'x'), resp('MSET', 'a', '1', 'b'), resp('MGET'), resp('EVAL', 's'), resp('GET', 'ok')]));
  assert.deepEqual(r.requests.map((q) => q.reply), [
    "-ERR wrong number of arguments for 'get' command\r\n",
    "-ERR wrong number of arguments for 'get' command\r\n",
    "-ERR wrong number of arguments for 'linsert' command\r\n",
    "-ERR wrong number of arguments for 'mset' command\r\n",
    "-ERR wrong number of arguments for 'mget' command\r\n",
    "-ERR wrong number of arguments for 'eval' command\r\n",
    null,
  ]);
  assert.equal(r.requests[6].key, 'ok');
});

test('EXPIRE accepts the Redis 7 condition argument', () => {
  const r = scanAllWays(resp('EXPIRE', 'k', '10', 'NX'));
  assert.equal(r.requests[0].action, A.forward);
  assert.equal(r.requests[0].key, 'k');
});

test('*0 and *-1 and empty inline lines are ignored', () => {
  const r = scanAllWays(`*0\r\n*-1\r\n\r\n   \r\n\n${resp('GET', 'a').toString('latin1')}`);
  assert.equal(r.requests.length, 1);
  assert.equal(r.requests[0].key, 'a');
  assert.equal(r.requests[0].wire, resp('GET', 'a').toString('latin1'));
});

test('inline commands are split like Redis and forwarded as RESP', () => {
  const r = scanAllWays('PING\r\nset "a b" \'c\\\'d\'\r\nGET "\\x41\\n"\nget  k\r\n');
  assert.equal(r.requests[0].reply, '+PONG\r\n');
  assert.equal(r.requests[1].action, A.forward);
  assert.equal(r.requests[1].key, 'a b');
  assert.equal(r.requests[1].wire, resp('set', 'a b', "c'd").toString('latin1'));
  assert.equal(r.requests[2].key, 'A\n');
  assert.equal(r.requests[3].key, 'k');
  assert.equal(r.framing.length, 0);
});

test('an inline line with unbalanced quotes is a framing error', () => {
  const r = scanAllWays('GET "abc\r\nGET k\r\n');
  assert.equal(r.requests.length, 0);
  assert.deepEqual(r.framing, [{ reply: '-ERR Protocol error: unbalanced quotes in request\r\n', reason: 'unbalanced quotes in request' }]);
});

test('an inline line longer than 64 KiB is a framing error, even before its end arrives', () => {
  const r = scanChunks([Buffer.from('GET '), Buffer.alloc(70 * 1024, 0x61)]);
  assert.equal(r.framing.length, 1);
  assert.match(r.framing[0].reply ?? '', /too big inline request/);
});

const FRAMING: [string, string | Buffer, RegExp][] = [
  ['a non-digit array length', '*x\r\n', /invalid multibulk length/],
  ['an array length without digits', '*\r\n', /invalid multibulk length/],
  ['an array length not ended by CRLF', '*1\rx', /invalid multibulk length/],
  ['a non-digit bulk length', '*1\r\n$a\r\n', /invalid bulk length/],
  ['a negative bulk length', '*1\r\n$-1\r\n', /invalid bulk length/],
  ['an oversized bulk length', '*1\r\n$99999999999\r\n', /invalid bulk length/],
  ['bulk data not followed by CRLF', '*1\r\n$4\r\nPINGxx', /expected CRLF after bulk data/],
  ['a nested array', '*2\r\n$3\r\nGET\r\n*1\r\n$1\r\na\r\n', /expected '\$', got '\*'/],
  ['a bulk outside an array', '$3\r\nGET\r\n', /invalid request start byte '\$'/],
  ['a NUL byte at a request start', Buffer.from([0, 1, 2]), /invalid request start byte '\\x00'/],
  ['a high byte at a request start', Buffer.from([0xc3, 0xa9]), /invalid request start byte '\\xc3'/],
];

for (const [what, input, reply] of FRAMING) {
  test(`${what} is a framing error with a Protocol error reply`, () => {
    const before = resp('GET', 'first');
    const r = scanAllWays(Buffer.concat([before, Buffer.from(input as string, 'latin1')]));
    assert.equal(r.requests.length, 1, 'the request before the error is delivered');
    assert.equal(r.framing.length, 1);
    assert.match(r.framing[0].reply ?? '', /^-ERR Protocol error: .*\r\n$/);
    assert.match(r.framing[0].reply ?? '', reply);
    assert.equal(r.afterFraming, 0);
  });
}

test('nothing is scanned after a framing error', () => {
  const r = scanChunks([Buffer.from('*1\r\n$1\r\nx\r\n*x\r\n'), resp('GET', 'a')]);
  assert.equal(r.framing.length, 1);
  assert.equal(r.afterFraming, 0);
  assert.equal(r.requests.length, 1);
});

test('a key of maxKeyLength bytes is accepted and one byte more is a framing error', () => {
  const ctx = () => makeCtx({}, 100);
  const ok = scanAllWays(resp('GET', 'k'.repeat(100)), ctx);
  assert.equal(ok.requests[0].key, 'k'.repeat(100));
  const bad = scanAllWays(resp('GET', 'k'.repeat(101)), ctx);
  assert.equal(bad.requests.length, 0);
  assert.match(bad.framing[0].reply ?? '', /^-ERR Protocol error: key too long/);
  // Every key of a multi-key command is bounded, values are not.
  const mget = scanAllWays(resp('MGET', 'a', 'k'.repeat(101)), ctx);
  assert.equal(mget.framing.length, 1);
  const mset = scanAllWays(resp('MSET', 'a', 'v'.repeat(1000), 'b', 'v'), ctx);
  assert.deepEqual(mset.requests[0].keys, ['a', 'b']);
  // Arguments that are not keys are not bounded.
  const set = scanAllWays(resp('SET', 'a', 'v'.repeat(1000)), ctx);
  assert.equal(set.requests[0].action, A.forward);
});

test('MGET, DEL, UNLINK, TOUCH and EXISTS with several keys are split, keys in client order', () => {
  for (const name of ['MGET', 'del', 'Unlink', 'TOUCH', 'exists']) {
    const r = scanAllWays(resp(name, 'b', 'a', 'b', ''));
    const [q] = r.requests;
    assert.equal(q.action, A.split, name);
    assert.deepEqual(q.keys, ['b', 'a', 'b', '']);
    assert.equal(q.cmd, commandIndex(name.toLowerCase() as 'mget'));
  }
});

test('a multi-key command with one key or pair is forwarded unchanged', () => {
  const r = scanAllWays(Buffer.concat([resp('mget', 'k'), resp('MSet', 'k', 'v')]));
  assert.deepEqual(r.requests.map((q) => [q.action, q.key, q.keys, q.values]), [
    [A.forward, 'k', null, null],
    [A.forward, 'k', null, null],
  ]);
  assert.equal(r.requests[1].wire, resp('MSet', 'k', 'v').toString('latin1'));
});

test('MSET with several pairs is split with its values kept as slices', () => {
  const r = scanAllWays(resp('MSET', 'k1', 'v1', 'k2', '', 'k3', 'value three'));
  const [q] = r.requests;
  assert.equal(q.action, A.split);
  assert.deepEqual(q.keys, ['k1', 'k2', 'k3']);
  assert.deepEqual(q.values, ['v1', '', 'value three']);
});

test('EVAL and EVALSHA are routed by their first key', () => {
  const r = scanAllWays(Buffer.concat([resp('EVAL', 'return 1', '2', 'k1', 'k2', 'arg'), resp('evalsha', 'abc', '1', 'k')]));
  assert.deepEqual(r.requests.map((q) => [q.action, q.key]), [[A.forward, 'k1'], [A.forward, 'k']]);
});

test('EVAL without a usable key gets an error reply', () => {
  const r = scanAllWays(Buffer.concat([
    resp('EVAL', 's', '0'), resp('EVAL', 's', '2', 'k'), resp('EVAL', 's', 'x', 'k'), resp('EVAL', 's', '-1', 'k'),
    resp('EVAL', 's', '1'), resp('EVAL', 's', '1'.repeat(30), 'k'),
  ]));
  assert.deepEqual(r.requests.map((q) => q.reply), [
    '-ERR eval without keys cannot be routed by the proxy\r\n',
    "-ERR Number of keys can't be greater than number of args\r\n",
    '-ERR value is not an integer or out of range\r\n',
    "-ERR Number of keys can't be negative\r\n",
    "-ERR Number of keys can't be greater than number of args\r\n",
    '-ERR value is not an integer or out of range\r\n',
  ]);
});

test('COMMAND and LOLWUT are forwarded by the key "placeholder"', () => {
  const r = scanAllWays(Buffer.concat([resp('COMMAND'), resp('LOLWUT', 'VERSION', '5'), resp('command', 'INFO', 'get')]));
  assert.deepEqual(r.requests.map((q) => [q.action, q.key]), [[A.forward, 'placeholder'], [A.forward, 'placeholder'], [A.forward, 'placeholder']]);
});

test('a 64 MiB value in random chunks is scanned as slices of those chunks, never copied', () => {
  const value = Buffer.alloc(64 * 1024 * 1024, 0x76);
  const head = Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n`);
  const input = Buffer.concat([head, value, Buffer.from('\r\n'), resp('GET', 'big')]);
  const chunks = randomChunks(input, 7, 256 * 1024, true);
  const seen = scanChunks(chunks);
  assert.equal(seen.requests.length, 2);
  const msg = seen.requests[0].msg;
  assert.equal(msg.key?.toString(), 'big');
  const total = msg.parts.reduce((n, p) => n + p.length, 0);
  assert.equal(total, input.length - resp('GET', 'big').length);
  assert.equal(msg.bytes, total);
  const sources = new Set(chunks.map((c) => c.buffer));
  for (const p of msg.parts) {
    assert.ok(sources.has(p.buffer), 'each part is a view of a received chunk');
    assert.ok(p.length <= p.buffer.byteLength);
  }
  assert.ok(msg.parts.length <= chunks.length);
  assert.ok(Buffer.concat(msg.parts).subarray(head.length, head.length + value.length).equals(value));
});

test('a key split across chunks is copied into one buffer; a key inside one chunk is a range of that chunk, not a copy or a view', () => {
  const chunk = resp('GET', 'inside');
  const one = scanChunks([chunk]).requests[0].msg;
  assert.equal(one.key?.buffer, chunk.buffer);
  assert.equal(one.keyIn, chunk, 'the read itself holds the key');
  assert.equal(chunk.subarray(one.keyStart, one.keyEnd).toString(), 'inside');
  const spanned = scanChunks(randomChunks(resp('GET', 'spanning-key'), 3, 2, true)).requests[0].msg;
  assert.equal(spanned.key?.toString(), 'spanning-key');
  assert.equal(spanned.keyIn?.length, 'spanning-key'.length, 'a copy of just the key');
  const mgetChunk = resp('MGET', 'k1', 'key2');
  const keys = scanChunks([mgetChunk]).requests[0].msg.keys;
  assert.ok(keys !== null && keys.length === 2);
  assert.deepEqual(keys.bufs, [mgetChunk, mgetChunk], 'every key a range of the read that holds it');
  assert.deepEqual([keys.key(0).toString(), keys.key(1).toString()], ['k1', 'key2']);
});

test('random bytes never make the scanner throw, and after a framing error it stays silent', () => {
  const r = rng(12345);
  const alphabet = [...'*$\r\n0123456789-GETSMgetsmxyz "\' \\'];
  for (let i = 0; i < 10000; i++) {
    const buf = randomTokens(r, alphabet, Math.floor(r() * 64), 0.8);
    const seen = scanChunks(randomChunks(buf, i, 9, true), makeCtx({}, 8));
    assert.equal(seen.afterFraming, 0);
    assert.ok(seen.framing.length <= 1);
  }
});

test('mutated valid pipelines never make the scanner throw', () => {
  const r = rng(99);
  const base = Buffer.concat([resp('MSET', 'a', '1', 'b', '2'), resp('MGET', 'a', 'b'), resp('GET', 'a'), resp('EVAL', 's', '1', 'k'), Buffer.from('PING\r\n')]);
  for (let i = 0; i < 10000; i++) {
    const buf = Buffer.from(base);
    const flips = 1 + Math.floor(r() * 3);
    for (let f = 0; f < flips; f++) buf[Math.floor(r() * buf.length)] = Math.floor(r() * 256);
    const seen = scanChunks(randomChunks(buf, i, 11, true));
    assert.equal(seen.afterFraming, 0);
    for (const q of seen.requests) {
      if (q.action === A.forward) assert.ok(q.msg.key !== null, 'a forwarded request always has a key');
      if (q.action === A.local) assert.ok(q.msg.reply !== null && q.msg.done, 'a local request always has its reply');
      if (q.action === A.split) assert.ok((q.msg.keys?.length ?? 0) >= 2);
    }
  }
});
