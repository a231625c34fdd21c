// `--workers 2` under load, black-box through the real executable: 40 Redis and 40 memcached client
// connections at once, every reply checked byte for byte; both workers hold connections (found in
// /proc and, for Redis, in INFO's process_id); the primary's stats JSON adds up both workers and
// agrees with what the backends themselves counted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import { poolYaml } from '../../helpers/pool-yaml';
import { waitFor } from '../../helpers/processes';
import { connect, exchangeOnce, resp, type WireClient } from '../../helpers/wire';
import { memcacheWire as mc } from '../memcache/memcache-wire';
import { connectionOwners, startCliProxy, type CliProxy, type StatsJson } from './workers-kit';

const CONNECTIONS = 40;
const WORKERS = 2;

let redis: Backend[] = [];
let memcached: Backend[] = [];
let proxy: CliProxy;
let ports: Record<string, number>;

before(async () => {
  redis = await Promise.all([startRedis(), startRedis()]);
  memcached = await Promise.all([startMemcached(), startMemcached()]);
  const conf = await poolYaml({ name: 'alpha', redis: true, servers: redis }, { name: 'beta', servers: memcached });
  ports = conf.ports;
  proxy = await startCliProxy(conf.yaml, { workers: WORKERS });
});

after(async () => {
  await proxy?.stop();
  await Promise.all([...redis, ...memcached].map((b) => b.stop()));
});

const bulk = (v: string | null): string => (v === null ? '$-1\r\n' : `$${Buffer.byteLength(v)}\r\n${v}\r\n`);

type Script = { requests: Buffer; replies: string[] };

/** A script built one request at a time, each with the exact reply it expects. */
function scriptBuilder(): { add(request: Buffer, reply: string): void; script(): Script } {
  const requests: Buffer[] = [];
  const replies: string[] = [];
  return {
    add(request, reply) {
      requests.push(request);
      replies.push(reply);
    },
    script: () => ({ requests: Buffer.concat(requests), replies }),
  };
}

/** Redis commands and the exact replies one connection expects; keys are private to `i`. */
function redisScript(i: number): Script {
  const k = (j: number | string): string => `w:${i}:${j}`;
  const v = (j: number): string => `value-${i}-${j}-${'x'.repeat((i * 37 + j * 101) % 300)}`;
  const { add, script } = scriptBuilder();
  for (let j = 0; j < 5; j++) add(resp('SET', k(j), v(j)), '+OK\r\n');
  add(resp('GET', k(2)), bulk(v(2)));
  add(resp('MGET', k(0), k(1), k(2), k(3), k(4), k('none')), `*6\r\n${[0, 1, 2, 3, 4].map((j) => bulk(v(j))).join('')}${bulk(null)}`);
  add(resp('DEL', k(0), k(1)), ':2\r\n');
  add(resp('MGET', k(0), k(1), k(2)), `*3\r\n${bulk(null)}${bulk(null)}${bulk(v(2))}`);
  add(resp('EXISTS', k(2), k(3), k(4), k(0)), ':3\r\n');
  add(resp('DEL', k(2), k(3), k(4), k('none')), ':3\r\n');
  add(resp('GET', k(4)), bulk(null));
  return script();
}

/** memcached requests and the exact replies one connection expects; keys are private to `i`. */
function memcacheScript(i: number): Script {
  const k = (j: number | string): string => `m:${i}:${j}`;
  const v = (j: number): string => `mvalue-${i}-${j}-${'y'.repeat((i * 53 + j * 7) % 200)}`;
  const value = (j: number): string => mc.value(k(j), v(j), i).toString('latin1');
  const { add, script } = scriptBuilder();
  for (let j = 0; j < 4; j++) add(mc.store('set', k(j), v(j), { flags: i }), 'STORED\r\n');
  add(mc.line('get', k(1)), `${value(1)}END\r\n`);
  add(mc.line('get', k(0), k(1), k(2), k(3), k('none')), `${[0, 1, 2, 3].map(value).join('')}END\r\n`);
  add(mc.line('delete', k(0)), 'DELETED\r\n');
  add(mc.line('get', k(0)), 'END\r\n');
  add(mc.line('delete', k(1)), 'DELETED\r\n');
  add(mc.line('delete', k('none')), 'NOT_FOUND\r\n');
  return script();
}

/** `INFO stats` total_commands_processed of a redis-server, asked directly. */
async function commandsProcessed(b: Backend): Promise<number> {
  const [info] = await exchangeOnce(b.port, resp('INFO', 'stats'), 1, 'redis');
  const m = /total_commands_processed:(\d+)/.exec(info.toString('latin1'));
  assert.ok(m, 'INFO stats has total_commands_processed');
  return Number(m[1]);
}

function pool(stats: StatsJson, name: string): Record<string, number> & Record<string, Record<string, number>> {
  return stats[name] as Record<string, number> & Record<string, Record<string, number>>;
}

function sumServers(stats: StatsJson, poolName: string, field: string, servers = ['s1', 's2']): number {
  return servers.reduce((n, s) => n + pool(stats, poolName)[s][field], 0);
}

test('40 Redis and 40 memcached connections at once get every reply right, spread over both workers, and the stats add up', async () => {
  const before = await Promise.all(redis.map(commandsProcessed));
  const redisClients: WireClient[] = [];
  const mcClients: WireClient[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      redisClients.push(await connect(ports.alpha));
      mcClients.push(await connect(ports.beta));
    }

    // Which process answers each Redis connection, in its own words.
    const infoPids = await Promise.all(
      redisClients.map(async (c) => {
        c.send(resp('INFO', 'proxy'));
        const m = /process_id:(\d+)/.exec((await c.readReply('redis')).toString('latin1'));
        assert.ok(m, 'INFO proxy names the process');
        return Number(m[1]);
      }),
    );

    await Promise.all([
      ...redisClients.map(async (c, i) => {
        const { requests, replies } = redisScript(i);
        c.send(requests);
        const got = await c.readReplies(replies.length, 'redis');
        assert.deepEqual(got.map((r) => r.toString('latin1')), replies, `redis connection ${i}`);
      }),
      ...mcClients.map(async (c, i) => {
        const { requests, replies } = memcacheScript(i);
        c.send(requests);
        const got = await c.readReplies(replies.length, 'memcache');
        assert.deepEqual(got.map((r) => r.toString('latin1')), replies, `memcache connection ${i}`);
      }),
    ]);

    // Both workers hold connections of both pools, and INFO's process_id is the process that does.
    const workers = proxy.workerPids();
    assert.equal(workers.length, WORKERS, 'the primary has two live workers');
    const redisOwners = connectionOwners(ports.alpha, redisClients.map((c) => c.socket.localPort ?? 0), workers);
    const mcOwners = connectionOwners(ports.beta, mcClients.map((c) => c.socket.localPort ?? 0), workers);
    assert.deepEqual(redisOwners, infoPids, 'the worker holding each Redis connection is the one INFO names');
    assert.deepEqual([...new Set(redisOwners)].sort(), workers, 'Redis connections are on both workers');
    assert.deepEqual([...new Set(mcOwners)].sort(), workers, 'memcached connections are on both workers');
    assert.ok(!infoPids.includes(proxy.pid), 'the primary serves no client');

    // Stats while the clients are connected: each pool counts all 40, whichever worker holds them.
    const live = await proxy.stats();
    assert.equal(pool(live, 'alpha').client_connections, CONNECTIONS);
    assert.equal(pool(live, 'beta').client_connections, CONNECTIONS);
    const serverConns = sumServers(live, 'alpha', 'server_connections') + sumServers(live, 'beta', 'server_connections');
    assert.ok(serverConns >= 4, `each worker connected to the servers it used (${serverConns})`);
    // Listeners (one socket per pool, shared) + clients + server connections, as one process counts.
    assert.equal(live.curr_connections, 2 + 2 * CONNECTIONS + serverConns);
    assert.equal(live.total_connections, 2 + 2 * CONNECTIONS + serverConns);
  } finally {
    await Promise.all([...redisClients, ...mcClients].map((c) => c.close()));
  }

  // Every Redis request the proxy counts for a server is one that server executed (its own count
  // also includes the first INFO stats, asked directly).
  const afterCounts = await Promise.all(redis.map(commandsProcessed));
  const done = await waitFor('clients closed in the stats', async () => {
    const s = await proxy.stats();
    return pool(s, 'alpha').client_connections === 0 && pool(s, 'beta').client_connections === 0 ? s : undefined;
  });
  ['s1', 's2'].forEach((name, i) => {
    const server = pool(done, 'alpha')[name];
    assert.equal(server.requests, afterCounts[i] - before[i] - 1, `alpha ${name} requests = commands redis executed`);
    assert.equal(server.responses, server.requests, `alpha ${name} responses`);
  });
  assert.equal(pool(done, 'alpha').client_eof, CONNECTIONS);
  assert.equal(pool(done, 'beta').client_eof, CONNECTIONS);
  assert.equal(pool(done, 'alpha').forward_error + pool(done, 'beta').forward_error, 0);
  // memcached, per connection: 4 sets, 2 gets, 3 deletes, and a multi-get of 5 keys sent as one
  // request to each of the 1 or 2 servers its keys live on.
  const mcRequests = sumServers(done, 'beta', 'requests');
  assert.ok(mcRequests >= CONNECTIONS * 10 && mcRequests <= CONNECTIONS * 11, `memcached requests ${mcRequests}`);
  assert.equal(sumServers(done, 'beta', 'responses'), mcRequests);
});
