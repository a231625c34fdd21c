// Key placement, differentially against Debian's nutcracker 0.5.0 (issue 3 acceptance): for every hash
// × {ketama, modula} with named and unnamed weighted servers, hash tags "{}" and "$$", memcached pools
// and pools with one server ejected, ≥300 keys written through one proxy must be read back through
// the other, and must sit on the backend that `Placement` predicts. One nutcracker and one of ours
// serve all combinations at once (one pool each); the backends are flushed between combinations.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Placement } from '../../src/distribution/placement';
import { HASH_NAMES, type HashName } from '../../src/hashing/index';
import { resp, type WireProtocol } from '../helpers/wire';
import { waitFor } from '../helpers/processes';
import { placementKeys, type KeyKind } from './placement-keys';
import { RIG_SKIP, startPlacementRig, type PlacementRig, type ProxyName, type RigPool, type RigServer } from './placement-rig';

/** Rig backends: 4 redis-servers shared by the redis pools, a 5th that gets stopped, 3 memcacheds. */
const REDIS = [0, 1, 2, 3] as const;
const VICTIM = 4;
const MEMCACHED = [5, 6, 7] as const;

/** Server lists. Named ones are listed out of nutcracker's sort order on purpose (spec §2.7). */
const SERVERS = {
  redisNamed: [{ backend: 0, weight: 1, name: 'shard03' }, { backend: 1, weight: 3, name: 'b' }, { backend: 2, weight: 2, name: 'redis-a' }, { backend: 3, weight: 1, name: 'zz' }],
  redisUnnamed: REDIS.map((backend, i) => ({ backend, weight: [1, 2, 3, 1][i] })),
  ejectNamed: [...REDIS, VICTIM].map((backend, i) => ({ backend, weight: 1, name: `s${i + 1}` })),
  ejectUnnamed: [...REDIS, VICTIM].map((backend, i) => ({ backend, weight: [1, 2, 3, 1, 2][i] })),
  memcachedNamed: MEMCACHED.map((backend, i) => ({ backend, weight: [1, 2, 1][i], name: ['mc-one', 'mc2', 'm3'][i] })),
  memcachedUnnamed: MEMCACHED.map((backend, i) => ({ backend, weight: [2, 1, 1][i] })),
} as const satisfies Record<string, readonly RigServer[]>;

type Distribution = 'ketama' | 'modula';

interface Combo {
  id: string;
  kind: KeyKind;
  hash: HashName;
  distribution: Distribution;
  servers: readonly RigServer[];
  tag: string | null;
  /** The pool holds VICTIM, with auto_eject_hosts; it is checked after VICTIM was stopped and ejected. */
  eject: boolean;
}

function combo(kind: KeyKind, hash: HashName, distribution: Distribution, servers: keyof typeof SERVERS, tag: string | null = null): Combo {
  const tagId = tag === null ? '' : tag === '{}' ? '_braces' : '_dollars';
  return { id: `${kind}_${hash}_${distribution}_${servers}${tagId}`, kind, hash, distribution, servers: SERVERS[servers], tag, eject: servers.startsWith('eject') };
}

const COMBOS: Combo[] = [
  ...HASH_NAMES.flatMap((hash) =>
    (['ketama', 'modula'] as const).flatMap((dist) => [combo('redis', hash, dist, 'redisNamed'), combo('redis', hash, dist, 'redisUnnamed')]),
  ),
  combo('redis', 'fnv1a_64', 'ketama', 'redisNamed', '{}'),
  combo('redis', 'murmur', 'modula', 'redisUnnamed', '{}'),
  combo('redis', 'md5', 'ketama', 'redisUnnamed', '$$'),
  combo('redis', 'hsieh', 'modula', 'redisNamed', '$$'),
  combo('memcache', 'fnv1a_64', 'ketama', 'memcachedUnnamed'),
  combo('memcache', 'md5', 'ketama', 'memcachedNamed', '{}'),
  combo('memcache', 'one_at_a_time', 'modula', 'memcachedNamed'),
  combo('redis', 'fnv1a_64', 'ketama', 'ejectNamed'),
  combo('redis', 'fnv1a_32', 'modula', 'ejectUnnamed'),
];
const EJECTING = COMBOS.filter((c) => c.eject);

function rigPool(c: Combo): RigPool {
  const directives: RigPool['directives'] = { hash: c.hash, distribution: c.distribution };
  if (c.tag !== null) directives.hash_tag = c.tag;
  if (c.eject) Object.assign(directives, { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: 600_000 });
  return { name: c.id, redis: c.kind === 'redis', servers: c.servers, directives };
}

/** Request and expected reply bytes per protocol: a store that must succeed, a read of that value. */
const WIRE = {
  redis: {
    set: (key: Buffer, value: string) => resp('SET', key, value),
    stored: Buffer.from('+OK\r\n'),
    get: (key: Buffer) => resp('GET', key),
    found: (_key: Buffer, value: string) => Buffer.from(`$${value.length}\r\n${value}\r\n`),
  },
  memcache: {
    set: (key: Buffer, value: string) => Buffer.concat([Buffer.from('set '), key, Buffer.from(` 0 0 ${value.length}\r\n${value}\r\n`)]),
    stored: Buffer.from('STORED\r\n'),
    get: (key: Buffer) => Buffer.concat([Buffer.from('get '), key, Buffer.from('\r\n')]),
    found: (key: Buffer, value: string) => Buffer.concat([Buffer.from('VALUE '), key, Buffer.from(` 0 ${value.length}\r\n${value}\r\nEND\r\n`)]),
  },
} as const satisfies Record<KeyKind, unknown>;

const PROTOCOL: Record<KeyKind, WireProtocol> = { redis: 'redis', memcache: 'memcache' };

/** nutcracker's server order (spec §2.7): shorter name first, then bytes. Kept apart from src/config on purpose. */
function byName(a: { name: string }, b: { name: string }): number {
  const x = Buffer.from(a.name);
  const y = Buffer.from(b.name);
  return x.length - y.length || Buffer.compare(x, y);
}

/** Which rig backend Placement says each key belongs on (VICTIM out of the ring for ejecting pools). */
function predict(rig: PlacementRig, c: Combo, keys: readonly Buffer[]): number[] {
  const servers = c.servers.map((s) => ({ name: s.name ?? `127.0.0.1:${rig.backends[s.backend].port}`, weight: s.weight, backend: s.backend })).sort(byName);
  const placement = new Placement({ hash: c.hash, distribution: c.distribution, hashTag: c.tag === null ? null : Buffer.from(c.tag, 'latin1'), servers });
  if (c.eject) placement.setLive(servers.map((s) => s.backend !== VICTIM));
  return keys.map((k) => servers[placement.serverFor(k, 0, k.length)].backend);
}

/** For each key, the backends (of `candidates`) that hold exactly `values[i]`, asked directly. */
async function locate(rig: PlacementRig, c: Combo, keys: readonly Buffer[], values: readonly string[], candidates: readonly number[]): Promise<number[][]> {
  const wire = WIRE[c.kind];
  const where: number[][] = keys.map(() => []);
  for (const b of candidates) {
    const replies = await rig.exchange(rig.backends[b].port, keys.map(wire.get), PROTOCOL[c.kind]);
    replies.forEach((r, i) => r.equals(wire.found(keys[i], values[i])) && where[i].push(b));
  }
  return where;
}

const hex = (k: Buffer): string => (k.length > 24 ? `${k.subarray(0, 24).toString('hex')}…(${k.length} bytes)` : `"${k.toString('hex')}"`);

const totals = { combos: 0, keys: 0, mismatches: 0 };
let rig: PlacementRig;

before(async () => {
  if (RIG_SKIP) return;
  rig = await startPlacementRig({ redis: 5, memcached: MEMCACHED.length, pools: COMBOS.map(rigPool) });
});

after(async () => {
  await rig?.stop();
});

/** Write through `from`, read back through `to`, locate on the backends; returns a list of problems. */
async function crossCheck(c: Combo, from: ProxyName, to: ProxyName, seed: number): Promise<{ keys: number; problems: string[] }> {
  const wire = WIRE[c.kind];
  const protocol = PROTOCOL[c.kind];
  const { keys, groups } = placementKeys({ kind: c.kind, seed, tag: c.tag });
  const values = keys.map((_, i) => `${from}-${seed}-${i}`);
  const backends = [...new Set(c.servers.map((s) => s.backend))].filter((b) => !(c.eject && b === VICTIM));
  await rig.flush(backends);

  const problems: string[] = [];
  const written = await rig.exchange(rig.port(from, c.id), keys.map((k, i) => wire.set(k, values[i])), protocol);
  written.forEach((r, i) => r.equals(wire.stored) || problems.push(`${from} did not store ${hex(keys[i])}: ${JSON.stringify(r.toString('latin1'))}`));

  const read = await rig.exchange(rig.port(to, c.id), keys.map(wire.get), protocol);
  const predicted = predict(rig, c, keys);
  const where = await locate(rig, c, keys, values, backends);
  read.forEach((r, i) => {
    const found = r.equals(wire.found(keys[i], values[i]));
    const placed = where[i].length === 1 && where[i][0] === predicted[i];
    if (!found || !placed) {
      problems.push(
        `key ${hex(keys[i])}: ${found ? 'read back' : `NOT read back by ${to} (${JSON.stringify(r.subarray(0, 40).toString('latin1'))})`}; ` +
          `${from} put it on backend(s) [${where[i].join(',')}], Placement predicts ${predicted[i]}`,
      );
    }
  });
  for (const [body, idx] of groups) {
    const homes = new Set(idx.flatMap((i) => where[i]));
    if (homes.size > 1) problems.push(`keys tagged ${body} (hex) landed on several backends: [${[...homes].join(',')}]`);
  }
  return { keys: keys.length, problems };
}

/** A key that Placement puts on VICTIM while every server is live. */
function victimKey(c: Combo): Buffer {
  const servers = c.servers.map((s) => ({ name: s.name ?? `127.0.0.1:${rig.backends[s.backend].port}`, weight: s.weight, backend: s.backend })).sort(byName);
  const placement = new Placement({ hash: c.hash, distribution: c.distribution, hashTag: null, servers });
  for (let i = 0; ; i++) {
    const key = Buffer.from(`victim-${i}`);
    if (servers[placement.serverFor(key, 0, key.length)].backend === VICTIM) return key;
  }
}

function poolStat(stats: Record<string, unknown>, pool: string, field: string): unknown {
  return (stats[pool] as Record<string, unknown> | undefined)?.[field];
}

const T = { skip: RIG_SKIP, timeout: 60_000 };
const DIRECTIONS = [['nutcracker', 'ours'], ['ours', 'nutcracker']] as const;

function placementTest(c: Combo, index: number): void {
  const what = `${c.hash}/${c.distribution}, ${c.kind}, ${c.servers[0].name === undefined ? 'unnamed' : 'named'} weighted servers` +
    `${c.tag === null ? '' : `, hash_tag "${c.tag}"`}${c.eject ? ', one server ejected' : ''}`;
  test(`${what}: keys written through either proxy are read back through the other, on the server Placement predicts`, T, async (t) => {
    const problems: string[] = [];
    for (const [d, [from, to]] of DIRECTIONS.entries()) {
      const result = await crossCheck(c, from, to, 1000 * (index + 1) + d);
      assert.ok(result.keys >= 300, `only ${result.keys} keys`);
      totals.keys += result.keys;
      problems.push(...result.problems.map((p) => `${from} → ${to}: ${p}`));
    }
    totals.combos++;
    totals.mismatches += problems.length;
    t.diagnostic(`${c.id}: ${problems.length} problems`);
    assert.deepEqual(problems.slice(0, 8), [], `${c.id}: ${problems.length} problems (first 8 shown)`);
  });
}

COMBOS.filter((c) => !c.eject).forEach((c) => placementTest(c, COMBOS.indexOf(c)));

test('stopping a live redis gets it ejected exactly once from each ejecting pool by both proxies', T, async () => {
  // First prove VICTIM is in use: a key Placement gives it is stored there through each proxy.
  for (const c of EJECTING) {
    const key = victimKey(c);
    for (const proxy of ['nutcracker', 'ours'] as const) {
      const [stored] = await rig.exchange(rig.port(proxy, c.id), [resp('SET', key, proxy)], 'redis');
      assert.equal(stored.toString(), '+OK\r\n');
      const [direct] = await rig.exchange(rig.backends[VICTIM].port, [resp('GET', key)], 'redis');
      assert.equal(direct.toString(), `$${proxy.length}\r\n${proxy}\r\n`, `${proxy} stored ${key} on the victim (${c.id})`);
    }
  }
  await rig.backends[VICTIM].stop();
  for (const c of EJECTING) {
    const key = victimKey(c);
    for (const proxy of ['nutcracker', 'ours'] as const) {
      // Each request routed to the dead server is a failure; with server_failure_limit 1 one is enough
      // (nutcracker may already have ejected it when its idle connection saw EOF).
      await waitFor(
        `${proxy} ejects the stopped redis from ${c.id}`,
        async () => {
          await rig.exchange(rig.port(proxy, c.id), [resp('GET', key)], 'redis');
          return Number(poolStat(await rig.stats(proxy), c.id, 'server_ejects')) >= 1 ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    }
  }
  for (const c of EJECTING) {
    for (const proxy of ['nutcracker', 'ours'] as const) {
      const stats = await rig.stats(proxy);
      assert.equal(poolStat(stats, c.id, 'server_ejects'), 1, `${proxy} ${c.id} server_ejects`);
    }
  }
});

COMBOS.filter((c) => c.eject).forEach((c) => placementTest(c, COMBOS.indexOf(c)));

test('every combination ran and no key was misplaced', T, (t) => {
  t.diagnostic(`${totals.combos} combinations × 2 directions, ${totals.keys} keys checked, ${totals.mismatches} mismatches`);
  assert.equal(totals.combos, COMBOS.length);
  assert.equal(totals.mismatches, 0);
});
