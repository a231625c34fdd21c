// `--workers 2` when things go wrong or change: a worker killed outright is replaced and the proxy
// keeps serving; a replacement that cannot start (config file broken since) is retried with growing
// pauses while the other worker serves; a port already taken fails the start cleanly; SIGUSR1
// reloads the configuration in every worker.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { startRedis, type Backend } from '../../helpers/backends';
import { httpGet } from '../../helpers/http-get';
import { freePort, occupyPort } from '../../helpers/ports';
import { poolYaml, type PoolSpec } from '../../helpers/pool-yaml';
import { makeTempDir, spawnTracked, waitFor } from '../../helpers/processes';
import { exchangeOnce, resp, type WireClient } from '../../helpers/wire';
import { MAIN, childPids, redisClientPerWorker, startCliProxy, waitGone, waitLog, type CliProxy } from './workers-kit';

const WORKERS = 2;

async function withProxy(body: (proxy: CliProxy, redis: Backend, port: number) => Promise<void>, metrics = false): Promise<void> {
  const redis = await startRedis();
  let proxy: CliProxy | null = null;
  try {
    const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [redis] });
    proxy = await startCliProxy(yaml, { workers: WORKERS, logFile: true, metrics });
    await body(proxy, redis, ports.alpha);
  } finally {
    await proxy?.stop();
    await redis.stop();
  }
}

/** SET then GET on a fresh connection: the proxy serves, whichever worker gets the connection. */
async function roundTrip(port: number, key: string): Promise<void> {
  const replies = (await exchangeOnce(port, Buffer.concat([resp('SET', key, `v-${key}`), resp('GET', key)]), 2, 'redis')).map((r) => r.toString('latin1'));
  assert.deepEqual(replies, ['+OK\r\n', `$${key.length + 2}\r\nv-${key}\r\n`]);
}

/**
 * Wait until the stats count `n` clients on pool alpha. Waiting, because a connection the test has
 * just closed is only uncounted once its worker has seen the close.
 */
async function statsClients(proxy: CliProxy, n: number): Promise<void> {
  let last = -1;
  await waitFor(`stats counting ${n} clients`, async () => {
    last = ((await proxy.stats()).alpha as Record<string, number>).client_connections;
    return last === n ? true : undefined;
  }).catch((err: Error) => assert.fail(`${err.message}; last count ${last}`));
}

test('a worker killed with SIGKILL is replaced; the proxy keeps serving and the stats count both workers again', async () => {
  await withProxy(async (proxy, _redis, port) => {
    const [victim, survivor] = proxy.workerPids();
    const clients = await redisClientPerWorker(port, [victim, survivor]);
    process.kill(victim, 'SIGKILL');
    // The victim's client loses its connection; the survivor's is untouched.
    await clients.get(victim)!.readUntilClose();
    const kept = clients.get(survivor)!;
    kept.send(resp('PING'));
    assert.equal((await kept.readReply('redis')).toString('latin1'), '+PONG\r\n');
    for (let i = 0; i < 6; i++) await roundTrip(port, `during-${i}`);

    await waitLog(proxy, `worker ${victim} exited (SIGKILL); starting a new one`);
    const fresh = await waitFor('the replacement worker', async () => {
      const now = proxy.workerPids();
      return now.length === WORKERS ? now.find((w) => w !== survivor) : undefined;
    });
    assert.notEqual(fresh, victim);
    const again = await redisClientPerWorker(port, [fresh, survivor]);
    for (const c of again.values()) {
      c.send(Buffer.concat([resp('SET', 'after', '1'), resp('GET', 'after')]));
      assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '$1\r\n1\r\n']);
    }
    await statsClients(proxy, 3); // the survivor's two clients and the replacement's one
    await Promise.all([kept, ...again.values()].map((c: WireClient) => c.close()));
  });
});

/** Pool alpha's server counters summed over its servers, and the proxy's total_connections. */
async function counters(proxy: CliProxy): Promise<{ requests: number; responses: number; totalConnections: number }> {
  const stats = await proxy.stats();
  const servers = Object.values(stats.alpha).filter((v): v is Record<string, number> => typeof v === 'object' && v !== null);
  const sum = (k: string): number => servers.reduce((n, s) => n + s[k], 0);
  return { requests: sum('requests'), responses: sum('responses'), totalConnections: stats.total_connections as unknown as number };
}

test('counters do not go down when a worker dies: the totals keep what it had counted', async () => {
  await withProxy(async (proxy, _redis, port) => {
    const [victim, survivor] = proxy.workerPids();
    const clients = await redisClientPerWorker(port, [victim, survivor]);
    for (const c of clients.values()) {
      c.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => resp('SET', `k${i}`, 'v'))));
      await c.readReplies(10, 'redis');
    }
    await statsClients(proxy, 2);
    const before = await counters(proxy);
    assert.ok(before.requests >= 20, `both workers forwarded: ${JSON.stringify(before)}`);
    process.kill(victim, 'SIGKILL');
    await clients.get(victim)!.readUntilClose();
    await waitFor('the replacement worker', async () => (proxy.workerPids().filter((w) => w !== victim).length === WORKERS ? true : undefined));
    await statsClients(proxy, 1);
    const after = await counters(proxy);
    assert.equal(after.requests, before.requests, 'the dead worker\'s requests are still counted');
    assert.equal(after.responses, before.responses);
    assert.ok(after.totalConnections >= before.totalConnections, `${after.totalConnections} >= ${before.totalConnections}`);
    await clients.get(survivor)!.close();
  });
});

test('a replacement that cannot start is retried with growing pauses, and starts once it can', async () => {
  const redis = await startRedis();
  let proxy: CliProxy | null = null;
  try {
    const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [redis] });
    // Over the environment's limit, so a new worker reads the file rather than the primary's text:
    // the one way left for a replacement to fail at start-up.
    const padding = Array.from({ length: 120 }, (_, i) => `# padding line ${i} ${'x'.repeat(1000)}`).join('\n');
    proxy = await startCliProxy(`${padding}\n${yaml}`, { workers: WORKERS, logFile: true });
    const good = readFileSync(proxy.confFile, 'utf8');
    writeFileSync(proxy.confFile, 'alpha: [\n');
    const [victim, survivor] = proxy.workerPids();
    process.kill(victim, 'SIGKILL');
    await waitLog(proxy, `worker ${victim} exited (SIGKILL); starting a new one`);
    // Replacements die during start-up: the pause doubles each time (100, 200, ... ms).
    await waitLog(proxy, 'starting a new one in 200 msec');
    const lines = proxy.logLines();
    assert.ok(lines.some((l) => l.includes('starting a new one in 100 msec')), lines.join('\n'));
    await roundTrip(ports.alpha, 'meanwhile'); // the survivor serves throughout
    writeFileSync(proxy.confFile, good);
    const fresh = await waitFor('a replacement that starts', async () => {
      const now = proxy!.workerPids();
      return now.length === WORKERS ? now.find((w) => w !== survivor) : undefined;
    }, { timeoutMs: 15_000 });
    const both = await redisClientPerWorker(ports.alpha, [fresh, survivor]);
    await Promise.all([...both.values()].map((x) => x.close()));
  } finally {
    await proxy?.stop();
    await redis.stop();
  }
});

test('a replacement worker runs the configuration the others run, not a file edited since without a reload', async () => {
  await withProxy(async (proxy, _redis, port) => {
    const good = readFileSync(proxy.confFile, 'utf8');
    writeFileSync(proxy.confFile, 'alpha: [\n'); // broken on disk, never reloaded
    const [victim, survivor] = proxy.workerPids();
    process.kill(victim, 'SIGKILL');
    const fresh = await waitFor('a replacement worker', async () => {
      const now = proxy.workerPids();
      return now.length === WORKERS ? now.find((w) => w !== survivor && w !== victim) : undefined;
    });
    // The replacement was handed the primary's configuration text: it serves like the survivor.
    const both = await redisClientPerWorker(port, [fresh, survivor]);
    await roundTrip(port, 'after-replacement');
    assert.ok(!proxy.logLines().some((l) => l.includes('syntax is invalid')), proxy.logLines().join('\n'));
    await Promise.all([...both.values()].map((x) => x.close()));
    writeFileSync(proxy.confFile, good);
  });
});

test('a listen port already taken fails the start with the bind error, exit 1, no worker left', async () => {
  const { port, release } = await occupyPort();
  try {
    const dir = makeTempDir('workers-bind');
    const conf = `${dir}/nutcracker.yml`;
    const spec: PoolSpec = { name: 'alpha', redis: true, listen: `127.0.0.1:${port}`, servers: [{ port: 1 }] };
    writeFileSync(conf, (await poolYaml(spec)).yaml);
    const p = spawnTracked(process.execPath, [MAIN, '-c', conf, '-s', String(await freePort()), '-a', '127.0.0.1', '--workers', String(WORKERS)]);
    const seen = new Set<number>();
    const watch = setInterval(() => childPids(p.pid).forEach((w) => seen.add(w)), 5);
    const exit = await p.exited;
    clearInterval(watch);
    assert.deepEqual(exit, { code: 1, signal: null }, p.output());
    assert.ok(p.output().includes(`bind on pool 'alpha' to addr '127.0.0.1:${port}' failed`), p.output());
    assert.doesNotMatch(p.output(), /EPIPE|uncaught|Error:/);
    for (const w of seen) await waitGone(w);
  } finally {
    await release();
  }
});

test('SIGUSR1 reloads the configuration in every worker: a pool added to the file is served by both', async () => {
  await withProxy(async (proxy, redis) => {
    const { yaml, ports } = await poolYaml(
      { name: 'alpha', redis: true, servers: [redis], listen: `127.0.0.1:${proxyPort(proxy)}` },
      { name: 'gamma', redis: true, servers: [redis] },
    );
    writeFileSync(proxy.confFile, yaml);
    proxy.proc.child.kill('SIGUSR1');
    await waitLog(proxy, 'applied', WORKERS);
    const clients = await redisClientPerWorker(ports.gamma, proxy.workerPids());
    for (const c of clients.values()) {
      c.send(Buffer.concat([resp('SET', 'g', 'x'), resp('GET', 'g')]));
      assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '$1\r\nx\r\n']);
      await c.close();
    }
    const gamma = (await proxy.stats()).gamma as Record<string, Record<string, number>> | undefined;
    assert.ok(gamma !== undefined, 'the stats list the new pool');
    assert.ok(gamma.s1.requests >= 2 * WORKERS, 'and count its requests from both workers');
    // Every worker applied the reload, but the proxy reloaded once.
    const scraped = await httpGet(proxy.metricsPort, '/metrics');
    assert.equal(scraped.status, 200, scraped.body);
    const metrics = scraped.body;
    assert.match(metrics, /^twemproxy_config_reloads_total 1$/m);
    assert.match(metrics, /^twemproxy_config_last_reload_successful 1$/m);
    assert.match(metrics, /^process_cpu_seconds_total \S+$/m);
  }, true);
});

/** The alpha pool's port, from the config file the proxy was started with. */
function proxyPort(proxy: CliProxy): number {
  const text = readFileSync(proxy.confFile, 'utf8');
  return Number(/listen: 127\.0\.0\.1:(\d+)/.exec(text)?.[1]);
}
