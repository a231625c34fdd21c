// Reload through the real executable with `--workers 2` (issue 9): SIGUSR1 and `--reload -p PIDFILE`
// make every worker switch — a pool added by the reload answers on connections that land on either
// worker, keys written through each worker land where a fresh nutcracker puts them, a removed pool
// stops answering in both — while the clients of an unchanged pool keep working; the Prometheus
// endpoint counts the reloads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNutcracker, startRedis, type Backend } from '../../helpers/backends';
import { httpGet } from '../../helpers/http-get';
import { freePort } from '../../helpers/ports';
import { accepts, makeTempDir, readOrEmpty, removeTempDir, spawnTracked, stopProcess, waitFor, type Spawned } from '../../helpers/processes';
import type { PoolSpec } from '../../helpers/proxy';
import { connect, resp, type WireClient } from '../../helpers/wire';
import { locateKeys, nutcrackerPlacement, probeKeys, setKeys, startLoad, yamlWithListens } from './reload-kit';

const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const WORKERS = 2;
const T = { timeout: 60_000, skip: hasNutcracker() ? false : 'Debian nutcracker not found on PATH' };

async function scrape(port: number): Promise<string> {
  return (await httpGet(port, '/metrics')).body;
}

/** The value of an unlabelled sample, e.g. twemproxy_config_reloads_total. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in the scrape:\n${text}`);
  return Number(m[1]);
}

/** A connection to `port` and the pid of the worker that accepted it (INFO's process_id). */
async function workerConnection(port: number): Promise<{ c: WireClient; pid: number }> {
  const c = await connect(port);
  c.send(resp('INFO', 'proxy'));
  const info = String(await c.readReply('redis'));
  const m = /process_id:(\d+)/.exec(info);
  assert.ok(m, `INFO proxy names the worker: ${info}`);
  return { c, pid: Number(m[1]) };
}

/**
 * Connect until one connection per worker is open (each connection may land on either worker);
 * every connection on the way must be served. Returns them by worker pid.
 */
async function oneConnectionPerWorker(port: number): Promise<Map<number, WireClient>> {
  const byPid = new Map<number, WireClient>();
  for (let i = 0; i < 40 && byPid.size < WORKERS; i++) {
    const { c, pid } = await workerConnection(port);
    c.send(Buffer.concat([resp('SET', `conn:${i}`, String(pid)), resp('GET', `conn:${i}`)]));
    assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', `$${String(pid).length}\r\n${pid}\r\n`]);
    if (byPid.has(pid)) await c.close();
    else byPid.set(pid, c);
  }
  assert.equal(byPid.size, WORKERS, `connections reached ${byPid.size} of ${WORKERS} workers`);
  return byPid;
}

/** Write half of the probe keys through each worker, then compare with a fresh nutcracker. */
async function assertPlacementOnEveryWorker(port: number, pools: PoolSpec[], pool: string, tag: string, backends: Backend[]): Promise<number[]> {
  const keys = probeKeys(tag);
  const byPid = await oneConnectionPerWorker(port);
  const conns = [...byPid.values()];
  try {
    await Promise.all(conns.map((c, w) => setKeys(c, keys.filter((_, i) => i % conns.length === w))));
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
  const ours = await locateKeys(keys, backends);
  assert.deepEqual(ours, await nutcrackerPlacement(pools, pool, keys, backends), `${pool}: keys written through every worker land where nutcracker puts them`);
  return ours;
}

test('with --workers 2, SIGUSR1 and --reload switch every worker; metrics count the reloads', T, async (t) => {
  const backends = await Promise.all([startRedis(), startRedis(), startRedis()]);
  t.after(() => Promise.all(backends.map((b) => b.stop())).then(() => undefined));
  const dir = makeTempDir('reload-workers');
  t.after(() => removeTempDir(dir));
  const taken = new Set<number>();
  while (taken.size < 4) taken.add(await freePort());
  const [alphaPort, gammaPort, statsPort, metricsPort] = [...taken];
  const ports = { alpha: alphaPort, gamma: gammaPort };
  const conf = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'proxy.log');
  const pidFile = join(dir, 'proxy.pid');
  const srv = (i: number, name: string): { port: number; name: string } => ({ port: backends[i].port, name });
  const alpha = (hash: string): PoolSpec => ({ name: 'alpha', redis: true, directives: { hash, distribution: 'ketama' }, servers: [srv(0, 's1'), srv(1, 's2')] });
  const gamma: PoolSpec = { name: 'gamma', redis: true, directives: { hash: 'murmur', distribution: 'ketama', hash_tag: '{}' }, servers: [srv(1, 'g1'), srv(2, 'g2')] };
  writeFileSync(conf, await yamlWithListens([alpha('fnv1a_64')], ports));

  const args = [MAIN, '-c', conf, '-s', String(statsPort), '-a', '127.0.0.1', '--metrics-port', String(metricsPort), '-o', logFile, '-p', pidFile, '--workers', String(WORKERS)];
  const proc: Spawned = spawnTracked(process.execPath, args, { cwd: dir });
  t.after(() => stopProcess(proc).then(() => undefined));
  const alive = (): string | undefined => (proc.isRunning() ? undefined : `proxy exited: ${proc.output()}\n${readOrEmpty(logFile)}`);
  await waitFor('the pool and the metrics port to accept', async () => ((await accepts({ host: '127.0.0.1', port: alphaPort })) && (await accepts({ host: '127.0.0.1', port: metricsPort })) ? true : undefined), { failFast: alive });
  const applied = (): number => readOrEmpty(logFile).split('\n').filter((l) => l.includes('applied:')).length;
  const waitApplied = (n: number): Promise<true> => waitFor(`${n} 'applied' lines in the log`, async () => (applied() >= n ? true : undefined), { failFast: alive });
  const load = await startLoad(alphaPort, { name: 'alpha', clients: 4 });
  await load.progress(20);

  // 1. SIGUSR1 adds a pool: both workers listen on it.
  assert.equal(await accepts({ host: '127.0.0.1', port: gammaPort }), false);
  writeFileSync(conf, await yamlWithListens([alpha('fnv1a_64'), gamma], ports));
  proc.child.kill('SIGUSR1');
  await waitApplied(WORKERS);
  const gammaPlaced = await assertPlacementOnEveryWorker(gammaPort, [alpha('fnv1a_64'), gamma], 'gamma', 'workers-add', backends);
  assert.deepEqual([...new Set(gammaPlaced)].sort(), [1, 2]);
  let scrapeText = await scrape(metricsPort);
  // Every worker applies every reload; the primary reports them as one proxy (workers.ts merge rule).
  assert.equal(metric(scrapeText, 'twemproxy_config_reloads_total'), 1);
  assert.equal(metric(scrapeText, 'twemproxy_config_reload_failures_total'), 0);
  assert.equal(metric(scrapeText, 'twemproxy_config_last_reload_successful'), 1);

  // 2. The CLI's --reload changes alpha's hash in every worker, under load.
  const before = await assertPlacementOnEveryWorker(alphaPort, [alpha('fnv1a_64'), gamma], 'alpha', 'workers-hash-before', backends);
  writeFileSync(conf, await yamlWithListens([alpha('murmur'), gamma], ports));
  const sent = spawnSync(process.execPath, [MAIN, '--reload', '-p', pidFile], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(sent.status, 0, sent.stderr);
  assert.match(sent.stderr + sent.stdout, new RegExp(`sent SIGUSR1 \\(reload\\) to pid ${proc.pid}`));
  await waitApplied(2 * WORKERS);
  await load.progress(20);
  const keys = probeKeys('workers-hash-before');
  const after = await assertPlacementOnEveryWorker(alphaPort, [alpha('murmur'), gamma], 'alpha', 'workers-hash-before', backends);
  assert.notDeepEqual(after, before, `the new hash moved some of ${keys.length} keys`);

  // 3. SIGUSR1 removes the pool again: once every worker let go of it, its port refuses.
  const gammaClients = await oneConnectionPerWorker(gammaPort);
  writeFileSync(conf, await yamlWithListens([alpha('murmur')], ports));
  proc.child.kill('SIGUSR1');
  await waitApplied(3 * WORKERS);
  for (const [pid, c] of gammaClients) assert.equal((await c.readUntilClose()).length, 0, `worker ${pid} closed its idle client of the removed pool`);
  await waitFor('the removed pool to refuse connections', async () => ((await accepts({ host: '127.0.0.1', port: gammaPort })) ? undefined : true));

  // 4. An invalid file: every worker rejects it and keeps running the last good config.
  writeFileSync(conf, 'alpha:\n  listen: 127.0.0.1:1\n  hash: nope\n  servers:\n');
  proc.child.kill('SIGUSR1');
  await waitFor('every worker to reject the file', async () => (readOrEmpty(logFile).split('\n').filter((l) => l.includes('rejected, nothing changed')).length >= WORKERS ? true : undefined), { failFast: alive });
  scrapeText = await scrape(metricsPort);
  assert.equal(metric(scrapeText, 'twemproxy_config_reloads_total'), 4);
  assert.equal(metric(scrapeText, 'twemproxy_config_reload_failures_total'), 1);
  assert.equal(metric(scrapeText, 'twemproxy_config_last_reload_successful'), 0);
  await oneConnectionPerWorker(alphaPort).then((m) => Promise.all([...m.values()].map((c) => c.close())));

  await load.progress(20);
  const report = await load.stop();
  assert.deepEqual(report.failures, []);
  assert.equal(report.dropped, 0, 'no client of the unchanged pool was dropped');
  const exit = await stopProcess(proc);
  assert.deepEqual(exit, { code: 0, signal: null }, readOrEmpty(logFile));
});
