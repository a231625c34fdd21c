// The `memcached` npm client through our proxy to three memcached servers, as an application would
// use it: strings, JSON, numbers and Buffers round-trip; add/replace/append/prepend/cas/incr/decr/
// touch/del answer as against one memcached; getMulti spans servers; many concurrent calls share a
// small connection pool. (Unsupported admin commands such as flush are left out: this client treats
// any SERVER_ERROR as a dead server.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Memcached from 'memcached';
import { randomBytes, rng } from '../helpers/random';
import { startMemcacheCluster, type MemcacheCluster } from '../integration/memcache/memcache-cluster';
import { memcacheWire as mc } from '../integration/memcache/memcache-wire';

const T = { timeout: 20_000 };
let cluster: MemcacheCluster;
let client: Memcached;

before(async () => {
  cluster = await startMemcacheCluster({ directives: { hash: 'md5' } });
  client = new Memcached(`127.0.0.1:${cluster.port}`, { retries: 0, timeout: 5000, poolSize: 4 });
});
after(async () => {
  client?.end();
  await cluster?.stop();
});

/** Call a callback-style client method as a promise. */
function call<R>(fn: (cb: (err: unknown, result: R) => void) => void): Promise<R> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

test('strings, JSON objects, numbers and binary Buffers round-trip', T, async () => {
  const values: [string, unknown][] = [
    ['nc:string', 'hello proxy'],
    ['nc:json', { list: [1, 2, 3], nested: { ok: true }, text: 'a\r\nb' }],
    ['nc:number', 12345],
    ['nc:buffer', Buffer.from([0, 1, 2, 13, 10, 128, 255])],
    ['nc:utf8', 'ünïcødé ✓'],
  ];
  for (const [key, value] of values) assert.equal(await call<boolean>((cb) => client.set(key, value, 0, cb)), true);
  for (const [key, value] of values) assert.deepEqual(await call((cb) => client.get(key, cb)), value, key);
  assert.equal(await call((cb) => client.get('nc:missing', cb)), undefined);
});

test('add and replace store only when they should; append and prepend extend the value', T, async () => {
  assert.equal(await call<boolean>((cb) => client.set('nc:a', 'middle', 0, cb)), true);
  await assert.rejects(call((cb) => client.add('nc:a', 'other', 0, cb)), /not stored/i);
  assert.equal(await call<boolean>((cb) => client.add('nc:fresh', 'new', 0, cb)), true);
  await assert.rejects(call((cb) => client.replace('nc:nothing', 'x', 0, cb)), /not stored/i);
  assert.equal(await call<boolean>((cb) => client.replace('nc:fresh', 'replaced', 0, cb)), true);
  assert.equal(await call<boolean>((cb) => client.append('nc:a', '>', cb)), true);
  assert.equal(await call<boolean>((cb) => client.prepend('nc:a', '<', cb)), true);
  assert.equal(await call((cb) => client.get('nc:a', cb)), '<middle>');
  assert.equal(await call((cb) => client.get('nc:fresh', cb)), 'replaced');
});

test('gets returns a cas token that cas accepts once', T, async () => {
  await call((cb) => client.set('nc:cas', 'v1', 0, cb));
  const got = await call<{ [key: string]: unknown; cas: string }>((cb) => client.gets('nc:cas', cb));
  assert.equal(got['nc:cas'], 'v1');
  const [where] = await cluster.holders(['nc:cas']);
  assert.equal(mc.casOf((await cluster.direct(where, 'gets nc:cas\r\n'))[0]), got.cas, 'the token is the backend cas unique');
  assert.equal(await call<boolean>((cb) => client.cas('nc:cas', 'v2', got.cas, 0, cb)), true);
  assert.equal(await call<boolean>((cb) => client.cas('nc:cas', 'v3', got.cas, 0, cb)), false);
  assert.equal(await call((cb) => client.get('nc:cas', cb)), 'v2');
});

test('incr and decr return the new number; missing keys give false', T, async () => {
  await call((cb) => client.set('nc:count', 10, 0, cb));
  assert.equal(await call((cb) => client.incr('nc:count', 5, cb)), 15);
  assert.equal(await call((cb) => client.decr('nc:count', 20, cb)), 0);
  assert.equal(await call((cb) => client.incr('nc:no-count', 1, cb)), false);
});

test('touch sets the lifetime (a negative one expires the key); del removes the key', T, async () => {
  await call((cb) => client.set('nc:t', 'x', 0, cb));
  await call<void>((cb) => client.touch('nc:t', 1000, (err: unknown) => cb(err, undefined)));
  assert.equal(await call((cb) => client.get('nc:t', cb)), 'x', 'touch kept the value');
  await call((cb) => client.set('nc:t-expire', 'x', 0, cb));
  await call<void>((cb) => client.touch('nc:t-expire', -1, (err: unknown) => cb(err, undefined)));
  assert.equal(await call((cb) => client.get('nc:t-expire', cb)), undefined, 'a negative lifetime expired the key');
  assert.equal(await call<boolean>((cb) => client.del('nc:t', cb)), true);
  assert.equal(await call((cb) => client.get('nc:t', cb)), undefined);
});

test('getMulti returns the values of keys spread over all servers and leaves missing keys out', T, async () => {
  const keys = Array.from({ length: 24 }, (_, i) => `nc:multi:${i}`);
  for (const k of keys) await call((cb) => client.set(k, { k }, 0, cb));
  assert.equal(new Set(await cluster.holders(keys)).size, 3, 'the keys live on all three servers');
  const got = await call<Record<string, unknown>>((cb) => client.getMulti([...keys, 'nc:multi:none'], cb));
  assert.deepEqual(got, Object.fromEntries(keys.map((k) => [k, { k }])));
});

test('a 500 KB value round-trips', T, async () => {
  const big = randomBytes(rng(8), 500_000);
  assert.equal(await call<boolean>((cb) => client.set('nc:big', big, 0, cb)), true);
  assert.ok(big.equals(await call<Buffer>((cb) => client.get('nc:big', cb))));
});

test('version reports the backend version', T, async () => {
  const [direct] = await cluster.direct(0, 'version\r\n');
  const versions = await call<{ version: string }[]>((cb) => client.version(cb));
  assert.equal(versions.length, 1, 'one server as far as the client knows: the proxy');
  assert.equal(`VERSION ${versions[0].version}\r\n`, String(direct));
});

test('200 concurrent sets then gets over a pool of 4 connections all see their own values', T, async () => {
  const keys = Array.from({ length: 200 }, (_, i) => `nc:conc:${i}`);
  await Promise.all(keys.map((k, i) => call((cb) => client.set(k, `value-${i}`, 0, cb))));
  const got = await Promise.all(keys.map((k) => call((cb) => client.get(k, cb))));
  assert.deepEqual(got, keys.map((_, i) => `value-${i}`));
});
