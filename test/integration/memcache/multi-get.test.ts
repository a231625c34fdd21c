// Multi-key get/gets/gat through our proxy to three real memcached servers: the request is split per
// server and the replies merged back into one, with values in the client's key order (also around
// missing keys, where nutcracker reorders), duplicated keys answered once per mention, and cas
// uniques passed through. Keys are chosen by asking the backends where they landed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../helpers/wire';
import { startMemcacheCluster, type MemcacheCluster } from './memcache-cluster';
import { memcacheWire as mc } from './memcache-wire';

const T = { timeout: 20_000 };
let cluster: MemcacheCluster;
/** Keys known to live on backend 0, 1, 2 (value: `val:<key>`, flags: the key's length). */
const byServer: string[][] = [[], [], []];

const valueOf = (k: string): string => `val:${k}`;
const blockOf = (k: string): Buffer => mc.value(k, valueOf(k), k.length);

before(async () => {
  cluster = await startMemcacheCluster({ directives: { hash: 'md5' } });
  const candidates = Array.from({ length: 90 }, (_, i) => `mg:${i}`);
  const sets = Buffer.concat(candidates.map((k) => mc.store('set', k, valueOf(k), { flags: k.length })));
  await mc.exchange(cluster.port, sets, candidates.length);
  (await cluster.holders(candidates)).forEach((s, i) => byServer[s]?.push(candidates[i]));
  for (const keys of byServer) assert.ok(keys.length >= 5, `every server holds some keys: ${byServer.map((k) => k.length)}`);
});
after(() => cluster?.stop());

async function get(...keys: string[]): Promise<string> {
  return (await mc.exchange(cluster.port, mc.line('get', ...keys)))[0].toString('latin1');
}

const [s1, s2, s3] = [0, 1, 2].map((s) => (i: number) => byServer[s][i]);

test('get with keys on all three servers returns every value in request order', T, async () => {
  const keys = [s2(0), s1(0), s3(0), s1(1), s3(1), s2(1)];
  assert.equal(await get(...keys), String(mc.values(...keys.map(blockOf))));
});

test('missing keys are skipped and the others keep request order, also when a missing key shares their server', T, async () => {
  // Where would the missing key live? Store it once to find out, then delete it.
  const absent = 'mg:absent';
  await mc.exchange(cluster.port, mc.store('set', absent, 'x'));
  const [home] = await cluster.holders([absent]);
  await mc.exchange(cluster.port, mc.line('delete', absent));
  const other = byServer[(home + 1) % 3][0];
  const sameServer = byServer[home][0];
  // nutcracker answers VALUE <sameServer>, VALUE <other> here: it gives the missing key's turn to the
  // next block from the same server. We keep the client's order.
  assert.equal(await get(absent, other, sameServer), String(mc.values(blockOf(other), blockOf(sameServer))));
  const keys = [s1(0), 'mg:none-1', s2(2), 'mg:none-2', s3(2), s3(3), 'mg:none-3'];
  assert.equal(await get(...keys), String(mc.values(blockOf(s1(0)), blockOf(s2(2)), blockOf(s3(2)), blockOf(s3(3)))));
});

test('a key asked for several times returns its value once per mention, in place', T, async () => {
  const keys = [s1(0), s2(0), s1(0), s3(0), s1(0), s2(0)];
  assert.equal(await get(...keys), String(mc.values(...keys.map(blockOf))));
});

test('a multi-get where every key is missing returns END alone', T, async () => {
  assert.equal(await get('mg:x1', 'mg:x2', 'mg:x3', 'mg:x4'), 'END\r\n');
});

test('gets across servers returns each value with the cas unique its backend holds', T, async () => {
  const keys = [s3(4), s1(4), s2(4)];
  const merged = (await mc.exchange(cluster.port, mc.line('gets', ...keys)))[0].toString('latin1');
  const expected = await Promise.all(
    keys.map(async (k) => {
      const [where] = await cluster.holders([k]);
      const [reply] = await cluster.direct(where, mc.line('gets', k));
      return reply.toString('latin1').replace(/END\r\n$/, '');
    }),
  );
  assert.equal(merged, expected.join('') + 'END\r\n');
  for (const block of expected) assert.match(block, /^VALUE \S+ \d+ \d+ \d+\r\n/, 'each block carries a cas unique');
});

test('gat across servers returns the values and touches every key', T, async () => {
  const keys = ['mg:gat-a', 'mg:gat-b', 'mg:gat-c', 'mg:gat-d', 'mg:gat-e', 'mg:gat-f'];
  const sets = Buffer.concat(keys.map((k) => mc.store('set', k, valueOf(k), { flags: k.length })));
  await mc.exchange(cluster.port, sets, keys.length);
  assert.ok(new Set(await cluster.holders(keys)).size >= 2, 'the keys span servers');
  const [touched] = await mc.exchange(cluster.port, mc.line('gat', -1, ...keys));
  assert.equal(String(touched), String(mc.values(...keys.map(blockOf))));
  assert.equal(await get(...keys), 'END\r\n', 'a negative exptime expired every key');
});

test('a multi-get of 1,000 keys over three servers, a third missing, comes back complete and in order', T, async () => {
  const keys = Array.from({ length: 1000 }, (_, i) => `big:${i}`);
  const present = keys.filter((_, i) => i % 3 !== 1);
  await mc.exchange(cluster.port, Buffer.concat(present.map((k) => mc.store('set', k, valueOf(k), { flags: k.length }))), present.length);
  assert.equal(new Set(await cluster.holders(present)).size, 3);
  assert.equal(await get(...keys), String(mc.values(...present.map(blockOf))));
});

test('a multi-get sent in small random chunks is reassembled before it is split', T, async () => {
  const keys = [s1(0), s2(0), 'mg:none', s3(0), s2(1)];
  const reversed = [...keys].reverse();
  const c = await connect(cluster.port);
  await mc.sendInChunks(c, Buffer.concat([mc.line('get', ...keys), mc.line('get', ...reversed)]), 7, 5);
  const replies = (await c.readReplies(2, 'memcache')).map(String);
  await c.close();
  const expect = (order: string[]): string => String(mc.values(...order.filter((k) => k !== 'mg:none').map(blockOf)));
  assert.deepEqual(replies, [expect(keys), expect(reversed)]);
});

test('many clients multi-getting at the same time each receive their own values', T, async () => {
  const clients = 20;
  const results = await Promise.all(
    Array.from({ length: clients }, async (_, n) => {
      const keys = [s1(n % 5), s2((n + 1) % 5), s3((n + 2) % 5), `mg:none-${n}`, s1((n + 3) % 5)];
      const replies = (await mc.exchange(cluster.port, Buffer.concat(Array.from({ length: 10 }, () => mc.line('get', ...keys))), 10)).map(String);
      return { keys, replies };
    }),
  );
  for (const { keys, replies } of results) {
    const expected = String(mc.values(...keys.filter((k) => !k.startsWith('mg:none')).map(blockOf)));
    assert.deepEqual(replies, Array(10).fill(expected));
  }
});
