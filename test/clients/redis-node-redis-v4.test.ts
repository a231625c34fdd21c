// node-redis v4 (still the most deployed major; installed as the `redis4` alias of `redis@4`) through
// the proxy with DEFAULT settings: it speaks RESP2 and sends no HELLO, so it works as is — commands of
// every kind, a pipeline (multi-key split across servers), and redis_auth with a password.
// node-redis v5+ defaults to RESP3 with no fallback: see redis-node-redis.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis4';
import { clientPools } from './redis-client-pools';

const T = { timeout: 30_000 };
const PASSWORD = 'nr4-pass';

const pools = clientPools(PASSWORD);

function client(port: number, password?: string) {
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, password });
  c.on('error', () => undefined); // failures surface through the rejected promises the tests check
  return c;
}

test('node-redis v4 with default settings runs commands of every kind through the proxy', T, async () => {
  const c = client(pools.shard.port);
  await c.connect();
  try {
    assert.equal(await c.ping(), 'PONG');
    assert.equal(await c.set('nr4:a', 'hello'), 'OK');
    assert.equal(await c.get('nr4:a'), 'hello');
    assert.equal(await c.mSet({ 'nr4:b': '1', 'nr4:c': '2', 'nr4:d': '3' }), 'OK');
    assert.deepEqual(await c.mGet(['nr4:a', 'nr4:b', 'nr4:none', 'nr4:d']), ['hello', '1', null, '3']);
    assert.equal(await c.exists(['nr4:a', 'nr4:b', 'nr4:none']), 2);
    assert.equal(await c.hSet('nr4:h', { f1: 'v1', f2: 'v2' }), 2);
    assert.deepEqual({ ...(await c.hGetAll('nr4:h')) }, { f1: 'v1', f2: 'v2' });
    assert.equal(await c.del(['nr4:a', 'nr4:b', 'nr4:c', 'nr4:d', 'nr4:h']), 5);
    const replies = await c.multi().set('nr4:p1', 'x').get('nr4:p1').incr('nr4:n').exec(true); // pipeline, not MULTI
    assert.deepEqual(replies, ['OK', 'x', 1]);
    await c.del(['nr4:p1', 'nr4:n']);
  } finally {
    await c.quit();
  }
});

test('node-redis v4 authenticates to a redis_auth pool with its password option', T, async () => {
  const bad = client(pools.authed.port);
  await bad.connect();
  await assert.rejects(bad.get('nr4:x'), /NOAUTH/);
  await bad.disconnect();
  const c = client(pools.authed.port, PASSWORD);
  await c.connect();
  try {
    assert.equal(await c.set('nr4:x', 'y'), 'OK');
    assert.equal(await c.get('nr4:x'), 'y');
  } finally {
    await c.quit();
  }
});
