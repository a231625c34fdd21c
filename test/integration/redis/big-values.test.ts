// Big values while read slabs are reused (socket-reader.ts markIdle): a client whose requests are all
// answered reads its next request over the memory of the last one, and a server connection whose
// replies are all written reads over them, so these tests check that no request or reply is ever
// read over while it is still on its way. Many clients at once,
// values from 8 KB to 48 KB of random bytes, sent one at a time, pipelined (where nothing may be
// reused until the whole burst is answered) and mixed with small requests, each value read back; and
// big replies to many clients, in MGETs, to a client that leaves and to one that does not read.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, resp, type WireClient } from '../../helpers/wire';
import { randomBytes, randomInt, rng } from '../../helpers/random';
import { slabsAllocated } from '../../../src/proxy/socket-reader';
import { bulk, startShardedRedis, type ShardedRedis } from './sharded-redis';

const T = { timeout: 60_000 };
let shard: ShardedRedis;

before(async () => {
  shard = await startShardedRedis({ servers: 2, directives: { hash: 'fnv1a_64', distribution: 'ketama' } });
});

after(async () => {
  await shard?.stop();
});

async function setOne(c: WireClient, key: string, value: Buffer): Promise<void> {
  c.send(resp('SET', key, value));
  assert.equal(String(await c.readReply('redis')), '+OK\r\n', key);
}

/** `count` keys named `prefix:i` holding random values of min..min+span bytes, stored through client c. */
async function storeBig(c: WireClient, next: () => number, prefix: string, count: number, min: number, span: number): Promise<{ keys: string[]; values: Buffer[] }> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
  const values = keys.map(() => randomBytes(next, min + randomInt(next, span)));
  for (let i = 0; i < keys.length; i++) await setOne(c, keys[i], values[i]);
  return { keys, values };
}

async function expectValue(c: WireClient, key: string, value: Buffer): Promise<void> {
  c.send(resp('GET', key));
  assert.ok((await c.readReply('redis')).equals(bulk(value)), `${key} came back unchanged`);
}

test('one client sending big SETs one at a time reuses one slab for all of them', T, async () => {
  const next = rng(7);
  const c = await connect(shard.port);
  await setOne(c, 'bv:warm', randomBytes(next, 20_000)); // the first big read is copied and switches to a slab
  const before = slabsAllocated();
  const values = Array.from({ length: 100 }, () => randomBytes(next, 16_000 + randomInt(next, 8_000)));
  for (let i = 0; i < values.length; i++) await setOne(c, `bv:one:${i}`, values[i]);
  assert.ok(slabsAllocated() - before <= 3, `slabs allocated for 100 big SETs: ${slabsAllocated() - before}`);
  for (let i = 0; i < values.length; i++) await expectValue(c, `bv:one:${i}`, values[i]);
  await c.close();
});

test('16 clients: big values one at a time, in pipelined bursts and between small requests, all intact', T, async () => {
  await Promise.all(
    Array.from({ length: 16 }, async (_, ci) => {
      const next = rng(100 + ci);
      const c = await connect(shard.port);
      const stored = new Map<string, Buffer>();
      for (let round = 0; round < 12; round++) {
        const big = (): Buffer => randomBytes(next, 8_000 + randomInt(next, 40_000));
        // One at a time: the client is idle between requests, so its slab is reused every time.
        const key = `bv:${ci}:${round}:single`;
        stored.set(key, big());
        await setOne(c, key, stored.get(key) as Buffer);
        // A burst mixed with small requests: nothing of it may be reused before every reply of the
        // burst is written.
        const burst: Buffer[] = [];
        const expected: string[] = [];
        for (let j = 0; j < 6; j++) {
          const k = `bv:${ci}:${round}:burst${j}`;
          stored.set(k, big());
          burst.push(resp('SET', k, stored.get(k) as Buffer), resp('PING'));
          expected.push('+OK\r\n', '+PONG\r\n');
        }
        // Sent in pieces cut at random points, so reads end inside a request whose start must survive
        // replies to the requests before it (an idle client is one without a partial request too).
        const bytes = Buffer.concat(burst);
        for (let from = 0; from < bytes.length; ) {
          const to = Math.min(bytes.length, from + 1 + randomInt(next, 30_000));
          c.send(bytes.subarray(from, to));
          from = to;
          await new Promise((r) => setTimeout(r, 1));
        }
        assert.deepEqual((await c.readReplies(expected.length, 'redis')).map(String), expected);
        // Read back everything stored so far, pipelined, and the single one alone.
        const keys = [...stored.keys()].slice(-7);
        c.send(Buffer.concat(keys.map((k) => resp('GET', k))));
        const replies = await c.readReplies(keys.length, 'redis');
        keys.forEach((k, i) => assert.ok(replies[i].equals(bulk(stored.get(k) as Buffer)), `${k} came back unchanged`));
      }
      for (const [k, v] of stored) await expectValue(c, k, v);
      await c.close();
    }),
  );
});

test('one client reading big values one at a time: the server connection reuses its slab', T, async () => {
  const next = rng(11);
  const c = await connect(shard.port);
  const value = randomBytes(next, 20_000);
  await setOne(c, 'bv:read', value);
  await expectValue(c, 'bv:read', value); // the first big reply is copied and switches to a slab
  const before = slabsAllocated();
  for (let i = 0; i < 100; i++) await expectValue(c, 'bv:read', value);
  assert.ok(slabsAllocated() - before <= 3, `slabs allocated for 100 big GETs: ${slabsAllocated() - before}`);
  await c.close();
});

test('big replies to many clients at once, pipelined, in MGETs and to a client that leaves: all intact', T, async () => {
  const w = await connect(shard.port);
  const { keys, values } = await storeBig(w, rng(12), 'bv:r', 40, 8_000, 40_000);
  await w.close();
  const mget = (ks: number[]): Buffer => Buffer.concat([Buffer.from(`*${ks.length}\r\n`), ...ks.map((k) => bulk(values[k]))]);

  // A client that leaves with replies on their way.
  const leaving = await connect(shard.port);
  leaving.send(Buffer.concat(keys.map((k) => resp('GET', k))));
  const leftAt = new Promise((r) => setTimeout(r, 3)).then(() => leaving.close());

  await Promise.all(
    Array.from({ length: 12 }, async (_, ci) => {
      const r = rng(200 + ci);
      const c = await connect(shard.port);
      for (let round = 0; round < 15; round++) {
        const one = randomInt(r, keys.length);
        c.send(resp('GET', keys[one]));
        assert.ok((await c.readReply('redis')).equals(bulk(values[one])), `GET ${keys[one]}`);
        const burst = Array.from({ length: 5 }, () => randomInt(r, keys.length));
        c.send(Buffer.concat(burst.map((k) => resp('GET', keys[k]))));
        const replies = await c.readReplies(burst.length, 'redis');
        burst.forEach((k, i) => assert.ok(replies[i].equals(bulk(values[k])), `pipelined GET ${keys[k]}`));
        const ks = Array.from({ length: 6 }, () => randomInt(r, keys.length));
        c.send(resp('MGET', ...ks.map((k) => keys[k])));
        assert.ok((await c.readReply('redis')).equals(mget(ks)), 'MGET of big values');
      }
      await c.close();
    }),
  );
  await leftAt;
});

test('a client that does not read: its replies wait in the proxy while another client is served, then arrive intact', T, async () => {
  const next = rng(13);
  const w = await connect(shard.port);
  const { keys, values } = await storeBig(w, next, 'bv:slow', 20, 16_000, 16_000);
  // More than the socket buffers hold: the proxy's writes to this client go on waiting.
  const slow = await connect(shard.port);
  slow.socket.pause();
  const sent: number[] = Array.from({ length: 300 }, (_, i) => i % keys.length);
  slow.send(Buffer.concat(sent.map((k) => resp('GET', keys[k]))));
  await new Promise((r) => setTimeout(r, 200));
  // Then one at a time, interleaved with another client's reads from the same servers.
  for (let i = 0; i < 40; i++) {
    const k = randomInt(next, keys.length);
    slow.send(resp('GET', keys[k]));
    sent.push(k);
    const o = randomInt(next, keys.length);
    await expectValue(w, keys[o], values[o]);
  }
  slow.socket.resume();
  const replies = await slow.readReplies(sent.length, 'redis', 30_000);
  sent.forEach((k, i) => assert.ok(replies[i].equals(bulk(values[k])), `reply ${i} to the client that did not read`));
  await slow.close();
  await w.close();
});
