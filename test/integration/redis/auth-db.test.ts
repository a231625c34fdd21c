// redis_auth and redis_db against real redis-servers (spec §6.7, §6.8): clients authenticate to the
// proxy, the proxy authenticates every server connection itself (AUTH, then SELECT, so both work
// together, unlike nutcracker), and data written through a redis_db pool lands in that database on the
// backend. Without redis_auth a protected backend's own errors reach the client, split commands too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, resp } from '../../helpers/wire';
import { bulk, exchange, startShardedRedis, type ShardedRedis } from './sharded-redis';

const T = { timeout: 30_000 };
/** A space and a '#' make sure the password survives YAML quoting and is sent as one argument. */
const PASSWORD = 's3cr3t pass#1';
const KEYS = Array.from({ length: 40 }, (_, i) => `auth:${i}`);

async function withShard(opts: Parameters<typeof startShardedRedis>[0], body: (shard: ShardedRedis) => Promise<void>): Promise<void> {
  const shard = await startShardedRedis(opts);
  try {
    await body(shard);
  } finally {
    await shard.stop();
  }
}

const authed = { servers: 3, backend: { password: PASSWORD }, directives: { hash: 'md5', redis_auth: PASSWORD } };

test('with redis_auth every request before AUTH gets -NOAUTH and nothing is forwarded', T, () =>
  withShard(authed, async (shard) => {
    const replies = await exchange(shard.port, [
      resp('SET', KEYS[0], 'x'), resp('PING'), resp('MGET', KEYS[0], KEYS[1], KEYS[2]), resp('DEL', KEYS[0], KEYS[1]),
    ]);
    assert.deepEqual(replies.map(String), Array(4).fill('-NOAUTH Authentication required\r\n'));
    assert.deepEqual(await shard.locate([KEYS[0]]), [-1]);
  }));

test('AUTH with the pool password lets the client reach keys on every backend', T, () =>
  withShard(authed, async (shard) => {
    const replies = await exchange(shard.port, [
      resp('AUTH', 'wrong'), resp('GET', KEYS[0]), resp('AUTH', PASSWORD), ...KEYS.map((k) => resp('SET', k, `v${k}`)), resp('MGET', ...KEYS),
    ]);
    assert.deepEqual(replies.slice(0, 3).map(String), ['-ERR invalid password\r\n', '-NOAUTH Authentication required\r\n', '+OK\r\n']);
    assert.deepEqual(replies.slice(3, 3 + KEYS.length).map(String), KEYS.map(() => '+OK\r\n'));
    const mget = Buffer.concat([Buffer.from(`*${KEYS.length}\r\n`), ...KEYS.map((k) => bulk(`v${k}`))]);
    assert.equal(replies[3 + KEYS.length].toString(), mget.toString());
    const where = await shard.locate(KEYS);
    assert.deepEqual([...new Set(where)].sort(), [0, 1, 2], 'keys landed on all three backends');
  }));

test('a wrong AUTH after a good one de-authenticates the connection', T, () =>
  withShard(authed, async (shard) => {
    const replies = await exchange(shard.port, [resp('AUTH', PASSWORD), resp('PING'), resp('AUTH', 'nope'), resp('PING')]);
    assert.deepEqual(replies.map(String), ['+OK\r\n', '+PONG\r\n', '-ERR invalid password\r\n', '-NOAUTH Authentication required\r\n']);
  }));

test('every server connection is authenticated, also with several per server and after a backend restart', T, () =>
  withShard({ ...authed, directives: { ...authed.directives, server_connections: 3 } }, async (shard) => {
    // Three clients pipelining at once make the proxy open up to three connections per server.
    const clients = await Promise.all([0, 1, 2].map(() => connect(shard.port)));
    clients.forEach((c, n) => c.send(Buffer.concat([resp('AUTH', PASSWORD), ...KEYS.map((k) => resp('SET', k, `c${n}`))])));
    const all = await Promise.all(clients.map((c) => c.readReplies(KEYS.length + 1, 'redis')));
    for (const replies of all) assert.deepEqual(replies.map(String), Array(KEYS.length + 1).fill('+OK\r\n'));
    const info = await shard.direct(0, 'INFO', 'clients');
    const connected = Number(/connected_clients:(\d+)/.exec(info)?.[1]);
    assert.equal(connected, 4, `backend 0 clients: the proxy's three connections plus this INFO`);
    await Promise.all(clients.map((c) => c.close()));

    const key = KEYS[(await shard.locate(KEYS)).indexOf(0)];
    await shard.backends[0].restart();
    const c = await connect(shard.port);
    c.send(resp('AUTH', PASSWORD));
    assert.equal((await c.readReply('redis')).toString(), '+OK\r\n');
    // A request may meet a connection the restart broke; a later one gets a fresh, re-authenticated one.
    const answers: string[] = [];
    for (let i = 0; i < 5 && answers.at(-1) !== '+OK\r\n'; i++) {
      c.send(resp('SET', key, 'after restart'));
      answers.push((await c.readReply('redis')).toString());
    }
    assert.equal(answers.at(-1), '+OK\r\n', `answers: ${JSON.stringify(answers)}`);
    await c.close();
  }));

test('AUTH to a pool without redis_auth is refused in nutcracker words', T, () =>
  withShard({ servers: 1 }, async (shard) => {
    const replies = await exchange(shard.port, [resp('AUTH', 'x'), resp('SET', 'k', 'v')]);
    assert.deepEqual(replies.map(String), ['-ERR Client sent AUTH, but no password is set\r\n', '+OK\r\n']);
  }));

test('without redis_auth a protected backend answers with its own errors, split commands included', T, () =>
  withShard({ servers: 3, backend: { password: PASSWORD }, directives: { hash: 'md5' } }, async (shard) => {
    const noauth = '-NOAUTH Authentication required.\r\n';
    // Few keys: Redis drops unauthenticated connections that send more than 10 arguments.
    const keys = KEYS.slice(0, 6);
    const replies = await exchange(shard.port, [
      resp('GET', KEYS[0]), resp('PING'), resp('MGET', ...keys), resp('DEL', ...keys), resp('MSET', KEYS[0], '1', KEYS[1], '2'), resp('GET', KEYS[1]),
    ]);
    assert.deepEqual(replies.map(String), [noauth, '+PONG\r\n', noauth, noauth, noauth, noauth]);
  }));

test('with redis_db every server connection selects it: the data lands in that database, split commands included', T, () =>
  withShard({ servers: 3, directives: { hash: 'md5', redis_db: 3, server_connections: 3 } }, async (shard) => {
    // Three clients at once make the proxy open three connections per server; each must SELECT.
    const clients = await Promise.all([0, 1, 2].map(() => connect(shard.port)));
    const mine = (n: number): string[] => KEYS.filter((_, i) => i % 3 === n);
    clients.forEach((c, n) => c.send(Buffer.concat([...mine(n).map((k) => resp('SET', k, 'single')), resp('MSET', ...mine(n).flatMap((k) => [`${k}:m`, 'multi']))])));
    const replies = await Promise.all(clients.map((c, n) => c.readReplies(mine(n).length + 1, 'redis')));
    for (const r of replies) assert.ok(r.every((b) => b.toString() === '+OK\r\n'), r.map(String).join(' '));
    await Promise.all(clients.map((c) => c.close()));
    assert.match(await shard.direct(0, 'INFO', 'clients'), /connected_clients:4\r\n/, "the proxy's three connections plus this INFO");

    const all = [...KEYS, ...KEYS.map((k) => `${k}:m`)];
    const inDb3 = await shard.locate(all, { db: 3 });
    assert.ok(inDb3.every((w) => w >= 0), `all keys in db 3: ${inDb3}`);
    assert.deepEqual([...new Set(inDb3)].sort(), [0, 1, 2]);
    assert.deepEqual(await shard.locate(all), all.map(() => -1), 'nothing in db 0');
    const [got] = await shard.directMany(inDb3[0], [resp('GET', KEYS[0])], { db: 3 });
    assert.equal(got.toString(), bulk('single').toString());
  }));

test('redis_auth and redis_db together: AUTH goes first, so the data lands in the configured database', T, () =>
  withShard({ ...authed, directives: { ...authed.directives, redis_db: 5 } }, async (shard) => {
    const replies = await exchange(shard.port, [resp('AUTH', PASSWORD), ...KEYS.map((k) => resp('SET', k, 'v')), resp('SELECT', '5')]);
    assert.deepEqual(replies.map(String), Array(KEYS.length + 2).fill('+OK\r\n'));
    assert.ok((await shard.locate(KEYS, { db: 5 })).every((w) => w >= 0));
    assert.deepEqual(await shard.locate(KEYS), KEYS.map(() => -1), 'nothing in db 0');
  }));
