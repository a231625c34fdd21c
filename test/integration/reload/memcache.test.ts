// Reload of a memcached pool (issue 9): a server added and the hash changed in one reload; a client
// connected before keeps its connection and its requests follow the new placement, which must be
// the one Debian's nutcracker gives the new file when started fresh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startMemcached, startNutcracker, type Backend } from '../../helpers/backends';
import { freePort } from '../../helpers/ports';
import { startProxy, type PoolSpec } from '../../helpers/proxy';
import { connect, type WireClient } from '../../helpers/wire';
import { probeKeys, yamlWithListens } from './reload-kit';

const T = { timeout: 30_000, skip: hasNutcracker() ? false : 'Debian nutcracker not found on PATH' };

async function request(c: WireClient, lines: readonly string[]): Promise<string[]> {
  c.send(lines.join(''));
  return (await c.readReplies(lines.length, 'memcache', 10_000)).map(String);
}

async function onPort<T>(port: number, fn: (c: WireClient) => Promise<T>): Promise<T> {
  const c = await connect(port);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Which memcached holds each key (asked directly, then deleted there); -1: none or several. */
async function locate(keys: readonly string[], backends: readonly Backend[]): Promise<number[]> {
  const where = new Array<number>(keys.length).fill(-1);
  for (let b = 0; b < backends.length; b++) {
    const found = await onPort(backends[b].port, (c) => request(c, keys.map((k) => `get ${k}\r\n`)));
    found.forEach((r, i) => {
      if (r.startsWith('VALUE ')) where[i] = where[i] === -1 ? b : -2;
    });
    await onPort(backends[b].port, (c) => request(c, keys.map((k) => `delete ${k}\r\n`)));
  }
  return where.map((w) => (w < 0 ? -1 : w));
}

async function store(c: WireClient, keys: readonly string[]): Promise<void> {
  const replies = await request(
    c,
    keys.map((k) => `set ${k} 0 0 6\r\nplaced\r\n`),
  );
  assert.deepEqual([...new Set(replies)], ['STORED\r\n']);
}

test('a memcached pool gains a server and a new hash; an open client follows the placement nutcracker gives the new file', T, async (t) => {
  const backends = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  t.after(() => Promise.all(backends.map((b) => b.stop())).then(() => undefined));
  const port = await freePort();
  const srv = (i: number): { port: number; name: string } => ({ port: backends[i].port, name: `m${i + 1}` });
  const before: PoolSpec = { name: 'cache', redis: false, directives: { hash: 'fnv1a_64', distribution: 'ketama' }, servers: [srv(0), srv(1)] };
  const after: PoolSpec = { name: 'cache', redis: false, directives: { hash: 'crc32a', distribution: 'ketama' }, servers: [srv(0), srv(1), srv(2)] };
  const p = await startProxy(await yamlWithListens([before], { cache: port }));
  t.after(() => p.stop());
  const c = await connect(port);
  t.after(() => c.close());
  const keys = probeKeys('memcache').map((k) => k.replace(/[{}]/g, ''));
  await store(c, keys);
  const placedBefore = await locate(keys, backends);
  assert.deepEqual([...new Set(placedBefore)].sort(), [0, 1]);

  const result = await p.reload(await yamlWithListens([after], { cache: port }));
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, /pool 'cache' added m3/);
  await store(c, keys);
  const ours = await locate(keys, backends);

  const theirPort = await freePort();
  const nutcracker = await startNutcracker(await yamlWithListens([after], { cache: theirPort }));
  t.after(() => nutcracker.stop());
  await onPort(theirPort, (n) => store(n, keys));
  const theirs = await locate(keys, backends);
  assert.deepEqual(ours, theirs, 'keys land where a fresh nutcracker with the new file puts them');
  assert.deepEqual([...new Set(ours)].sort(), [0, 1, 2]);
  assert.equal(c.closed, false);
  assert.equal(p.proxy.snapshot().pools[0].stats.client_connections, 1);
});
