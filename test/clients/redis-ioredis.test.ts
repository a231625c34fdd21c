// ioredis (v6) through the proxy with default settings: it asks for RESP3 with HELLO 3, gets -NOPROTO
// and falls back to RESP2 by itself, then runs its ready check (INFO). Commands of every kind, a
// 1,000-command pipeline, binary values, redis_auth via the `password` option, and QUIT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { clientPools } from './redis-client-pools';

const T = { timeout: 30_000 };
const PASSWORD = 'io-pass';

const pools = clientPools(PASSWORD, { hash: 'md5', hash_tag: '{}' });

/** A client with default settings, except: fail instead of reconnecting forever if something is wrong. */
async function client(port: number, extra: Record<string, unknown> = {}): Promise<Redis> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, ...extra });
  redis.on('error', () => {
    // errors also reject the command or connect() that caused them; that is what the tests check
  });
  await redis.connect();
  return redis;
}

test('ioredis with default settings connects and runs commands of every kind', T, async () => {
  const redis = await client(pools.shard.port);
  try {
    assert.equal(await redis.ping(), 'PONG');
    assert.equal(await redis.set('io:a', 'hello'), 'OK');
    assert.equal(await redis.get('io:a'), 'hello');
    assert.equal(await redis.mset({ 'io:b': '1', 'io:c': '2', 'io:d': '3' }), 'OK');
    assert.deepEqual(await redis.mget('io:a', 'io:b', 'io:none', 'io:d'), ['hello', '1', null, '3']);
    assert.equal(await redis.incrby('io:b', 41), 42);
    assert.equal(await redis.exists('io:a', 'io:b', 'io:none'), 2);
    assert.equal(await redis.hset('io:h', { f1: 'v1', f2: 'v2' }), 2);
    assert.deepEqual(await redis.hgetall('io:h'), { f1: 'v1', f2: 'v2' });
    assert.equal(await redis.rpush('io:l', 'x', 'y', 'z'), 3);
    assert.deepEqual(await redis.lrange('io:l', 0, -1), ['x', 'y', 'z']);
    assert.equal(await redis.zadd('io:z', 2, 'b', 1, 'a'), 2);
    assert.deepEqual(await redis.zrange('io:z', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '2']);
    assert.equal(await redis.expire('io:a', 100), 1);
    assert.equal(await redis.ttl('io:a'), 100);
    assert.equal(await redis.set('{io}k', 'x'), 'OK');
    assert.equal(await redis.eval("return redis.call('GET', KEYS[1]) .. ARGV[1]", 1, '{io}k', '!'), 'x!');
    assert.equal(await redis.del('io:a', 'io:b', 'io:c', 'io:d', 'io:none'), 4);
    await assert.rejects(redis.keys('*'), /unsupported command 'keys'/i);
    assert.equal(await redis.get('io:h').catch((e: Error) => e.message), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  } finally {
    redis.disconnect();
  }
});

test('an ioredis pipeline of 1,000 commands gets every result in order', T, async () => {
  const redis = await client(pools.shard.port);
  try {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 500; i++) pipeline.set(`io:p:${i}`, `v${i}`).get(`io:p:${i}`);
    const results = await pipeline.exec();
    assert.equal(results?.length, 1000);
    results?.forEach(([err, value], i) => {
      assert.equal(err, null);
      assert.equal(value, i % 2 === 0 ? 'OK' : `v${(i - 1) / 2}`);
    });
  } finally {
    redis.disconnect();
  }
});

test('ioredis stores and reads back binary values', T, async () => {
  const redis = await client(pools.shard.port);
  try {
    const value = Buffer.from([0, 255, 13, 10, 36, 42, 128]);
    assert.equal(await redis.set(Buffer.from([0xfe, 0x00]), value), 'OK');
    assert.ok((await redis.getBuffer(Buffer.from([0xfe, 0x00])))?.equals(value));
  } finally {
    redis.disconnect();
  }
});

test('ioredis authenticates to a pool with redis_auth through its password option, and QUIT closes cleanly', T, async () => {
  const redis = await client(pools.authed.port, { password: PASSWORD });
  assert.equal(await redis.set('k', 'v'), 'OK');
  assert.equal(await redis.get('k'), 'v');
  assert.equal(await redis.quit(), 'OK');
  // A wrong password is fatal for ioredis (it closes the connection), so connecting fails.
  await assert.rejects(client(pools.authed.port, { password: 'wrong' }));
});
