// Debian's nutcracker 0.5.0, the reference implementation for differential tests: started in the
// foreground from a config written into a temporary directory, logging into that directory (the
// Debian default log path is system-wide), stats on a free 127.0.0.1 port with a 100 ms interval.
// Resolves once the stats port and every pool's listen address are listening (checked without
// connecting, so nutcracker's connection stats start from zero, as ours do).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenTargets } from './pool-yaml';
import { freePort } from './ports';
import { findBinary, logWithOutput, makeTempDir, removeTempDir, spawnTracked, stopProcess, waitListening } from './processes';

export interface NutcrackerOptions {
  /** Fixed stats port; default: a free one (retried if it is taken before nutcracker binds it). */
  statsPort?: number;
  /** Appended after our flags (getopt: the last occurrence wins). */
  extraArgs?: string[];
}

export interface Nutcracker {
  readonly statsPort: number;
  readonly pid: number;
  readonly dir: string;
  readonly confFile: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after 2 s; removes the temporary directory. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** nutcracker's log file plus anything it wrote to stdout/stderr. */
  log(): string;
}

const ATTEMPTS = 5;

/** True if Debian's nutcracker binary is installed (tests use it to skip with a clear message). */
export function hasNutcracker(): boolean {
  return findBinary('nutcracker') !== null;
}

/** Start nutcracker with `yaml` as its configuration. */
export async function startNutcracker(yaml: string, opts: NutcrackerOptions = {}): Promise<Nutcracker> {
  const binary = findBinary('nutcracker');
  if (binary === null) throw new Error('nutcracker not found on PATH (apt-get install nutcracker)');
  const dir = makeTempDir('nutcracker');
  const confFile = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'nutcracker.log');
  writeFileSync(confFile, yaml);
  const pools = listenTargets(yaml);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const statsPort = opts.statsPort ?? (await freePort());
    const args = ['-c', confFile, '-s', String(statsPort), '-a', '127.0.0.1', '-i', '100', '-o', logFile];
    const proc = spawnTracked(binary, args.concat(opts.extraArgs ?? []), { cwd: dir });
    const died = (): string | undefined => (proc.isRunning() ? undefined : `exited early:\n${logWithOutput(logFile, proc)}`);
    try {
      await waitListening('nutcracker', [{ host: '127.0.0.1', port: statsPort }, ...pools], { failFast: died });
      return {
        statsPort,
        pid: proc.pid,
        dir,
        confFile,
        logFile,
        async stop() {
          await stopProcess(proc);
          removeTempDir(dir);
        },
        kill(signal) {
          if (proc.isRunning()) proc.child.kill(signal);
        },
        log: () => logWithOutput(logFile, proc),
      };
    } catch (err) {
      await stopProcess(proc, 200);
      lastError = err;
      // Only the stats port is ours to change; a taken pool port is the caller's problem.
      const statsTaken = /stats server addr .* failed: Address already in use/.test(String(err));
      if (!statsTaken || opts.statsPort !== undefined) break;
    }
  }
  removeTempDir(dir);
  throw lastError;
}
