// redis-benchmark through the proxy with default settings: its standard tests (inline and multibulk
// PING, strings, lists, sets, hashes, sorted sets, LRANGE, MSET of 10 keys) and a pipelined run over
// random keys must all finish without an error reply, and the keys must reach every backend.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findBinary } from '../helpers/processes';
import { describeResult, runTool } from '../integration/redis/run-tool';
import { startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

const BENCH = findBinary('redis-benchmark');
const T = { timeout: 60_000, skip: BENCH === null ? 'redis-benchmark not found on PATH' : false };
const TESTS = 'ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset';

let shard: ShardedRedis;

before(async () => {
  if (BENCH === null) return;
  shard = await startShardedRedis({ servers: 3, directives: { hash: 'md5' } });
});

after(async () => {
  await shard?.stop();
});

/** Run redis-benchmark -q and return its per-test lines (the live progress lines end in CR). */
async function bench(args: string[]): Promise<string[]> {
  const r = await runTool(BENCH as string, ['-h', '127.0.0.1', '-p', String(shard.port), '-q', ...args], { timeoutMs: 50_000 });
  assert.equal(r.code, 0, describeResult(r));
  assert.doesNotMatch(r.stdout + r.stderr, /error/i, describeResult(r));
  return r.stdout
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1).trim())
    .filter((line) => line !== '');
}

async function keysPerBackend(): Promise<number[]> {
  const sizes = await Promise.all(shard.backends.map((_, i) => shard.direct(i, 'DBSIZE')));
  return sizes.map((s) => Number(s.slice(1, -2)));
}

test('redis-benchmark runs its standard tests through the proxy without errors', T, async () => {
  const lines = await bench(['-n', '2000', '-t', TESTS]);
  const names = lines.map((line) => line.slice(0, line.indexOf(':')));
  for (const name of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'LPUSH', 'LPOP', 'SADD', 'HSET', 'ZADD', 'LRANGE_100 (first 100 elements)', 'MSET (10 keys)']) {
    assert.ok(names.includes(name), `${name} ran: ${lines.join(' | ')}`);
  }
  for (const line of lines) assert.match(line, /requests per second/);
});

test('redis-benchmark pipelining 16 requests over 10,000 random keys spreads them over every backend', T, async () => {
  await shard.flushAll();
  const lines = await bench(['-n', '20000', '-P', '16', '-r', '10000', '-t', 'set,get,mset']);
  assert.equal(lines.length, 3, lines.join(' | '));
  const counts = await keysPerBackend();
  assert.ok(counts.every((c) => c > 1000), `keys per backend: ${counts}`);
});
