// Multi-key commands split by server (spec §6.5) against 4 real redis-servers: MGET, DEL, UNLINK, TOUCH,
// EXISTS and MSET with keys on 1, 2, 3 and 4 servers, with duplicate and missing keys. Where each key
// lives is learned from the backends themselves, so every expectation is about real placement; MONITOR
// on the backends shows what the fragments looked like on the wire.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, resp } from '../../helpers/wire';
import { bulk, exchange, startShardedRedis, type ShardedRedis } from './sharded-redis';

const T = { timeout: 30_000 };
const SERVERS = 4;
const CANDIDATES = 400;

let shard: ShardedRedis;
/** byServer[i]: keys that exist on backend i, with value `v:<key>`. */
const present: string[][] = [];
/** absent[i]: keys that map to backend i but do not exist. */
const absent: string[][] = [];

const value = (key: string): string => `v:${key}`;

before(async () => {
  shard = await startShardedRedis({ servers: SERVERS, directives: { hash: 'md5' } });
  const keys = Array.from({ length: CANDIDATES }, (_, i) => `frag:${i}`);
  const replies = await exchange(shard.port, keys.map((k) => resp('SET', k, value(k))));
  assert.ok(replies.every((r) => r.toString() === '+OK\r\n'));
  const where = await shard.locate(keys);
  for (let i = 0; i < SERVERS; i++) {
    present.push([]);
    absent.push([]);
  }
  // Every other key of each server is deleted again (directly on its backend): a missing key whose
  // server is known.
  keys.forEach((k, i) => (present[where[i]].length <= absent[where[i]].length ? present : absent)[where[i]].push(k));
  await Promise.all(absent.map((ks, i) => shard.directMany(i, ks.map((k) => resp('DEL', k)))));
  for (let i = 0; i < SERVERS; i++) assert.ok(absent[i].length >= 8, `backend ${i} got only ${present[i].length + absent[i].length} keys`);
});

after(async () => {
  await shard?.stop();
});

/**
 * Keys on the first n servers: two present and one missing per server, interleaved across servers,
 * then the first present and the first missing key once more.
 */
function keysOnServers(n: number, offset = 0): string[] {
  const keys: string[] = [];
  for (const pick of [(s: number) => present[s][offset], (s: number) => absent[s][offset], (s: number) => present[s][offset + 1]]) {
    for (let s = 0; s < n; s++) keys.push(pick(s));
  }
  keys.push(keys[0], keys[n]);
  return keys;
}

const exists = (key: string): boolean => present.some((ks) => ks.includes(key));

function mgetReply(keys: string[]): Buffer {
  return Buffer.concat([Buffer.from(`*${keys.length}\r\n`), ...keys.map((k) => bulk(exists(k) ? value(k) : null))]);
}

for (let n = 1; n <= SERVERS; n++) {
  test(`mget with keys on ${n} server(s), duplicates and missing keys returns values in request order`, T, async () => {
    const keys = keysOnServers(n);
    const [reply] = await exchange(shard.port, [resp('MGET', ...keys)]);
    assert.equal(reply.toString(), mgetReply(keys).toString());
  });

  test(`exists and touch with keys on ${n} server(s) count every present key as often as it is named`, T, async () => {
    const keys = keysOnServers(n, 2);
    const expected = keys.filter(exists).length;
    const replies = await exchange(shard.port, [resp('EXISTS', ...keys), resp('TOUCH', ...keys)]);
    assert.deepEqual(replies.map(String), [`:${expected}\r\n`, `:${expected}\r\n`]);
  });

  test(`mset with keys on ${n} server(s) stores each pair on its key's backend, the last duplicate winning`, T, async () => {
    const keys = keysOnServers(n, 4);
    const pairs = keys.flatMap((k, i) => [k, `mset:${i}`]);
    const [reply] = await exchange(shard.port, [resp('MSET', ...pairs)]);
    assert.equal(reply.toString(), '+OK\r\n');
    const where = await shard.locate(keys);
    for (let i = 0; i < keys.length; i++) {
      const last = keys.lastIndexOf(keys[i]);
      assert.equal(await shard.direct(where[i], 'GET', keys[i]), bulk(`mset:${last}`).toString());
    }
    // Put the test data back as it was: keys that were absent are absent again.
    await exchange(shard.port, keys.map((k) => (exists(k) ? resp('SET', k, value(k)) : resp('DEL', k))));
  });
}

for (const cmd of ['DEL', 'UNLINK'] as const) {
  test(`${cmd.toLowerCase()} across all servers counts each removed key once and removes it from its backend`, T, async () => {
    const keys = keysOnServers(SERVERS, 6);
    const distinctPresent = new Set(keys.filter(exists));
    const replies = await exchange(shard.port, [resp(cmd, ...keys), resp(cmd, ...keys)]);
    assert.deepEqual(replies.map(String), [`:${distinctPresent.size}\r\n`, ':0\r\n']);
    assert.deepEqual(await shard.locate(keys), keys.map(() => -1));
    await exchange(shard.port, [...distinctPresent].map((k) => resp('SET', k, value(k))));
  });
}

test('a wide mget of 2,000 keys over 4 servers keeps request order', T, async () => {
  const all = present.flat().concat(absent.flat());
  let seed = 7;
  const keys = Array.from({ length: 2000 }, () => all[(seed = (seed * 1103515245 + 12345) % 2147483648) % all.length]);
  const [reply] = await exchange(shard.port, [resp('MGET', ...keys)]);
  assert.ok(reply.equals(mgetReply(keys)));
});

test('each backend receives one lowercase fragment holding only its keys, in request order', T, async () => {
  const monitors = await Promise.all(
    shard.backends.map(async (b) => {
      const c = await connect(b.port);
      c.send(resp('MONITOR'));
      assert.equal((await c.readReply('redis')).toString(), '+OK\r\n');
      return c;
    }),
  );
  try {
    const keys = [present[3][0], present[0][0], present[1][0], present[0][1], present[3][1], present[1][0]];
    const [reply] = await exchange(shard.port, [resp('MGet', ...keys)]);
    assert.equal(reply.toString(), mgetReply(keys).toString());
    const seen = await Promise.all(monitors.slice(0, 2).concat(monitors.slice(3)).map((m) => m.readReply('redis')));
    const command = (line: Buffer): string => line.toString().replace(/^\+[\d.]+ \[\d+ [^\]]+\] /, '').trim();
    assert.deepEqual(seen.map(command), [
      `"mget" "${present[0][0]}" "${present[0][1]}"`,
      `"mget" "${present[1][0]}" "${present[1][0]}"`,
      `"mget" "${present[3][0]}" "${present[3][1]}"`,
    ]);
    // One key: forwarded as the client wrote it. (Had backend 2 seen part of the MGET above, that line
    // would be read here instead.)
    await exchange(shard.port, [resp('MGet', present[2][0])]);
    assert.equal(command(await monitors[2].readReply('redis')), `"MGet" "${present[2][0]}"`);
  } finally {
    await Promise.all(monitors.map((m) => m.close()));
  }
});
