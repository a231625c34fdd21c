// Bad input from clients never crashes the proxy and never affects another client: 10 MB of
// random bytes and malformed frames per protocol (redis and memcached pools of one proxy, real
// backends) while well-behaved clients keep writing and reading back binary values, all correct.
// The byte stream is seeded, and the seed is in every failure message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { startMemcached, startRedis } from '../../helpers/backends';
import type { WireProtocol } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { randomBytes, rng } from '../../helpers/random';
import { connect, resp } from '../../helpers/wire';

const BUDGET = 10 * 1024 * 1024;
/** Fixed so runs are repeatable; set LIVENESS_SEED to explore other streams. */
const SEED = Number(process.env.LIVENESS_SEED ?? 20240611);

/** Frames each protocol's scanner must refuse (or wait on forever) without harm to anyone else. */
const MALFORMED: Record<WireProtocol, readonly (string | Buffer)[]> = {
  redis: [
    '*2\r\n$3\r\nGET\r\n$-7\r\n',
    '*1\r\n$99999999999999999999\r\n',
    '*-2\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nabc\r\n',
    '*2\r\n$3\r\nGET\r\n:1\r\n',
    '*1\r\n$4\r\nPING\n\n\n',
    '*0\r\n',
    '$3\r\nGET\r\n',
    '*2\r\n$7\r\nUNKNOWN\r\n$1\r\nk\r\n',
    '*1\r\n$3\r\nGET\r\n',
    '*100000000\r\n',
    Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10]),
    `*2\r\n$3\r\nGET\r\n$30000\r\n${'k'.repeat(30000)}\r\n`,
    '*3\r\n$4\r\nMGET\r\n',
    '*2\r\n$4\r\nMGET\r\n$0\r\n\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n',
    `${'A'.repeat(70000)}\r\n`,
  ],
  memcache: [
    'get\r\n',
    'set k 0 0 -1\r\n',
    'set k 0 0 5\r\nabcdefgh\r\n',
    `get ${'k'.repeat(300)}\r\n`,
    'incr k abc\r\n',
    Buffer.from([0x80, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00]),
    'bogus command\r\n',
    'set k a b c\r\nxx\r\n',
    'gets\r\n',
    'delete\r\n',
    'cas k 0 0 1\r\nx\r\n',
    'set k 0 0 99999999999999999999\r\n',
    `get k${' '.repeat(10000)}`,
    'set k 0 0 1 noreply extra words\r\nx\r\n',
    `${'x'.repeat(70000)}\r\n`,
  ],
};

/** Open a connection, write `bytes`, give the proxy a moment to react, then drop it. */
async function hit(port: number, bytes: Buffer): Promise<void> {
  const sock: Socket = netConnect({ port, host: '127.0.0.1' });
  sock.on('error', () => {}); // the proxy may reset us: that is one of the expected outcomes
  sock.on('data', () => {});
  await new Promise<void>((resolve) => {
    sock.once('connect', resolve);
    sock.once('close', resolve);
  });
  if (!sock.destroyed) sock.write(bytes);
  await Promise.race([new Promise((r) => sock.once('close', r)), delay(20)]);
  sock.destroy();
}

/** Send BUDGET bytes of malformed frames and random bytes, over many short connections. */
async function assault(port: number, protocol: WireProtocol, seed: number): Promise<{ bytes: number; connections: number }> {
  const next = rng(seed);
  let bytes = 0;
  let connections = 0;
  while (bytes < BUDGET) {
    const parts: Buffer[] = [];
    const kind = next();
    if (kind < 0.4) parts.push(randomBytes(next, 1024 + ((next() * 64 * 1024) | 0)));
    else {
      const frames = MALFORMED[protocol];
      const frame = frames[(next() * frames.length) | 0];
      // Sometimes after a valid request, sometimes followed by random bytes.
      if (kind < 0.7) parts.push(protocol === 'redis' ? resp('PING') : Buffer.from('version\r\n'));
      parts.push(typeof frame === 'string' ? Buffer.from(frame, 'latin1') : frame);
      if (next() < 0.5) parts.push(randomBytes(next, (next() * 16 * 1024) | 0));
    }
    const chunk = Buffer.concat(parts);
    bytes += chunk.length;
    connections++;
    await hit(port, chunk);
  }
  return { bytes, connections };
}

/** A well-behaved client: write a binary value under its own key, read it back, until told to stop. */
async function goodClient(port: number, protocol: WireProtocol, id: number, seed: number, stop: () => boolean): Promise<number> {
  const next = rng(seed + id);
  const c = await connect(port);
  let rounds = 0;
  try {
    while (!stop() || rounds < 20) {
      const key = `good:${id}:${rounds % 50}`;
      const value = randomBytes(next, 1 + ((next() * 4000) | 0));
      if (protocol === 'redis') {
        c.send(Buffer.concat([resp('SET', key, value), resp('GET', key), resp('MGET', key, `good:${id}:none`)]));
        const [set, get, mget] = await c.readReplies(3, 'redis');
        const bulk = Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]);
        assert.equal(String(set), '+OK\r\n');
        assert.ok(get.equals(bulk), `GET ${key} returned the value (seed ${seed})`);
        assert.ok(mget.equals(Buffer.concat([Buffer.from('*2\r\n'), bulk, Buffer.from('$-1\r\n')])), `MGET ${key} (seed ${seed})`);
      } else {
        c.send(Buffer.concat([Buffer.from(`set ${key} 7 0 ${value.length}\r\n`), value, Buffer.from(`\r\nget ${key} good:${id}:none\r\n`)]));
        const [set, get] = await c.readReplies(2, 'memcache');
        assert.equal(String(set), 'STORED\r\n');
        const want = Buffer.concat([Buffer.from(`VALUE ${key} 7 ${value.length}\r\n`), value, Buffer.from('\r\nEND\r\n')]);
        assert.ok(get.equals(want), `get ${key} returned the value (seed ${seed})`);
      }
      rounds++;
    }
    assert.equal(c.closed, false, 'a good client is never disconnected');
    return rounds;
  } finally {
    await c.close();
  }
}

test(`10 MB of random bytes and malformed frames per protocol leave the proxy and other clients unharmed (seed ${SEED})`, { timeout: 90_000 }, async (t) => {
  const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  t.after(() => Promise.all([redis.stop(), memcached.stop()]).then(() => undefined));
  const { yaml, ports } = await poolYaml(
    { name: 'r', redis: true, servers: [redis], directives: { timeout: 2000 } },
    { name: 'm', redis: false, servers: [memcached], directives: { timeout: 2000 } },
  );
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());

  let done = false;
  const stop = (): boolean => done;
  const good = Promise.all([
    ...[0, 1, 2].map((id) => goodClient(ports.r, 'redis', id, SEED, stop)),
    ...[0, 1, 2].map((id) => goodClient(ports.m, 'memcache', id, SEED, stop)),
  ]);
  let assaults: { bytes: number; connections: number }[];
  try {
    assaults = await Promise.all([assault(ports.r, 'redis', SEED), assault(ports.m, 'memcache', SEED + 1)]);
  } finally {
    done = true;
  }
  const rounds = await good;
  for (const a of assaults) assert.ok(a.bytes >= BUDGET);
  assert.ok(rounds.every((r) => r >= 20), `every good client kept working: ${rounds.join(', ')} rounds`);

  await waitFor('every client connection to be released', async () =>
    proxy.proxy.snapshot().pools.every((p) => p.stats.client_connections === 0) ? true : undefined,
  );
  // (Pools are listed in nutcracker's order, by name length then name: find them by name.)
  const pools = proxy.proxy.snapshot().pools;
  (['r', 'm'] as const).forEach((name, i) => {
    const p = pools.find((x) => x.name === name);
    assert.ok(p !== undefined);
    const closed = p.stats.client_eof + p.stats.client_err;
    assert.equal(closed, assaults[i].connections + 3, `pool ${name}: every connection accounted for`);
    assert.ok(p.stats.client_err > 0, `pool ${name}: malformed input closed some clients as errors`);
    assert.equal(p.servers[0].stats.server_err + p.servers[0].stats.server_eof, 0, `pool ${name}: the backend connection never broke`);
  });
});
