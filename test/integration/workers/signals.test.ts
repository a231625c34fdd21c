// `-p`, `-d` and signals with `--workers 2` behave as with one process: the pid file names the
// primary and goes away on SIGTERM/SIGINT, which stop every worker; a primary killed outright takes
// its workers with it; `-d` returns once everything listens; SIGHUP and SIGTTIN, sent to the primary,
// reach every worker (seen in the lines the workers themselves write to the shared log file).
//
// Relayed signals are asynchronous. A stats request is the barrier: the primary sends it to each
// worker on the same ordered channel, after the relayed message, so once the stats come back every
// worker has acted on the signal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { startRedis } from '../../helpers/backends';
import { poolYaml } from '../../helpers/pool-yaml';
import { listening, processAlive, waitFor } from '../../helpers/processes';
import { connect, resp } from '../../helpers/wire';
import {
  listenTargetsOf,
  redisClientPerWorker,
  sendProtocolError,
  sessionOf,
  startCliProxy,
  waitGone,
  waitLog,
  type CliProxy,
  type CliProxyOptions,
} from './workers-kit';

const WORKERS = 2;
/** The line a worker writes at -v 6 (info) when it drops a client for a framing error. */
const WORKER_LINE = 'protocol error';

/** A proxy with one Redis pool on a real redis-server; everything stopped after `body`. */
async function withProxy(opts: Omit<CliProxyOptions, 'workers'>, body: (proxy: CliProxy, yaml: string) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  let proxy: CliProxy | null = null;
  try {
    const { yaml } = await poolYaml({ name: 'alpha', redis: true, servers: [redis] });
    proxy = await startCliProxy(yaml, { workers: WORKERS, ...opts });
    await body(proxy, yaml);
  } finally {
    await proxy?.stop();
    await redis.stop();
  }
}

function poolPort(yaml: string): number {
  return Number(/listen: 127\.0\.0\.1:(\d+)/.exec(yaml)?.[1]);
}

function count(proxy: CliProxy, text: string, file?: string): number {
  return proxy.logLines(file).filter((l) => l.includes(text)).length;
}

/** Drop one client on each worker with a framing error (each worker may log one WORKER_LINE). */
async function protocolErrorOnEveryWorker(proxy: CliProxy, port: number): Promise<void> {
  const clients = await redisClientPerWorker(port, proxy.workerPids());
  await Promise.all([...clients.values()].map(sendProtocolError));
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`-p holds the primary's pid; ${signal} to it stops every worker, removes the pid file and exits 0`, async () => {
    await withProxy({ pidFile: true }, async (proxy, yaml) => {
      assert.equal(readFileSync(proxy.pidFile, 'utf8').trim(), String(proxy.pid));
      const workers = proxy.workerPids();
      assert.equal(workers.length, WORKERS);
      assert.ok(!workers.includes(proxy.pid));
      // Clients still connected must not hold the shutdown up.
      const c = await connect(poolPort(yaml));
      c.send(resp('SET', 'k', 'v'));
      assert.equal((await c.readReply('redis')).toString('latin1'), '+OK\r\n');

      proxy.proc.child.kill(signal);
      assert.deepEqual(await proxy.proc.exited, { code: 0, signal: null });
      assert.equal(existsSync(proxy.pidFile), false, 'pid file removed');
      for (const w of workers) await waitGone(w);
      await c.close();
    });
  });
}

test('a primary killed with SIGKILL leaves no worker behind', async () => {
  await withProxy({}, async (proxy) => {
    const workers = proxy.workerPids();
    assert.equal(workers.length, WORKERS);
    proxy.proc.child.kill('SIGKILL');
    await proxy.proc.exited;
    for (const w of workers) await waitGone(w);
  });
});

test('-d with --workers 2 exits 0 once every port listens; the daemon runs the workers; SIGTERM stops them all', async () => {
  await withProxy({ daemonize: true }, async (proxy, yaml) => {
    // startCliProxy returned as soon as the foreground process exited 0: check without waiting.
    for (const target of listenTargetsOf(yaml, proxy.statsPort)) assert.ok(await listening(target), `${JSON.stringify(target)} listens`);
    assert.notEqual(proxy.pid, proxy.proc.pid, 'the daemon is another process');
    assert.equal(sessionOf(proxy.pid), proxy.pid, 'the daemon leads its own session');
    const workers = proxy.workerPids();
    assert.equal(workers.length, WORKERS);
    const c = await connect(poolPort(yaml));
    c.send(resp('SET', 'd', '1'));
    c.send(resp('GET', 'd'));
    assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '$1\r\n1\r\n']);
    await c.close();

    process.kill(proxy.pid, 'SIGTERM');
    await waitGone(proxy.pid);
    for (const w of workers) await waitGone(w);
    assert.equal(existsSync(proxy.pidFile), false, 'pid file removed');
  });
});

test('SIGHUP to the primary makes every worker reopen the log file', async () => {
  await withProxy({ logFile: true, verbose: 6 }, async (proxy, yaml) => {
    const port = poolPort(yaml);
    const rotated = `${proxy.logFile}.1`;
    renameSync(proxy.logFile, rotated);
    proxy.proc.child.kill('SIGHUP');
    await waitLog(proxy, 'signal 1 (SIGHUP) received, reopening log file', 1, rotated);
    await proxy.stats(); // barrier: every worker has reopened

    await protocolErrorOnEveryWorker(proxy, port);
    assert.equal(count(proxy, WORKER_LINE), WORKERS, 'each worker writes to the new file');
    assert.equal(count(proxy, WORKER_LINE, rotated), 0, 'no worker still writes to the moved file');
  });
});

test('SIGTTIN to the primary raises the level in every worker, including one started later', async () => {
  await withProxy({ logFile: true, verbose: 5 }, async (proxy, yaml) => {
    const port = poolPort(yaml);
    await protocolErrorOnEveryWorker(proxy, port);
    assert.equal(count(proxy, WORKER_LINE), 0, 'info lines are not written at -v 5');

    proxy.proc.child.kill('SIGTTIN');
    await waitLog(proxy, 'up log level to 6');
    await proxy.stats(); // barrier: every worker has the new level
    await protocolErrorOnEveryWorker(proxy, port);
    assert.equal(count(proxy, WORKER_LINE), WORKERS, 'both workers now write info lines');

    // A worker that replaces a dead one runs at the current level, not at -v 5.
    const [victim, survivor] = proxy.workerPids();
    process.kill(victim, 'SIGKILL');
    await waitLog(proxy, `worker ${victim} exited (SIGKILL)`);
    const fresh = await waitFor(`a worker replacing ${victim}`, async () => {
      const workers = proxy.workerPids();
      return workers.length === WORKERS ? workers.find((w) => w !== survivor && w !== victim) : undefined;
    });
    const clients = await redisClientPerWorker(port, [fresh, survivor]);
    await proxy.stats(); // barrier
    await sendProtocolError(clients.get(fresh)!);
    await clients.get(survivor)!.close();
    assert.equal(count(proxy, WORKER_LINE), WORKERS + 1, 'the new worker writes info lines too');
    assert.ok(processAlive(proxy.pid));
  });
});
