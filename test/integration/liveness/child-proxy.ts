// Our proxy as a child process (the real CLI, dist/src/cli/main.js), for tests that measure the
// proxy's own memory (VmRSS / VmHWM from /proc/<pid>/status) or need more file descriptors than this
// process has: it is started through bash so `ulimit -n` can be raised for it alone.
// Also: the stats JSON read from its stats port, and the soft/hard fd limits a child can get.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports';
import { listenTargets } from '../../helpers/pool-yaml';
import { findBinary, logWithOutput, makeTempDir, removeTempDir, spawnTracked, stopProcess, waitListening } from '../../helpers/processes';
import { readAll } from '../../helpers/wire';

/** The compiled CLI, relative to this file's place in dist/test/integration/liveness/. */
const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

export interface ChildProxy {
  readonly pid: number;
  readonly statsPort: number;
  /** The stats JSON, fresh (read from the stats port). */
  stats(): Promise<StatsJson>;
  /** Resident set size now and its peak since start (kB, from /proc/<pid>/status). */
  memory(): { rssKb: number; hwmKb: number };
  /** The log file so far. */
  log(): string;
  isRunning(): boolean;
  stop(): Promise<void>;
}

/** The parts of nutcracker's stats JSON the tests read: pools by name, servers by name inside. */
export type StatsJson = Record<string, unknown> & { curr_connections: number; total_connections: number };

export interface ChildProxyOptions {
  /** Raise the open-files soft limit to this (must be ≤ the hard limit, see fdLimits()). */
  nofile?: number;
}

/** The soft and hard RLIMIT_NOFILE a child started from here gets (asked of bash, as node cannot). */
export function fdLimits(): { soft: number; hard: number } {
  const r = spawnSync('bash', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = r.stdout.trim().split('\n').map((v) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)));
  return { soft, hard };
}

/** Kilobyte fields of /proc/<pid>/status. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Read a stats port's JSON (the server writes it and closes). */
export async function readStats(port: number): Promise<StatsJson> {
  return JSON.parse((await readAll(port)).toString('utf8')) as StatsJson;
}

export async function startChildProxy(yaml: string, opts: ChildProxyOptions = {}): Promise<ChildProxy> {
  const bash = findBinary('bash');
  if (bash === null) throw new Error('bash not found on PATH');
  const dir = makeTempDir('child-proxy');
  const conf = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'proxy.log');
  writeFileSync(conf, yaml);
  const statsPort = await freePort();
  const limit = opts.nofile !== undefined ? `ulimit -n ${opts.nofile} && ` : '';
  // exec: the pid we hold is the proxy's own, so /proc/<pid>/status is its memory.
  const script = `${limit}exec "${process.execPath}" "${MAIN}" -c "${conf}" -s ${statsPort} -a 127.0.0.1 -o "${logFile}" -v 5`;
  const proc = spawnTracked(bash, ['-c', script], { cwd: dir });
  const readLog = (): string => logWithOutput(logFile, proc);
  try {
    await waitListening('child proxy', [{ host: '127.0.0.1', port: statsPort }, ...listenTargets(yaml)], {
      failFast: () => (proc.isRunning() ? undefined : `exited early:\n${readLog()}`),
    });
  } catch (err) {
    await stopProcess(proc, 500);
    removeTempDir(dir);
    throw err;
  }
  let stopped = false;
  return {
    pid: proc.pid,
    statsPort,
    stats: () => readStats(statsPort),
    memory: () => ({ rssKb: statusKb(proc.pid, 'VmRSS'), hwmKb: statusKb(proc.pid, 'VmHWM') }),
    log: readLog,
    isRunning: () => proc.isRunning(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcess(proc);
      removeTempDir(dir);
    },
  };
}

/** A pool's stats object from the stats JSON (pool-level fields, and servers by name). */
export function poolStats(stats: StatsJson, pool: string): Record<string, number> & Record<string, Record<string, number>> {
  return stats[pool] as Record<string, number> & Record<string, Record<string, number>>;
}
