// node-redis (the `redis` package, v6) through the proxy. With default settings it speaks RESP3: its
// handshake sends HELLO 3 and treats any error reply (-NOPROTO from us, or "unknown command" from a
// Redis 5) as fatal, with no RESP2 fallback; so a default client cannot use a RESP2-only proxy, and the
// working tests set `RESP: 2`. With that: commands of every kind, pipelines, redis_auth, QUIT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { clientPools } from './redis-client-pools';

const T = { timeout: 30_000 };
const PASSWORD = 'nr-pass';

const pools = clientPools(PASSWORD, { hash: 'md5', hash_tag: '{}' });

/** Socket options that differ from the defaults only in not reconnecting after a failure. */
function socket(port: number) {
  return { host: '127.0.0.1', port, reconnectStrategy: false as const };
}

async function connected(port: number, extra: { password?: string } = {}) {
  const client = createClient({ socket: socket(port), RESP: 2, ...extra });
  client.on('error', () => {
    // also reported through the rejected promise that the tests check
  });
  await client.connect();
  return client;
}

test('node-redis with default settings asks for RESP3, is refused with NOPROTO and does not fall back', T, async () => {
  const client = createClient({ socket: socket(pools.shard.port) });
  client.on('error', () => undefined);
  await assert.rejects(client.connect(), /NOPROTO/);
  if (client.isOpen) client.destroy();
});

test('node-redis with RESP 2 runs commands of every kind', T, async () => {
  const client = await connected(pools.shard.port);
  try {
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await client.set('nr:a', 'hello'), 'OK');
    assert.equal(await client.get('nr:a'), 'hello');
    assert.equal(await client.mSet({ 'nr:b': '1', 'nr:c': '2', 'nr:d': '3' }), 'OK');
    assert.deepEqual(await client.mGet(['nr:a', 'nr:b', 'nr:none', 'nr:d']), ['hello', '1', null, '3']);
    assert.equal(await client.incrBy('nr:b', 41), 42);
    assert.equal(await client.exists(['nr:a', 'nr:b', 'nr:none']), 2);
    assert.equal(await client.hSet('nr:h', { f1: 'v1', f2: 'v2' }), 2);
    assert.deepEqual({ ...(await client.hGetAll('nr:h')) }, { f1: 'v1', f2: 'v2' });
    assert.equal(await client.rPush('nr:l', ['x', 'y']), 2);
    assert.deepEqual(await client.lRange('nr:l', 0, -1), ['x', 'y']);
    assert.equal(await client.sAdd('nr:s', ['1', '2']), 2);
    assert.equal(await client.sIsMember('nr:s', '2'), 1);
    assert.equal(await client.zAdd('nr:z', [{ score: 1, value: 'a' }, { score: 2, value: 'b' }]), 2);
    assert.deepEqual(await client.zRange('nr:z', 0, -1), ['a', 'b']);
    assert.equal(await client.set('{nr}k', 'x'), 'OK');
    assert.equal(await client.eval("return redis.call('GET', KEYS[1]) .. ARGV[1]", { keys: ['{nr}k'], arguments: ['!'] }), 'x!');
    assert.equal(await client.del(['nr:a', 'nr:b', 'nr:c', 'nr:d']), 4);
    await assert.rejects(client.keys('*'), /unsupported command 'KEYS'/);
  } finally {
    client.destroy();
  }
});

test('node-redis pipelines 1,000 commands, automatically and with execAsPipeline, results in order', T, async () => {
  const client = await connected(pools.shard.port);
  try {
    const auto = await Promise.all(Array.from({ length: 500 }, (_, i) => client.set(`nr:p:${i}`, `v${i}`).then(() => client.get(`nr:p:${i}`))));
    assert.deepEqual(auto, Array.from({ length: 500 }, (_, i) => `v${i}`));
    const batch = client.multi();
    for (let i = 0; i < 500; i++) batch.incr(`nr:n:${i % 7}`).get(`nr:p:${i}`);
    const results = await batch.execAsPipeline();
    assert.equal(results.length, 1000);
    assert.deepEqual(results.filter((_, i) => i % 2 === 1), Array.from({ length: 500 }, (_, i) => `v${i}`));
    assert.deepEqual(results.slice(-2), [Math.floor(499 / 7) + 1, 'v499']);
  } finally {
    client.destroy();
  }
});

test('node-redis authenticates to a pool with redis_auth through its password option and closes with QUIT', T, async () => {
  const client = await connected(pools.authed.port, { password: PASSWORD });
  assert.equal(await client.set('k', 'v'), 'OK');
  assert.equal(await client.get('k'), 'v');
  assert.equal(await client.quit(), 'OK');
  await assert.rejects(connected(pools.authed.port, { password: 'wrong' }), /invalid password/);
});
