// Where ours answers differently from Debian's nutcracker on purpose, side by side: what ours replies,
// and that nutcracker closes without a reply (or what else it does). Inline, unsupported and wrong-arity
// commands get errors and keep the connection; QUIT says +OK; HELLO, CLIENT, SELECT, ECHO, INFO and
// COMMAND COUNT/LIST/DOCS are answered locally; EXISTS is split; AUTH goes before SELECT; protocol
// errors (also too-long keys, big requests before AUTH) are explained before the close.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker } from '../helpers/backends';
import { connect, resp } from '../helpers/wire';
import { bulk, startAll, startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

const SKIP = hasNutcracker() ? false : 'Debian nutcracker not found (apt-get install nutcracker)';
const T = { timeout: 30_000, skip: SKIP };
const PASSWORD = 'pw';

let plain: ShardedRedis;
/** Password-protected backends, the pool without redis_auth. */
let protectedNoAuth: ShardedRedis;
/** Password-protected backends, the pool with redis_auth and redis_db: 2. */
let authAndDb: ShardedRedis;

before(async () => {
  if (SKIP) return;
  const fronts = ['ours', 'nutcracker'] as const;
  [plain, protectedNoAuth, authAndDb] = await startAll([
    startShardedRedis({ servers: 3, fronts, directives: { hash: 'md5', hash_tag: '{}' } }),
    startShardedRedis({ servers: 3, fronts, directives: { hash: 'md5' }, backend: { password: PASSWORD } }),
    startShardedRedis({ servers: 2, fronts, directives: { redis_auth: PASSWORD, redis_db: 2 }, backend: { password: PASSWORD } }),
  ]);
});

after(async () => {
  await Promise.all([plain?.stop(), protectedNoAuth?.stop(), authAndDb?.stop()]);
});

/** Everything nutcracker sends before it closes the connection. */
async function nutcrackerUntilClose(shard: ShardedRedis, bytes: Buffer | string): Promise<string> {
  const c = await connect(shard.ports.nutcracker as number);
  c.send(bytes);
  return (await c.readUntilClose()).toString();
}

/** Our n replies, then proof that the connection is still usable. */
async function oursKeepsConnection(shard: ShardedRedis, bytes: Buffer | string, n: number): Promise<string[]> {
  const c = await connect(shard.port);
  c.send(bytes);
  const replies = (await c.readReplies(n, 'redis')).map(String);
  c.send(resp('PING'));
  assert.equal((await c.readReply('redis')).toString(), '+PONG\r\n', 'our connection is still open');
  await c.close();
  return replies;
}

interface Case {
  title: string;
  send: Buffer | string;
  /** Our replies, each exact or matched by a pattern. */
  ours: (string | RegExp)[];
}

const CASES: Case[] = [
  { title: 'inline commands are accepted', send: `PING\r\nSET inline "a b"\r\nGET inline\r\n`, ours: ['+PONG\r\n', '+OK\r\n', bulk('a b').toString()] },
  ...['KEYS', 'FLUSHALL', 'MULTI', 'SUBSCRIBE', 'BLPOP', 'RENAME', 'MSETNX', 'SCAN'].map((name) => ({
    title: `${name} is refused with an error naming it`,
    send: resp(name, 'x', '0'),
    ours: [`-ERR unsupported command '${name}'\r\n`],
  })),
  { title: 'MOVE is refused with an error', send: resp('MOVE', 'k', '1'), ours: ["-ERR unsupported command 'MOVE'\r\n"] },
  { title: 'a wrong argument count gets Redis\'s own error', send: Buffer.concat([resp('GET'), resp('GET', 'a', 'b'), resp('MGET'), resp('MSET', 'a')]), ours: ['get', 'get', 'mget', 'mset'].map((n) => `-ERR wrong number of arguments for '${n}' command\r\n`) },
  { title: 'EVAL without keys gets an error', send: resp('EVAL', 'return 1', '0'), ours: ["-ERR eval without keys cannot be routed by the proxy\r\n"] },
  { title: 'PING with a message echoes it', send: resp('PING', 'hi'), ours: [bulk('hi').toString()] },
  { title: 'ECHO is answered', send: resp('ECHO', 'hi'), ours: [bulk('hi').toString()] },
  { title: 'SELECT of the pool database is accepted, others refused', send: Buffer.concat([resp('SELECT', '0'), resp('SELECT', '1')]), ours: ['+OK\r\n', /^-ERR SELECT is not allowed/] },
  { title: 'HELLO speaks RESP2 and refuses RESP3', send: Buffer.concat([resp('HELLO'), resp('HELLO', '2'), resp('HELLO', '3')]), ours: [/^\*14\r\n\$6\r\nserver\r\n/, /^\*14\r\n.*\$5\r\nproto\r\n:2\r\n/s, '-NOPROTO unsupported protocol version\r\n'] },
  {
    title: 'CLIENT SETNAME, GETNAME, SETINFO and ID are answered',
    send: Buffer.concat([resp('CLIENT', 'SETNAME', 'me'), resp('CLIENT', 'GETNAME'), resp('CLIENT', 'SETINFO', 'LIB-NAME', 'x'), resp('CLIENT', 'ID')]),
    ours: ['+OK\r\n', bulk('me').toString(), '+OK\r\n', /^:\d+\r\n$/],
  },
  { title: 'INFO describes the proxy in Redis format', send: resp('INFO'), ours: [/^\$\d+\r\n# Server\r\nredis_version:/] },
  { title: 'COMMAND COUNT, LIST and DOCS are answered', send: Buffer.concat([resp('COMMAND', 'COUNT'), resp('COMMAND', 'LIST'), resp('COMMAND', 'DOCS')]), ours: [/^:1\d\d\r\n$/, /^\*1\d\d\r\n.*\$3\r\nget\r\n/s, '*0\r\n'] },
  { title: 'EXPIRE with Redis 7 options is forwarded', send: Buffer.concat([resp('EXPIRE', 'exp', '100', 'NX'), resp('PEXPIRE', 'exp', '100', 'XX')]), ours: [':0\r\n', ':0\r\n'] },
];

for (const c of CASES) {
  test(`${c.title}, where nutcracker closes the connection`, T, async () => {
    const ours = await oursKeepsConnection(plain, c.send, c.ours.length);
    c.ours.forEach((want, i) => (typeof want === 'string' ? assert.equal(ours[i], want) : assert.match(ours[i], want)));
    assert.equal(await nutcrackerUntilClose(plain, c.send), '');
  });
}

test('QUIT answers +OK and closes, where nutcracker closes without a reply; bytes after it are dropped by both', T, async () => {
  const send = Buffer.concat([resp('QUIT'), resp('SET', 'after-quit', '1')]);
  const c = await connect(plain.port);
  c.send(send);
  assert.equal((await c.readUntilClose()).toString(), '+OK\r\n');
  assert.equal(await nutcrackerUntilClose(plain, send), '');
  assert.deepEqual(await plain.locate(['after-quit']), [-1]);
});

test('a protocol error is explained before closing, where nutcracker just closes', T, async () => {
  const c = await connect(plain.port);
  c.send(Buffer.from([1, 2, 3, 13, 10]));
  assert.match((await c.readUntilClose()).toString(), /^-ERR Protocol error: .*\r\n$/);
  assert.equal(await nutcrackerUntilClose(plain, Buffer.from([1, 2, 3, 13, 10])), '');
});

test('EXISTS with keys on two servers is split and summed; nutcracker counts only the first key\'s server', T, async () => {
  const keys = Array.from({ length: 20 }, (_, i) => `ex:${i}`);
  const c = await connect(plain.port);
  c.send(Buffer.concat(keys.map((k) => resp('SET', k, 'v'))));
  await c.readReplies(keys.length, 'redis');
  await c.close();
  const where = await plain.locate(keys);
  const other = keys.find((_, i) => where[i] !== where[0]) as string;
  const send = resp('EXISTS', keys[0], other);
  assert.deepEqual(await oursKeepsConnection(plain, send, 1), [':2\r\n']);
  const n = await connect(plain.ports.nutcracker as number);
  n.send(send);
  assert.equal((await n.readReply('redis')).toString(), ':1\r\n');
  await n.close();
});

test('a split command failing on a backend returns that backend\'s error; nutcracker says -ERR Invalid argument', T, async () => {
  const keys = Array.from({ length: 6 }, (_, i) => `split:${i}`);
  const send = resp('DEL', ...keys);
  assert.deepEqual(await oursKeepsConnection(protectedNoAuth, send, 1), ['-NOAUTH Authentication required.\r\n']);
  const n = await connect(protectedNoAuth.ports.nutcracker as number);
  n.send(send);
  assert.equal((await n.readReply('redis')).toString(), '-ERR Invalid argument\r\n');
  await n.close();
});

test('with redis_auth and redis_db data lands in the configured database; through nutcracker it lands in db 0', T, async () => {
  for (const front of ['ours', 'nutcracker'] as const) {
    const c = await connect(authAndDb.ports[front] as number);
    c.send(Buffer.concat([resp('AUTH', PASSWORD), resp('SET', `via-${front}`, 'v')]));
    assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '+OK\r\n']);
    await c.close();
  }
  assert.deepEqual(await authAndDb.locate(['via-ours', 'via-nutcracker'], { db: 2 }).then((w) => w.map((i) => i >= 0)), [true, false]);
  assert.deepEqual(await authAndDb.locate(['via-ours', 'via-nutcracker'], { db: 0 }).then((w) => w.map((i) => i >= 0)), [false, true]);
});

test('AUTH with a user name is accepted for "default", where nutcracker closes', T, async () => {
  const send = Buffer.concat([resp('AUTH', 'default', PASSWORD), resp('PING')]);
  const c = await connect(authAndDb.port);
  c.send(send);
  assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '+PONG\r\n']);
  await c.close();
  assert.equal(await nutcrackerUntilClose(authAndDb, send), '');
});

test('a key longer than nutcracker\'s limit (mbuf size − 48) gets an error before the close, where nutcracker just closes', T, async () => {
  const longest = resp('SET', 'k'.repeat(16384 - 48 - 1), 'v');
  const tooLong = resp('SET', 'k'.repeat(16384 - 48), 'v');
  for (const front of ['ours', 'nutcracker'] as const) {
    const c = await connect(plain.ports[front] as number);
    c.send(longest);
    assert.equal((await c.readReply('redis')).toString(), '+OK\r\n', `${front} takes the longest allowed key`);
    await c.close();
  }
  const c = await connect(plain.port);
  c.send(tooLong);
  assert.equal((await c.readUntilClose()).toString(), '-ERR Protocol error: key too long (16336 bytes, limit 16335)\r\n');
  assert.equal(await nutcrackerUntilClose(plain, tooLong), '');
});

test('before AUTH a request of more than 10 arguments is a protocol error as in Redis; nutcracker answers -NOAUTH', T, async () => {
  const send = resp('MGET', ...Array.from({ length: 10 }, (_, i) => `k${i}`));
  const c = await connect(authAndDb.port);
  c.send(send);
  assert.equal((await c.readUntilClose()).toString(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
  const n = await connect(authAndDb.ports.nutcracker as number);
  n.send(send);
  assert.equal((await n.readReply('redis')).toString(), '-NOAUTH Authentication required\r\n');
  await n.close();
});
