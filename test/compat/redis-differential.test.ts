// Differential tests against Debian's nutcracker 0.5.0: the same Redis command stream goes through
// nutcracker and through ours, each in front of its own 4 redis-servers (same server names, so the
// same placement), and the replies must be byte-identical for everything we do not change on purpose
// (those are in redis-differences.test.ts). Then the backends' contents are compared, and the same is
// done for failing servers: a dead backend, a silent one behind a timeout, and error-replying fakes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startNutcracker } from '../helpers/backends';
import { startFakeBackend, type FakeBackendOptions } from '../helpers/fake-backend';
import { preview } from '../helpers/frame-length';
import { freePort } from '../helpers/ports';
import { poolYaml, startProxy } from '../helpers/proxy';
import { connect, resp } from '../helpers/wire';
import { arrayElements, commandNames, exchange, startAll, startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

const SKIP = hasNutcracker() ? false : 'Debian nutcracker not found (apt-get install nutcracker)';
const T = { timeout: 60_000, skip: SKIP };
const DIRECTIVES = { hash: 'fnv1a_64', distribution: 'ketama', hash_tag: '{}' };

type Args = (string | Buffer)[];

/** Commands nutcracker accepts as they are; multi-key ones use hash tags or are split by the proxy. */
const STREAM: Args[] = [
  ['PING'], ['SET', 'k', 'v'], ['GET', 'k'], ['get', 'k'], ['GET', 'missing'], ['SET', '', 'empty key'], ['GET', ''],
  ['SET', Buffer.from([0xff, 0, 13, 10]), Buffer.from([1, 2, 3])], ['GET', Buffer.from([0xff, 0, 13, 10])],
  ['APPEND', 'k', 'w'], ['STRLEN', 'k'], ['GETRANGE', 'k', '0', '0'], ['SETRANGE', 'k', '1', 'xyz'], ['GETSET', 'k', 'new'],
  ['INCR', 'n'], ['INCRBY', 'n', '41'], ['DECR', 'n'], ['DECRBY', 'n', '2'], ['INCRBYFLOAT', 'n', '0.5'], ['INCR', 'k'],
  ['SETNX', 'k', 'x'], ['SETEX', 'ttl', '1000', 'v'], ['TTL', 'ttl'], ['PERSIST', 'ttl'], ['TTL', 'ttl'], ['PSETEX', 'pttl', '900000', 'v'],
  ['EXPIRE', 'k', '1000'], ['PERSIST', 'k'], ['TYPE', 'k'], ['GETDEL', 'k'], ['GET', 'k'], ['SET', 'k'], ['SET', 'k', 'v', 'EX', '1000'],
  ['SETBIT', 'bits', '9', '1'], ['GETBIT', 'bits', '9'], ['BITCOUNT', 'bits'], ['BITPOS', 'bits', '1'],
  ['HSET', 'h', 'a', '1', 'b', '2'], ['HGET', 'h', 'a'], ['HMGET', 'h', 'a', 'z'], ['HGETALL', 'h'], ['HINCRBY', 'h', 'a', '5'],
  ['HDEL', 'h', 'b'], ['HLEN', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HEXISTS', 'h', 'a'], ['HSETNX', 'h', 'a', '0'], ['GET', 'h'],
  ['RPUSH', 'l', 'a', 'b', 'c'], ['LPUSH', 'l', 'z'], ['LRANGE', 'l', '0', '-1'], ['LINDEX', 'l', '0'], ['LLEN', 'l'], ['LPOP', 'l'],
  ['RPOP', 'l'], ['LSET', 'l', '0', 'q'], ['LINSERT', 'l', 'AFTER', 'q', 'r'], ['LREM', 'l', '0', 'r'], ['LTRIM', 'l', '0', '0'],
  ['RPUSH', '{l}a', '1', '2'], ['RPOPLPUSH', '{l}a', '{l}b'], ['LMOVE', '{l}a', '{l}b', 'LEFT', 'LEFT'], ['LRANGE', '{l}b', '0', '-1'],
  ['SADD', 's', '3', '1', '2'], ['SCARD', 's'], ['SISMEMBER', 's', '2'], ['SMEMBERS', 's'], ['SREM', 's', '1'],
  ['SADD', '{s}x', '1', '2'], ['SADD', '{s}y', '2', '3'], ['SINTER', '{s}x', '{s}y'], ['SUNIONSTORE', '{s}z', '{s}x', '{s}y'],
  ['SMOVE', '{s}x', '{s}y', '1'], ['SDIFF', '{s}y', '{s}x'],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'b'], ['ZRANK', 'z', 'c'],
  ['ZINCRBY', 'z', '10', 'a'], ['ZREVRANGE', 'z', '0', '1'], ['ZCOUNT', 'z', '0', '5'], ['ZREM', 'z', 'b'], ['ZCARD', 'z'],
  ['ZRANGEBYSCORE', 'z', '-inf', '+inf'], ['ZPOPMIN', 'z'],
  ['PFADD', 'hll', 'a', 'b'], ['PFCOUNT', 'hll'], ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo'], ['GEOPOS', 'geo', 'Palermo'],
  ['MSET', 'm1', '1', 'm2', '2', 'm3', '3', 'm4', '4', 'm5', '5'], ['MGET', 'm1', 'm2', 'nope', 'm3', 'm1', 'm4', 'm5'], ['MGET', 'm1'],
  ['MGET', 'h', 'm1'], ['MSET', 'm6', '6'], ['TOUCH', 'm1', 'm2', 'nope'], ['TOUCH', 'm1'], ['EXISTS', 'm1'], ['EXISTS', 'nope'],
  ['DEL', 'm1', 'nope', 'm1', 'm2'], ['UNLINK', 'm3', 'm4'], ['DEL', 'm5'], ['MGET', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'],
  ['EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", '1', '{e}a', 'x'], ['EVAL', "return redis.call('GET', KEYS[1])", '1', '{e}a'],
  ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '1', '{e}a'], ['LOLWUT'], ['COMMAND'],
  ['SORT', 's'], ['DUMP', 'missing'], ['HSCAN', 'h', '0'], ['SSCAN', 's', '0'], ['ZSCAN', 'z', '0'], ['PING'],
];

/** COMMAND's order differs between redis-server processes: compare its command names as a set. */
function comparable(args: Args, reply: Buffer): string {
  return String(args[0]).toUpperCase() === 'COMMAND' && reply[0] === 42 ? commandNames(reply) : reply.toString('latin1');
}

/** A seeded stream of random string/multi-key commands over a small key space. */
function randomStream(seed: number, count: number): Args[] {
  let s = seed;
  const rand = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const key = (): string => `r:${rand(150)}`;
  const keys = (): string[] => Array.from({ length: 1 + rand(6) }, key);
  const makers: (() => Args)[] = [
    () => ['SET', key(), `v${rand(1000)}`], () => ['GET', key()], () => ['MGET', ...keys()], () => ['DEL', ...keys()],
    () => ['MSET', ...keys().flatMap((k) => [k, `m${rand(1000)}`])], () => ['INCR', key()], () => ['APPEND', key(), 'x'],
    () => ['EXISTS', key()], () => ['TOUCH', ...keys()], () => ['UNLINK', ...keys()], () => ['STRLEN', key()], () => ['PING'],
  ];
  return Array.from({ length: count }, () => makers[rand(makers.length)]());
}

let shard: { nutcracker: ShardedRedis; ours: ShardedRedis };

before(async () => {
  if (SKIP) return;
  const [nutcracker, ours] = await startAll([
    startShardedRedis({ servers: 4, fronts: ['nutcracker'], directives: DIRECTIVES }),
    startShardedRedis({ servers: 4, fronts: ['ours'], directives: DIRECTIVES }),
  ]);
  shard = { nutcracker, ours };
});

after(async () => {
  await shard?.nutcracker.stop();
  await shard?.ours.stop();
});

async function compareStreams(stream: Args[]): Promise<void> {
  const requests = stream.map((args) => resp(...args));
  const [theirs, ours] = await Promise.all([
    exchange(shard.nutcracker.ports.nutcracker as number, requests),
    exchange(shard.ours.port, requests),
  ]);
  stream.forEach((args, i) => {
    assert.equal(
      comparable(args, ours[i]),
      comparable(args, theirs[i]),
      `#${i} ${args.map(String).join(' ')}: ours ${preview(ours[i], 100)} vs nutcracker ${preview(theirs[i], 100)}`,
    );
  });
}

/** Every key on backend i, sorted, with its value's DUMP: what the backend holds. */
async function contents(s: ShardedRedis, i: number): Promise<string[]> {
  const [keysReply] = await s.directMany(i, [resp('KEYS', '*')]);
  const keys = arrayElements(keysReply).map((b) => b.subarray(b.indexOf('\r\n') + 2, b.length - 2));
  const dumps = keys.length === 0 ? [] : await s.directMany(i, keys.map((k) => resp('DUMP', k)));
  return keys.map((k, j) => `${k.toString('hex')}=${dumps[j].toString('hex')}`).sort();
}

test('a stream covering every routing class gets byte-identical replies from nutcracker and ours', T, async () => {
  await compareStreams(STREAM);
});

test('2,000 random string and multi-key commands get byte-identical replies', T, async () => {
  await compareStreams(randomStream(42, 2000));
});

test('MSET, MGET and DEL of 1,200 keys, values from 0 B to 20 KiB, get byte-identical replies', T, async () => {
  // Sizes around our 4 KiB copy-or-slice bound and nutcracker's 16 KiB mbufs; every 25th key never set.
  // (EXISTS of many keys differs on purpose: redis-differences.test.ts.)
  const sizes = [0, 1, 100, 4095, 4096, 4097, 16384, 20000];
  const keys = Array.from({ length: 1200 }, (_, i) => `big:${i}`);
  const value = (i: number): Buffer => Buffer.alloc(sizes[i % sizes.length], 97 + (i % 26));
  const stored = keys.filter((_, i) => i % 25 !== 0);
  const pairs = stored.flatMap((k) => [k, value(Number(k.slice(4)))]);
  await compareStreams([
    ['MSET', ...pairs],
    ['MGET', ...keys],
    ['MGET', ...keys.slice(0, 300).reverse(), 'big:nope', ...keys.slice(0, 10)],
    ['DEL', ...keys.filter((_, i) => i % 2 === 0)],
    ['MGET', ...keys],
    ['DEL', ...keys],
  ]);
});

test('afterwards every backend holds the same keys and values behind both proxies', T, async () => {
  for (let i = 0; i < 4; i++) {
    const [theirs, ours] = await Promise.all([contents(shard.nutcracker, i), contents(shard.ours, i)]);
    assert.ok(theirs.length > 0, `backend s${i + 1} got some keys`);
    assert.deepEqual(ours, theirs, `backend s${i + 1}`);
  }
});

/** Send `requests` pipelined to nutcracker and to ours, each in front of its own `servers()`; one reply each, or until it closes. */
async function bothFronting(
  servers: () => Promise<{ servers: { port: number }[]; cleanup: () => Promise<void> }>,
  directives: Record<string, string | number | boolean>,
  requests: Buffer[],
): Promise<{ theirs: string[]; ours: string[] }> {
  const read = async (port: number): Promise<string[]> => {
    const c = await connect(port);
    c.send(Buffer.concat(requests));
    const replies: string[] = [];
    // One at a time, so that a close after some replies is seen as such on both sides.
    while (replies.length < requests.length) {
      try {
        replies.push((await c.readReply('redis', 3000)).toString());
      } catch {
        replies.push(`<closed, then ${JSON.stringify(c.pending.toString())}>`);
        break;
      }
    }
    await c.close();
    return replies;
  };
  // Everything started is stopped in reverse order, whatever fails half-way.
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const a = await servers();
    cleanups.push(a.cleanup);
    const b = await servers();
    cleanups.push(b.cleanup);
    const theirsYaml = await poolYaml({ name: 'p', redis: true, servers: a.servers, directives });
    const oursYaml = await poolYaml({ name: 'p', redis: true, servers: b.servers, directives });
    const nc = await startNutcracker(theirsYaml.yaml);
    cleanups.push(() => nc.stop());
    const proxy = await startProxy(oursYaml.yaml);
    cleanups.push(() => proxy.stop());
    const [theirs, ours] = await Promise.all([read(theirsYaml.ports.p), read(oursYaml.ports.p)]);
    return { theirs, ours };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

const deadServers = async (): Promise<{ servers: { port: number }[]; cleanup: () => Promise<void> }> => ({
  servers: [{ port: await freePort() }, { port: await freePort() }],
  cleanup: async () => undefined,
});

function fakeServers(opts: FakeBackendOptions): () => Promise<{ servers: { port: number }[]; cleanup: () => Promise<void> }> {
  return async () => {
    const fake = await startFakeBackend(opts);
    return { servers: [fake], cleanup: () => fake.close() };
  };
}

test('with every server down both answer the same errors in the same order, PING included', T, async () => {
  const requests = [
    resp('GET', 'a'), resp('PING'), resp('SET', 'b', '1'), resp('DEL', 'a', 'b', 'c'), resp('MSET', 'a', '1', 'b', '2'),
    resp('TOUCH', 'x', 'y'), resp('MGET', 'a', 'b', 'c'),
  ];
  const { theirs, ours } = await bothFronting(deadServers, {}, requests);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(ours, ['-ERR Connection refused\r\n', '+PONG\r\n', ...Array(5).fill('-ERR Connection refused\r\n')]);
});

test('requests pipelined behind a failed MGET are still answered before the connection closes', T, async () => {
  const requests = [resp('MGET', 'a', 'b', 'c'), resp('PING'), resp('GET', 'a'), resp('PING')];
  const { theirs, ours } = await bothFronting(deadServers, {}, requests);
  assert.deepEqual(theirs, ['-ERR Connection refused\r\n', '+PONG\r\n', '-ERR Connection refused\r\n', '+PONG\r\n']);
  assert.deepEqual(ours, theirs);
});

test('a silent server behind a timeout gives the same timeout errors, PING in its place', T, async () => {
  const requests = [resp('GET', 'a'), resp('SET', 'b', '1'), resp('PING'), resp('GET', 'c')];
  const { theirs, ours } = await bothFronting(fakeServers({ mode: 'silent' }), { timeout: 150 }, requests);
  assert.deepEqual(ours, theirs);
  assert.equal(ours[0], '-ERR Connection timed out\r\n');
});

// Closing without a byte of the reply: when part of a reply comes with the FIN, nutcracker sometimes
// never answers the request at all (seen 2 times in 40 under load), so that case is only checked
// against the spec (integration/redis/failures).
test('a server that closes instead of answering gives the same error', T, async () => {
  const { theirs, ours } = await bothFronting(fakeServers({ mode: 'close-mid-reply', cutAfter: 0 }), {}, [resp('GET', 'a'), resp('PING')]);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(ours, ['-ERR unknown\r\n', '+PONG\r\n']);
});

test('-OOM, -BUSY, -LOADING and ordinary error replies are handled the same', T, async () => {
  for (const error of ['-OOM no memory', '-BUSY script', '-LOADING loading', '-WRONGTYPE wrong', '-ERR', '-READONLY replica', '-NOSCRIPT no']) {
    const { theirs, ours } = await bothFronting(fakeServers({ mode: 'error', error }), {}, [resp('GET', 'a')]);
    assert.deepEqual(ours, theirs, error);
  }
});
