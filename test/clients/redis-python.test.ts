// Python's redis library (Debian's python3-redis, run with /usr/bin/python3 because the python3 first
// on PATH may lack Debian's modules) through the proxy with default settings: commands of every kind,
// a non-transactional pipeline (the default transactional one needs MULTI, which the proxy refuses),
// binary values, and redis_auth through the password argument.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { findBinary } from '../helpers/processes';
import { describeResult, runTool } from '../integration/redis/run-tool';
import { startAll, startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

/** Debian's interpreter first (where python3-redis installs), then whatever python3 is on PATH. */
const PYTHON = ['/usr/bin/python3', findBinary('python3')].find(
  (p): p is string => p !== null && spawnSync(p, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0,
);
const T = { timeout: 30_000, skip: PYTHON === undefined ? 'no python3 with the redis module (apt-get install python3-redis)' : false };
const PASSWORD = 'py-pass';

let shard: ShardedRedis;
let authed: ShardedRedis;

before(async () => {
  if (PYTHON === undefined) return;
  [shard, authed] = await startAll([
    startShardedRedis({ servers: 3, directives: { hash: 'md5', hash_tag: '{}' } }),
    startShardedRedis({ servers: 2, directives: { redis_auth: PASSWORD }, backend: { password: PASSWORD } }),
  ]);
});

after(async () => {
  await Promise.all([shard?.stop(), authed?.stop()]);
});

/** Run a Python snippet that has `r` (a client for `port`) and prints one JSON document. */
async function python(port: number, body: string, clientArgs = ''): Promise<unknown> {
  const script = `import json, sys, redis\nr = redis.Redis(host='127.0.0.1', port=int(sys.argv[1])${clientArgs})\n${body}\n`;
  const res = await runTool(PYTHON as string, ['-c', script, String(port)]);
  assert.equal(res.code, 0, describeResult(res));
  return JSON.parse(res.stdout);
}

test('redis-py with default settings runs commands of every kind', T, async () => {
  const out = await python(
    shard.port,
    `
out = {}
out['ping'] = r.ping()
out['set'] = r.set('py:a', 'hello')
out['get'] = r.get('py:a').decode()
out['mset'] = r.mset({'py:b': '1', 'py:c': '2', 'py:d': '3'})
out['mget'] = [v.decode() if v is not None else None for v in r.mget('py:a', 'py:b', 'py:none', 'py:d')]
out['incrby'] = r.incrby('py:b', 41)
out['exists'] = r.exists('py:a', 'py:b', 'py:none')
out['hset'] = r.hset('py:h', mapping={'f1': 'v1', 'f2': 'v2'})
out['hgetall'] = {k.decode(): v.decode() for k, v in r.hgetall('py:h').items()}
out['rpush'] = r.rpush('py:l', 'x', 'y')
out['lrange'] = [v.decode() for v in r.lrange('py:l', 0, -1)]
out['zadd'] = r.zadd('py:z', {'a': 1, 'b': 2})
out['zrange'] = [[m.decode(), s] for m, s in r.zrange('py:z', 0, -1, withscores=True)]
r.set('{py}k', 'x')
out['eval'] = r.eval("return redis.call('GET', KEYS[1]) .. ARGV[1]", 1, '{py}k', '!').decode()
out['delete'] = r.delete('py:a', 'py:b', 'py:c', 'py:d')
try:
    r.keys('*')
except redis.ResponseError as e:
    out['keys'] = str(e)
out['binary'] = r.set(b'\\xfe\\x00', b'\\x00\\xff\\r\\n') and r.get(b'\\xfe\\x00') == b'\\x00\\xff\\r\\n'
print(json.dumps(out))
`,
  );
  assert.deepEqual(out, {
    ping: true, set: true, get: 'hello', mset: true, mget: ['hello', '1', null, '3'], incrby: 42, exists: 2, hset: 2,
    hgetall: { f1: 'v1', f2: 'v2' }, rpush: 2, lrange: ['x', 'y'], zadd: 2, zrange: [['a', 1], ['b', 2]], eval: 'x!', delete: 4,
    keys: "unsupported command 'KEYS'", binary: true,
  });
});

test('a redis-py pipeline without a transaction returns 1,000 results in order', T, async () => {
  const out = (await python(
    shard.port,
    `
p = r.pipeline(transaction=False)
for i in range(500):
    p.set('py:p:%d' % i, 'v%d' % i)
    p.get('py:p:%d' % i)
print(json.dumps([v.decode() if isinstance(v, bytes) else v for v in p.execute()]))
`,
  )) as unknown[];
  assert.equal(out.length, 1000);
  assert.deepEqual(out, Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? true : `v${(i - 1) / 2}`)));
});

test('redis-py authenticates to a pool with redis_auth through its password argument', T, async () => {
  const out = await python(authed.port, `print(json.dumps([r.set('k', 'v'), r.get('k').decode()]))`, `, password='${PASSWORD}'`);
  assert.deepEqual(out, [true, 'v']);
  const refused = await python(authed.port, `
try:
    r.get('k')
    print(json.dumps('no error'))
except redis.AuthenticationError as e:
    print(json.dumps(str(e)))
`);
  assert.equal(refused, 'Authentication required');
});
