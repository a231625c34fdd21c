// Reload under continuous load (issue 9 acceptance): our proxy in-process in front of four real
// redis-servers, several clients per pool sending pipelined SET/GET/MGET without pause, while the
// config file is changed step by step — add a server, remove one, change the hash, add a pool, remove
// a pool, load an invalid file. After each step: no client of an unchanged pool was dropped, no
// request failed, and keys land where a Debian nutcracker started fresh with the new file puts them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startNutcracker, startRedis, type Backend } from '../../helpers/backends';
import { freePort } from '../../helpers/ports';
import { accepts, waitFor } from '../../helpers/processes';
import { startProxy, type PoolSpec, type RunningProxy } from '../../helpers/proxy';
import { fetchStatsText, statsShape, tokenizeStats } from '../stats/stats-doc';
import { exchange, nutcrackerPlacement, placementThrough, probeKeys, startLoad, waitRedisClients, yamlWithListens, type Load } from './reload-kit';
import { resp } from '../../helpers/wire';

const T = { timeout: 30_000, skip: hasNutcracker() ? false : 'Debian nutcracker not found on PATH' };
const POOL_NAMES = ['alpha', 'beta', 'gamma', 'delta'] as const;
type PoolName = (typeof POOL_NAMES)[number];

let backends: Backend[] = [];
let proxy: RunningProxy | null = null;
let ports: Record<PoolName, number>;
const loads: Partial<Record<PoolName, Load>> = {};
/** The configuration the proxy currently runs (changed by each step). */
let pools: PoolSpec[] = [];

function server(backend: number, name: string): { port: number; name: string } {
  return { port: backends[backend].port, name };
}

function pool(name: PoolName, directives: Record<string, string | number | boolean>, servers: { port: number; name: string }[]): PoolSpec {
  return { name, redis: true, directives, servers };
}

/** Write `next` and reload; the proxy must report `ok`. */
async function reloadTo(next: PoolSpec[]): Promise<string> {
  const result = await (proxy as RunningProxy).reload(await yamlWithListens(next, ports));
  assert.equal(result.ok, true, result.message);
  pools = next;
  return result.message;
}

/** Placement of `pool` through our proxy and through a fresh nutcracker with the current file. */
async function comparePlacement(name: PoolName, tag: string): Promise<number[]> {
  const keys = probeKeys(tag);
  const ours = await placementThrough(ports[name], keys, backends);
  const theirs = await nutcrackerPlacement(pools, name, keys, backends);
  assert.deepEqual(ours, theirs, `${name}: keys land where nutcracker started fresh with the new file puts them`);
  return ours;
}

/** Load clients of the pools that stay must have lost nothing so far. */
function assertNoLoss(...names: PoolName[]): void {
  for (const name of names) {
    const r = (loads[name] as Load).report();
    assert.deepEqual(r.failures, [], `${name}: failed requests`);
    assert.equal(r.dropped, 0, `${name}: dropped connections`);
  }
}

async function progress(...names: PoolName[]): Promise<void> {
  await Promise.all(names.map((n) => (loads[n] as Load).progress(25)));
}

function poolStats(name: PoolName) {
  const p = (proxy as RunningProxy).proxy.snapshot().pools.find((x) => x.name === name);
  assert.ok(p, `pool ${name} in the snapshot`);
  return p;
}

before(async () => {
  if (T.skip) return;
  backends = await Promise.all([startRedis(), startRedis(), startRedis(), startRedis()]);
  const taken = new Set<number>();
  while (taken.size < POOL_NAMES.length) taken.add(await freePort());
  const list = [...taken];
  ports = Object.fromEntries(POOL_NAMES.map((n, i) => [n, list[i]])) as Record<PoolName, number>;
  pools = [
    pool('alpha', { hash: 'fnv1a_64', distribution: 'ketama', hash_tag: '{}' }, [server(0, 's1'), server(1, 's2')]),
    pool('beta', { hash: 'murmur', distribution: 'modula' }, [server(2, 'b1'), server(3, 'b2')]),
  ];
  proxy = await startProxy(await yamlWithListens(pools, ports));
  loads.alpha = await startLoad(ports.alpha, { name: 'alpha', clients: 4 });
  loads.beta = await startLoad(ports.beta, { name: 'beta', clients: 3, mayClose: true });
  await progress('alpha', 'beta');
});

after(async () => {
  await Promise.all(Object.values(loads).map((l) => l.stop()));
  await proxy?.stop();
  await Promise.all(backends.map((b) => b.stop()));
});

test('adding a server keeps every client connected and places keys as a fresh nutcracker does', T, async () => {
  const s1Before = poolStats('alpha').servers.find((s) => s.name === 's1')?.stats.requests ?? 0;
  assert.ok(s1Before > 0, 'the load reached s1 before the reload');
  const message = await reloadTo([pool('alpha', { hash: 'fnv1a_64', distribution: 'ketama', hash_tag: '{}' }, [server(0, 's1'), server(1, 's2'), server(2, 's3')]), pools[1]]);
  assert.match(message, /pool 'alpha' added s3/);
  await progress('alpha', 'beta');
  assertNoLoss('alpha', 'beta');

  const ours = await comparePlacement('alpha', 'add');
  assert.deepEqual([...new Set(ours)].sort(), [0, 1, 2], 'the new server takes keys');
  const alpha = poolStats('alpha');
  assert.equal(alpha.stats.client_connections, 4, 'the same four clients, none reconnected');
  assert.deepEqual(alpha.servers.map((s) => s.name), ['s1', 's2', 's3']);
  assert.ok((alpha.servers[0].stats.requests as number) > s1Before, "s1's counters carried over and kept counting");
});

test('removing a server closes its connections once idle, with no request failing', T, async () => {
  const message = await reloadTo([pool('alpha', { hash: 'fnv1a_64', distribution: 'ketama', hash_tag: '{}' }, [server(0, 's1'), server(2, 's3')]), pools[1]]);
  assert.match(message, /pool 'alpha' removed s2/);
  await progress('alpha', 'beta');
  await waitRedisClients(backends[1], 0, 'the removed server s2');
  await progress('alpha');
  assertNoLoss('alpha', 'beta');

  const ours = await comparePlacement('alpha', 'remove');
  assert.deepEqual([...new Set(ours)].sort(), [0, 2], 'no key goes to the removed server');
  assert.deepEqual(poolStats('alpha').servers.map((s) => s.name), ['s1', 's3']);
});

test('changing the hash moves keys to where a fresh nutcracker puts them, for the next request', T, async () => {
  const before = await placementThrough(ports.alpha, probeKeys('hash'), backends);
  await reloadTo([pool('alpha', { hash: 'murmur', distribution: 'ketama', hash_tag: '{}' }, [server(0, 's1'), server(2, 's3')]), pools[1]]);
  await progress('alpha', 'beta');
  assertNoLoss('alpha', 'beta');

  const ours = await comparePlacement('alpha', 'hash');
  assert.notDeepEqual(ours, before, 'the new hash places some keys elsewhere');
  assert.equal(poolStats('alpha').stats.client_connections, 4);
});

test('adding a pool starts its listener; the stats document has the shape nutcracker gives the new file', T, async () => {
  const message = await reloadTo([...pools, pool('gamma', { hash: 'md5', distribution: 'ketama' }, [server(3, 'g1'), server(1, 'g2')])]);
  assert.match(message, new RegExp(`pool 'gamma' added on 127\\.0\\.0\\.1:${ports.gamma}`));
  loads.gamma = await startLoad(ports.gamma, { name: 'gamma', clients: 3 });
  await progress('alpha', 'beta', 'gamma');
  assertNoLoss('alpha', 'beta', 'gamma');

  const ours = await comparePlacement('gamma', 'pool');
  assert.deepEqual([...new Set(ours)].sort(), [1, 3]);

  const theirPorts = Object.fromEntries(await Promise.all(pools.map(async (p) => [p.name, await freePort()] as const)));
  const nutcracker = await startNutcracker(await yamlWithListens(pools, theirPorts));
  try {
    const theirs = await waitFor('nutcracker stats with every pool', async () => {
      const entries = tokenizeStats(await fetchStatsText(nutcracker.statsPort));
      return entries.some((e) => e.path[0] === 'gamma') ? entries : undefined;
    });
    const ours = tokenizeStats(await fetchStatsText((proxy as RunningProxy).statsPort));
    assert.deepEqual(statsShape(ours), statsShape(theirs));
  } finally {
    await nutcracker.stop();
  }
});

test('removing a pool closes its clients after their replies and stops accepting; other pools go on', T, async () => {
  const message = await reloadTo(pools.filter((p) => p.name !== 'beta'));
  assert.match(message, /pool 'beta' removed/);
  const beta = loads.beta as Load;
  await waitFor('every beta client closed', async () => (beta.report().dropped === 3 ? true : undefined));
  assert.deepEqual(beta.report().failures, [], 'every reply beta got before its close was right');
  await waitFor('beta port refusing', async () => ((await accepts({ host: '127.0.0.1', port: ports.beta })) ? undefined : true));
  await progress('alpha', 'gamma');
  assertNoLoss('alpha', 'gamma');
  assert.deepEqual(
    (proxy as RunningProxy).proxy.snapshot().pools.map((p) => p.name),
    ['alpha', 'gamma'],
  );
  await comparePlacement('alpha', 'pool-removed');
});

test('an invalid file is rejected with its reason and changes nothing', T, async () => {
  const p = proxy as RunningProxy;
  const before = p.proxy.snapshot().extra ?? {};
  const keys = probeKeys('invalid');
  const placedBefore = await placementThrough(ports.alpha, keys, backends);
  const invalid = [pool('alpha', { hash: 'no_such_hash' }, [server(0, 's1')]), pool('delta', {}, [server(1, 'd1')])];
  const result = await p.reload(await yamlWithListens(invalid, ports));
  assert.equal(result.ok, false);
  assert.match(result.message, /rejected, nothing changed: .*no_such_hash/);
  await progress('alpha', 'gamma');
  assertNoLoss('alpha', 'gamma');

  assert.deepEqual(await placementThrough(ports.alpha, keys, backends), placedBefore);
  assert.equal(await accepts({ host: '127.0.0.1', port: ports.delta }), false, 'the pool of the invalid file does not listen');
  assert.deepEqual(await exchange(ports.gamma, [resp('SET', 'still', 'here'), resp('GET', 'still')]), ['+OK\r\n', '$4\r\nhere\r\n']);
  const extra = p.proxy.snapshot().extra ?? {};
  assert.equal(extra.config_reloads_total, (before.config_reloads_total ?? 0) + 1);
  assert.equal(extra.config_reload_failures_total, 1);
  assert.equal(extra.config_last_reload_successful, 0);
  assert.equal(extra.config_last_load_timestamp_seconds, before.config_last_load_timestamp_seconds, 'the running config is still the one loaded before');

  for (const name of ['alpha', 'gamma'] as const) {
    const r = await (loads[name] as Load).stop();
    delete loads[name];
    assert.deepEqual(r.failures, []);
    assert.equal(r.dropped, 0);
    assert.ok(r.rounds > 100, `${name}: the load really ran (${r.rounds} rounds)`);
  }
});
