// The built executable run with `--workers N` as a user runs it (`node dist/src/cli/main.js -c FILE
// -s PORT -a 127.0.0.1 --workers N`), plus what the worker tests need to look inside from outside:
// the primary's worker processes and which process holds each client connection (both read from
// Linux /proc, so finding them adds no connection to the stats being checked), and the stats JSON.

import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports';
import { listenTargets } from '../../helpers/pool-yaml';
import { connect, readAll, resp, type WireClient } from '../../helpers/wire';
import { makeTempDir, processAlive, readOrEmpty, spawnTracked, stopProcess, waitFor, waitListening, type Spawned, type Target } from '../../helpers/processes';

export const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

export interface CliProxyOptions {
  workers: number;
  /** Written with -p (inside the proxy's temporary directory). */
  pidFile?: boolean;
  /** Written with -o (inside the proxy's temporary directory); otherwise the log goes to stderr. */
  logFile?: boolean;
  /** -v level (default: nutcracker's 5). */
  verbose?: number;
  /** Run with -d; start() then returns once the foreground process has exited. */
  daemonize?: boolean;
  /** Serve Prometheus metrics (--metrics-port) on a free port. */
  metrics?: boolean;
}

export interface CliProxy {
  /** The process we spawned: the primary, or with -d the short-lived parent. */
  readonly proc: Spawned;
  /** The primary's pid (with -d: the daemon's, from the pid file). */
  readonly pid: number;
  readonly dir: string;
  readonly confFile: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly statsPort: number;
  /** --metrics-port, or 0 without `metrics`. */
  readonly metricsPort: number;
  /** The primary's live child processes (its workers), by pid, ascending. */
  workerPids(): number[];
  /** GET the stats JSON from the primary's stats port. */
  stats(): Promise<StatsJson>;
  /** The log file's lines without their timestamps. */
  logLines(file?: string): string[];
  /** SIGTERM, then SIGKILL for anything left (the primary and its workers). */
  stop(): Promise<void>;
}

export type StatsJson = Record<string, unknown> & Record<string, Record<string, unknown>>;

/** The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1]). */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Live (not zombie) children of `parent`, ascending. */
export function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = procStat(Number(name));
    if (f !== null && f[0] !== 'Z' && Number(f[1]) === parent) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/** Socket inode → the pid (among `pids`) holding it in its descriptor table. */
function socketOwners(pids: readonly number[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m !== null) owners.set(m[1], pid);
      } catch {
        // closed while listing
      }
    }
  }
  return owners;
}

/**
 * For each client socket (by its local port) connected to `serverPort` on loopback: the pid among
 * `pids` that holds the proxy's end of the connection, or undefined when none does (yet).
 */
export function connectionOwners(serverPort: number, clientPorts: readonly number[], pids: readonly number[]): (number | undefined)[] {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  const byClientPort = new Map<string, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'latin1').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !f[1].endsWith(`:${hex(serverPort)}`)) continue;
      byClientPort.set(f[2].slice(f[2].lastIndexOf(':') + 1), f[9]);
    }
  }
  const owners = socketOwners(pids);
  return clientPorts.map((port) => {
    const inode = byClientPort.get(hex(port));
    return inode === undefined ? undefined : owners.get(inode);
  });
}

/** The session id of a process (field 6 of /proc/<pid>/stat), or null when it is gone. */
export function sessionOf(pid: number): number | null {
  const f = procStat(pid);
  return f === null ? null : Number(f[3]);
}

/**
 * One Redis connection held by each of `workers`, each proven to be served (PING answered): opens
 * connections until every worker has one, closing the extras. Cluster hands connections out in
 * turn, so a few tries suffice; the limit only stops a broken proxy from looping forever.
 */
export async function redisClientPerWorker(port: number, workers: readonly number[]): Promise<Map<number, WireClient>> {
  const held = new Map<number, WireClient>();
  for (let tries = 0; held.size < workers.length && tries < 10 * workers.length; tries++) {
    const c = await connect(port);
    c.send(resp('PING'));
    assert.equal((await c.readReply('redis')).toString('latin1'), '+PONG\r\n');
    const [owner] = connectionOwners(port, [c.socket.localPort ?? 0], workers);
    if (owner !== undefined && !held.has(owner)) held.set(owner, c);
    else await c.close();
  }
  assert.equal(held.size, workers.length, `connections reached every worker of ${workers.join(', ')}`);
  return held;
}

/** A request no Redis parser accepts: the proxy answers with an error, logs (at -v 6) and closes. */
export async function sendProtocolError(c: WireClient): Promise<void> {
  c.send('*1\r\n$x\r\n');
  const rest = (await c.readUntilClose()).toString('latin1');
  assert.match(rest, /^-ERR Protocol error/);
}

/** Every pool's listen address, then the stats port. */
export function listenTargetsOf(yaml: string, statsPort: number): Target[] {
  return [...listenTargets(yaml), { host: '127.0.0.1', port: statsPort }];
}

let seq = 0;

/** Write `yaml`, start the CLI, and resolve once every pool and the stats port listen. */
export async function startCliProxy(yaml: string, opts: CliProxyOptions): Promise<CliProxy> {
  const dir = makeTempDir('workers');
  const n = ++seq;
  const confFile = join(dir, `nutcracker-${n}.yml`);
  const logFile = join(dir, `nutcracker-${n}.log`);
  const pidFile = join(dir, `nutcracker-${n}.pid`);
  writeFileSync(confFile, yaml);
  const statsPort = await freePort();
  const args = [MAIN, '-c', confFile, '-s', String(statsPort), '-a', '127.0.0.1', '--workers', String(opts.workers)];
  if (opts.pidFile || opts.daemonize) args.push('-p', pidFile);
  if (opts.logFile) args.push('-o', logFile);
  if (opts.verbose !== undefined) args.push('-v', String(opts.verbose));
  if (opts.daemonize) args.push('-d');
  const metricsPort = opts.metrics ? await freePort() : 0;
  if (opts.metrics) args.push('--metrics-port', String(metricsPort));
  // Cluster's default (round-robin hand-out by the primary) is what the tests expect.
  const env = { ...process.env };
  delete env.NODE_CLUSTER_SCHED_POLICY;
  const proc = spawnTracked(process.execPath, args, { cwd: dir, env });
  let pid = proc.pid;
  if (opts.daemonize) {
    const exit = await proc.exited;
    if (exit.code !== 0) throw new Error(`-d exited ${JSON.stringify(exit)}: ${proc.output()}`);
    pid = Number(readOrEmpty(pidFile).trim());
    if (!(pid > 0)) throw new Error(`-d exited 0 but the pid file holds ${JSON.stringify(readOrEmpty(pidFile))}`);
  }
  // With -d the caller checks that everything listens the moment the foreground process is gone.
  const alive = (): string | undefined => (processAlive(pid) ? undefined : `proxy exited: ${proc.output()}${readOrEmpty(logFile)}`);
  if (!opts.daemonize) await waitListening('proxy', listenTargetsOf(yaml, statsPort), { failFast: alive });
  const proxy: CliProxy = {
    proc,
    pid,
    dir,
    confFile,
    logFile,
    pidFile,
    statsPort,
    metricsPort,
    workerPids: () => childPids(pid),
    stats: async () => JSON.parse((await readAll(statsPort)).toString('utf8')) as StatsJson,
    logLines: (file = logFile) =>
      readOrEmpty(file)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replace(/^\[[^\]]*\] /, '')),
    stop: async () => {
      const workers = childPids(pid);
      if (!opts.daemonize) await stopProcess(proc, 6000);
      else if (processAlive(pid)) {
        process.kill(pid, 'SIGTERM');
        await waitFor('daemon exit', async () => (processAlive(pid) ? undefined : true), { timeoutMs: 6000 }).catch(() => process.kill(pid, 'SIGKILL'));
      }
      for (const w of workers) if (processAlive(w)) process.kill(w, 'SIGKILL');
    },
  };
  return proxy;
}

/** Resolves once `pid` is gone (or a zombie); rejects after `timeoutMs`. */
export function waitGone(pid: number, timeoutMs = 8000): Promise<true> {
  return waitFor(`pid ${pid} to exit`, async () => (processAlive(pid) ? undefined : true), { timeoutMs });
}

/** Resolves once `text` occurs in `file` `count` times (or more). */
export function waitLog(proxy: CliProxy, text: string, count = 1, file = proxy.logFile): Promise<true> {
  return waitFor(
    `${count} × '${text}' in ${file}`,
    async () => (proxy.logLines(file).filter((l) => l.includes(text)).length >= count ? true : undefined),
    { failFast: () => (processAlive(proxy.pid) ? undefined : `proxy exited: ${proxy.proc.output()}`) },
  );
}
