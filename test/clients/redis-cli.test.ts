// redis-cli through the proxy with default settings: commands given as arguments and on stdin, mass
// insertion with --pipe (which ends with an ECHO the proxy answers itself), and -a against a pool
// with redis_auth. The backends confirm that the data arrived, spread over all of them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findBinary } from '../helpers/processes';
import { resp } from '../helpers/wire';
import { describeResult, runTool } from '../integration/redis/run-tool';
import { startAll, startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

const CLI = findBinary('redis-cli');
const T = { timeout: 30_000, skip: CLI === null ? 'redis-cli not found on PATH' : false };
const PASSWORD = 'cli-pass';

let shard: ShardedRedis;
let authed: ShardedRedis;

before(async () => {
  if (CLI === null) return;
  [shard, authed] = await startAll([
    startShardedRedis({ servers: 3, directives: { hash: 'md5' } }),
    startShardedRedis({ servers: 2, directives: { redis_auth: PASSWORD }, backend: { password: PASSWORD } }),
  ]);
});

after(async () => {
  await Promise.all([shard?.stop(), authed?.stop()]);
});

async function cli(port: number, args: string[], input?: string): Promise<string> {
  const r = await runTool(CLI as string, ['-h', '127.0.0.1', '-p', String(port), ...args], { input });
  assert.equal(r.code, 0, describeResult(r));
  return r.stdout;
}

test('redis-cli runs commands given as arguments', T, async () => {
  assert.equal(await cli(shard.port, ['PING']), 'PONG\n');
  assert.equal(await cli(shard.port, ['SET', 'cli:a', 'hello world']), 'OK\n');
  assert.equal(await cli(shard.port, ['GET', 'cli:a']), 'hello world\n');
  assert.equal(await cli(shard.port, ['MSET', 'cli:b', '1', 'cli:c', '2', 'cli:d', '3']), 'OK\n');
  assert.equal(await cli(shard.port, ['MGET', 'cli:a', 'cli:b', 'cli:none', 'cli:d']), 'hello world\n1\n\n3\n');
  assert.equal(await cli(shard.port, ['INCR', 'cli:b']), '2\n');
  assert.equal(await cli(shard.port, ['DEL', 'cli:a', 'cli:b', 'cli:c', 'cli:d']), '4\n');
  assert.equal(await cli(shard.port, ['HSET', 'cli:h', 'f', 'v']), '1\n');
  assert.equal(await cli(shard.port, ['HGETALL', 'cli:h']), 'f\nv\n');
  assert.match(await cli(shard.port, ['INFO', 'server']), /^# Server\r?\nredis_version:/);
});

test('redis-cli runs commands read from stdin and reports errors as Redis would', T, async () => {
  const out = await cli(shard.port, [], 'SET cli:s "two words"\nGET cli:s\nKEYS *\nGET\nEXISTS cli:s cli:none\n');
  // redis-cli prints a blank line after each error when its output is not a terminal.
  assert.equal(
    out,
    ['OK', 'two words', "ERR unsupported command 'KEYS'", '', "ERR wrong number of arguments for 'get' command", '', '1', ''].join('\n'),
  );
});

test('redis-cli --pipe inserts 5,000 keys and sees every reply', T, async () => {
  const n = 5000;
  const input = Buffer.concat(Array.from({ length: n }, (_, i) => resp('SET', `pipe:${i}`, `v${i}`)));
  const r = await runTool(CLI as string, ['-h', '127.0.0.1', '-p', String(shard.port), '--pipe'], { input });
  assert.equal(r.code, 0, describeResult(r));
  assert.match(r.stdout, new RegExp(`errors: 0, replies: ${n}`));
  const sizes = await Promise.all(shard.backends.map((_, i) => shard.direct(i, 'DBSIZE')));
  const counts = sizes.map((s) => Number(s.slice(1, -2)));
  assert.ok(counts.every((c) => c > 0), `keys per backend: ${counts}`);
  assert.ok(counts.reduce((a, b) => a + b) >= n);
});

test('redis-cli -a authenticates to a pool with redis_auth', T, async () => {
  const r = await runTool(CLI as string, ['-h', '127.0.0.1', '-p', String(authed.port), 'SET', 'k', 'v']);
  assert.match(r.stdout, /NOAUTH Authentication required/, describeResult(r));
  assert.equal(await cli(authed.port, ['-a', PASSWORD, '--no-auth-warning', 'SET', 'k', 'v']), 'OK\n');
  assert.equal(await cli(authed.port, ['-a', PASSWORD, '--no-auth-warning', 'GET', 'k']), 'v\n');
});
