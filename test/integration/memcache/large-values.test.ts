// Big and binary values through our proxy to real memcached servers (item limit raised to 2 MiB):
// 1 MiB values written in random chunks and read back byte for byte, 1 MiB values from three servers
// merged into one multi-get reply, data holding every byte value and text that looks like protocol
// lines, and memcached's own error for a value over its limit, after which the connection carries on.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../helpers/wire';
import { startMemcacheCluster, type MemcacheCluster } from './memcache-cluster';
import { randomBytes, randomInt, rng } from '../../helpers/random';
import { memcacheWire as mc } from './memcache-wire';
import { slabsAllocated } from '../../../src/proxy/socket-reader';

const T = { timeout: 30_000 };
const MiB = 1024 * 1024;
let cluster: MemcacheCluster;

before(async () => {
  cluster = await startMemcacheCluster({ directives: { hash: 'md5' }, memcachedArgs: ['-I', '2m'] });
});
after(() => cluster?.stop());

test('a 1 MiB value sent in random chunks is stored whole and read back byte for byte', T, async () => {
  const value = randomBytes(rng(1), MiB);
  const c = await connect(cluster.port);
  await mc.sendInChunks(c, mc.store('set', 'lv:one', value, { flags: 42 }), 11, 32 * 1024);
  assert.equal(String(await c.readReply('memcache')), 'STORED\r\n');
  c.send(mc.line('get', 'lv:one'));
  assert.ok((await c.readReply('memcache', 10_000)).equals(mc.values(mc.value('lv:one', value, 42))), 'the value came back unchanged');
  await c.close();
  const [where] = await cluster.holders(['lv:one']);
  const [direct] = await cluster.direct(where, mc.line('get', 'lv:one'));
  assert.ok(direct.equals(mc.values(mc.value('lv:one', value, 42))), 'the backend holds the exact bytes');
});

test('1 MiB values on three servers come back whole and in order in one multi-get', T, async () => {
  // Find one key per server with small values first, then store the big ones.
  const candidates = Array.from({ length: 30 }, (_, i) => `lv:multi:${i}`);
  await mc.exchange(cluster.port, Buffer.concat(candidates.map((k) => mc.store('set', k, '-'))), candidates.length);
  const homes = await cluster.holders(candidates);
  const keys = [2, 0, 1].map((s) => candidates[homes.indexOf(s)]);
  assert.ok(keys.every((k) => k !== undefined), 'a key on every server');
  const values = keys.map((_, i) => randomBytes(rng(100 + i), MiB - 64));
  const c = await connect(cluster.port);
  await mc.sendInChunks(c, Buffer.concat(keys.map((k, i) => mc.store('set', k, values[i]))), 12, 64 * 1024);
  assert.deepEqual((await c.readReplies(3, 'memcache')).map(String), ['STORED\r\n', 'STORED\r\n', 'STORED\r\n']);
  c.send(mc.line('get', keys[0], 'lv:none', keys[1], keys[2], keys[0]));
  const reply = await c.readReply('memcache', 10_000);
  await c.close();
  const expected = mc.values(...[0, 1, 2, 0].map((i) => mc.value(keys[i], values[i])));
  assert.equal(reply.length, expected.length);
  assert.ok(reply.equals(expected), 'every value came back unchanged, in request order');
});

/** Values that a parser reading data as lines, or searching it for END, would get wrong. */
const TRICKY: [string, Buffer][] = [
  ['every byte value', Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))],
  ['CRLF END CRLF', Buffer.from('\r\nEND\r\n')],
  ['a whole fake VALUE reply', Buffer.from('VALUE lv:x 0 5\r\nhello\r\nEND\r\n')],
  ['reply words', Buffer.from('STORED\r\nNOT_FOUND\r\nSERVER_ERROR x\r\nERROR\r\n')],
  ['a lone CR and a lone LF', Buffer.from('a\rb\nc')],
  ['only CRLF', Buffer.from('\r\n')],
  ['nothing (zero bytes)', Buffer.alloc(0)],
  ['NUL bytes', Buffer.alloc(100)],
];

test('binary-safe values: data with any bytes, CRLFs and protocol text comes back unchanged', T, async () => {
  const keys = TRICKY.map((_, i) => `lv:bin:${i}`);
  const c = await connect(cluster.port);
  c.send(Buffer.concat(TRICKY.map(([, v], i) => mc.store('set', keys[i], v, { flags: i }))));
  assert.deepEqual((await c.readReplies(TRICKY.length, 'memcache')).map(String), TRICKY.map(() => 'STORED\r\n'));
  for (const [i, [name, v]] of TRICKY.entries()) {
    c.send(mc.line('get', keys[i]));
    assert.ok((await c.readReply('memcache')).equals(mc.values(mc.value(keys[i], v, i))), name);
  }
  c.send(mc.line('get', ...keys));
  assert.ok((await c.readReply('memcache')).equals(mc.values(...TRICKY.map(([, v], i) => mc.value(keys[i], v, i)))), 'multi-get');
  await c.close();
});

test('append and prepend of binary data join the bytes exactly', T, async () => {
  const [head, middle, tail] = [Buffer.from([0, 13, 10, 255]), Buffer.from('\r\nEND\r\n'), Buffer.from([128, 10, 13])];
  const replies = await mc.exchange(
    cluster.port,
    Buffer.concat([
      mc.store('set', 'lv:join', middle),
      mc.store('append', 'lv:join', tail),
      mc.store('prepend', 'lv:join', head),
      mc.line('get', 'lv:join'),
    ]),
    4,
  );
  assert.ok(replies[3].equals(mc.values(mc.value('lv:join', Buffer.concat([head, middle, tail])))));
});

test('a request written one byte per write is reassembled into the same value', T, async () => {
  const value = randomBytes(rng(5), 300);
  const c = await connect(cluster.port);
  await mc.sendInChunks(c, Buffer.concat([mc.store('set', 'lv:drip', value), mc.line('get', 'lv:drip')]), 1, 1);
  const [stored, got] = await c.readReplies(2, 'memcache');
  await c.close();
  assert.equal(String(stored), 'STORED\r\n');
  assert.ok(got.equals(mc.values(mc.value('lv:drip', value))));
});

test('a value over memcached\'s item limit gets memcached\'s SERVER_ERROR and the connection carries on', T, async () => {
  const c = await connect(cluster.port);
  await mc.sendInChunks(c, Buffer.concat([mc.store('set', 'lv:huge', Buffer.alloc(3 * MiB, 7)), mc.line('get', 'lv:huge')]), 3, 256 * 1024);
  const replies = (await c.readReplies(2, 'memcache', 10_000)).map(String);
  assert.deepEqual(replies, ['SERVER_ERROR object too large for cache\r\n', 'END\r\n']);
  c.send('version\r\n');
  assert.match(String(await c.readReply('memcache')), /^VERSION /);
  await c.close();
});

test('big values stored with noreply one after another, then read back: every one intact', T, async () => {
  // A noreply request is finished once written to its server, and its client's read slab may then be
  // read over: each value must have left whole before the next one arrives.
  const next = rng(6);
  const values = Array.from({ length: 60 }, () => randomBytes(next, 8_000 + randomInt(next, 30_000)));
  const c = await connect(cluster.port);
  c.send(mc.store('set', 'lv:nr:warm', values[0], { noreply: true })); // the first big read is copied
  await new Promise((r) => setTimeout(r, 5));
  const before = slabsAllocated();
  for (let i = 0; i < values.length; i++) {
    c.send(mc.store('set', `lv:nr:${i}`, values[i], { noreply: true }));
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(slabsAllocated() - before < values.length / 4, `slabs allocated for ${values.length} noreply SETs: ${slabsAllocated() - before}`);
  for (let i = 0; i < values.length; i++) {
    c.send(mc.line('get', `lv:nr:${i}`));
    assert.ok((await c.readReply('memcache')).equals(mc.values(mc.value(`lv:nr:${i}`, values[i]))), `value ${i}`);
  }
  await c.close();
});
