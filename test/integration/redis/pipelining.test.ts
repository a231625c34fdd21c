// Pipelining and large values through the proxy against real redis-servers: 10,000 requests in one
// pipeline (one client, then ten at once), the same command stream sent whole, byte by byte and in
// random pieces, and a 64 MiB value written in random chunk sizes on a raw socket and read back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect, resp } from '../../helpers/wire';
import { bulk, startShardedRedis, type ShardedRedis } from './sharded-redis';

const T = { timeout: 60_000 };
const BIG = 64 * 1024 * 1024;

let shard: ShardedRedis;

before(async () => {
  shard = await startShardedRedis({ servers: 3, directives: { hash: 'md5' } });
});

after(async () => {
  await shard?.stop();
});

/** A small deterministic PRNG so a failing split can be reproduced from the seed in the title. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** `count` requests with known replies: SET then GET of each key, and every 50th pair an MGET. */
function pipeline(tag: string, count: number): { requests: Buffer[]; replies: string[] } {
  const requests: Buffer[] = [];
  const replies: string[] = [];
  for (let i = 0; requests.length < count; i++) {
    const key = `${tag}:${i}`;
    const value = `value ${i} of ${tag}\r\n`; // CRLF inside a value must not confuse anyone
    requests.push(resp('SET', key, value), resp('GET', key));
    replies.push('+OK\r\n', bulk(value).toString());
    if (i % 50 === 49) {
      requests.push(resp('MGET', key, `${tag}:missing`, `${tag}:${i - 1}`));
      replies.push(`*3\r\n${bulk(value)}$-1\r\n${bulk(`value ${i - 1} of ${tag}\r\n`)}`);
    }
  }
  return { requests: requests.slice(0, count), replies: replies.slice(0, count) };
}

test('10,000 pipelined requests are answered in order', T, async () => {
  const { requests, replies } = pipeline('p1', 10_000);
  const c = await connect(shard.port);
  c.send(Buffer.concat(requests));
  const got = await c.readReplies(requests.length, 'redis', 30_000);
  assert.equal(got.length, 10_000);
  got.forEach((r, i) => assert.equal(r.toString(), replies[i], `reply ${i}`));
  await c.close();
});

test('ten clients pipelining 1,000 requests each at once each get their own replies in order', T, async () => {
  const work = Array.from({ length: 10 }, (_, n) => pipeline(`c${n}`, 1000));
  const clients = await Promise.all(work.map(() => connect(shard.port)));
  clients.forEach((c, n) => c.send(Buffer.concat(work[n].requests)));
  const got = await Promise.all(clients.map((c) => c.readReplies(1000, 'redis', 30_000)));
  got.forEach((replies, n) => assert.deepEqual(replies.map(String), work[n].replies, `client ${n}`));
  await Promise.all(clients.map((c) => c.close()));
});

/** Write `data` as pieces whose ends are `cuts`, waiting for each write to be handed to the kernel. */
async function writePieces(socket: Socket, data: Buffer, cuts: number[]): Promise<void> {
  let from = 0;
  for (const to of [...cuts, data.length]) {
    if (to <= from) continue;
    await new Promise<void>((resolve, reject) => socket.write(data.subarray(from, to), (err) => (err ? reject(err) : resolve())));
    from = to;
  }
}

const STREAM = [
  resp('SET', 'split:a', Buffer.from([0, 13, 10, 255, 42, 36])), resp('GET', 'split:a'), resp('MSET', 'split:b', '*2\r\n', 'split:c', '$-1\r\n'),
  resp('MGET', 'split:a', 'split:b', 'split:c', 'split:none'), resp('PING'), resp('EXISTS', 'split:a', 'split:b', 'split:none'),
  resp('INCRBY', 'split:n', '41'), resp('APPEND', 'split:s', 'x'.repeat(3000)), resp('STRLEN', 'split:s'), resp('DEL', 'split:a', 'split:b', 'split:c'),
];

async function runStream(cutsFor: (data: Buffer) => number[]): Promise<string[]> {
  await shard.flushAll();
  const data = Buffer.concat(STREAM);
  const c = await connect(shard.port);
  await writePieces(c.socket, data, cutsFor(data));
  const replies = await c.readReplies(STREAM.length, 'redis');
  await c.close();
  return replies.map(String);
}

test('a command stream gets the same replies sent whole, byte by byte and in random pieces', T, async () => {
  const whole = await runStream(() => []);
  assert.deepEqual(whole.slice(0, 6), [
    '+OK\r\n', bulk(Buffer.from([0, 13, 10, 255, 42, 36])).toString(), '+OK\r\n',
    `*4\r\n${bulk(Buffer.from([0, 13, 10, 255, 42, 36]))}${bulk('*2\r\n')}${bulk('$-1\r\n')}$-1\r\n`, '+PONG\r\n', ':2\r\n',
  ]);
  assert.deepEqual(await runStream((data) => Array.from({ length: data.length }, (_, i) => i + 1)), whole, 'byte by byte');
  for (const seed of [1, 2, 3]) {
    const rand = prng(seed);
    const cuts = (data: Buffer): number[] => Array.from({ length: 40 }, () => rand(data.length)).sort((a, b) => a - b);
    assert.deepEqual(await runStream(cuts), whole, `random pieces, seed ${seed}`);
  }
});

/** Read from a raw socket until `total` bytes arrived; chunks are joined once at the end. */
function readExactly(socket: Socket, total: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= total) {
        socket.removeListener('data', onData);
        resolve(Buffer.concat(chunks, got));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${got} of ${total} bytes`)));
  });
}

test('a 64 MiB value written in random chunk sizes is stored whole and read back identical', T, async () => {
  const value = randomBytes(BIG);
  const request = Buffer.concat([resp('SET', 'big:key', value), resp('STRLEN', 'big:key')]);
  const rand = prng(64);
  // Cuts every 0..2 MiB, with a cluster of 1-byte pieces around the bulk header and the final CRLF.
  const cuts: number[] = [];
  for (let at = 0; at < request.length; at += 1 + rand(2 * 1024 * 1024)) cuts.push(at);
  for (let i = 20; i < 60; i++) cuts.push(i, request.length - 40 + i - 20);
  cuts.sort((a, b) => a - b);

  const socket: Socket = netConnect({ port: shard.port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  try {
    const stored = readExactly(socket, '+OK\r\n'.length + `:${BIG}\r\n`.length);
    await writePieces(socket, request, cuts);
    assert.equal((await stored).toString(), `+OK\r\n:${BIG}\r\n`);

    const header = `$${BIG}\r\n`;
    const reply = readExactly(socket, header.length + BIG + 2);
    socket.write(resp('GET', 'big:key'));
    const got = await reply;
    assert.equal(got.length, header.length + BIG + 2, 'nothing more than the one reply');
    assert.equal(got.subarray(0, header.length).toString(), header);
    assert.ok(got.subarray(header.length, header.length + BIG).equals(value), 'the value came back byte for byte');
    assert.equal(got.subarray(header.length + BIG).toString(), '\r\n');
  } finally {
    socket.destroy();
  }
  const where = await shard.locate(['big:key']);
  assert.equal(await shard.direct(where[0], 'STRLEN', 'big:key'), `:${BIG}\r\n`);
});
