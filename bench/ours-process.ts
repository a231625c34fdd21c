// Our proxy as the bench runs it: a separate process started through the real CLI
// (`bin/twemproxy-ts -c FILE -s PORT -a 127.0.0.1 [--workers N]`, the launcher users run), logging into its temporary
// directory as nutcracker does, so both proxies pay for the same things. Resolves once every pool
// listens; fails fast, with the proxy's own output, if the process exits while starting.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenTargets } from '../test/helpers/pool-yaml';
import { freePort } from '../test/helpers/ports';
import { logWithOutput, makeTempDir, removeTempDir, spawnTracked, stopProcess, waitListening } from '../test/helpers/processes';

export interface OursProcess {
  readonly pid: number;
  readonly workers: number;
  isRunning(): boolean;
  /** The log file plus whatever the process printed. */
  log(): string;
  stop(): Promise<void>;
}

/** dist/bench/ours-process.js → dist/src/cli/main.js, and the launcher that runs it (bin/). */
export const OURS_MAIN = join(__dirname, '..', 'src', 'cli', 'main.js');
export const OURS_LAUNCHER = join(__dirname, '..', '..', 'bin', 'twemproxy-ts');

const START_TIMEOUT_MS = 15_000;

/** Start it on `yaml`; `extraArgs` are further CLI flags (e.g. `--metrics-port N`). */
export async function startOurs(yaml: string, workers: number, extraArgs: readonly string[] = []): Promise<OursProcess> {
  if (!existsSync(OURS_MAIN)) throw new Error(`${OURS_MAIN} not found (run the build first)`);
  const dir = makeTempDir('bench-ours');
  const confFile = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'twemproxy-ts.log');
  writeFileSync(confFile, yaml);
  const statsPort = await freePort();
  const args = ['-c', confFile, '-s', String(statsPort), '-a', '127.0.0.1', '-o', logFile];
  if (workers !== 1) args.push('--workers', String(workers));
  args.push(...extraArgs);
  const proc = spawnTracked(OURS_LAUNCHER, args, { cwd: dir });
  const log = (): string => logWithOutput(logFile, proc).slice(-4000);
  const died = (): string | undefined => (proc.isRunning() ? undefined : `exited early:\n${log()}`);
  try {
    await waitListening('twemproxy-ts', listenTargets(yaml), { failFast: died, timeoutMs: START_TIMEOUT_MS });
  } catch (err) {
    await stopProcess(proc, 500);
    removeTempDir(dir);
    throw err;
  }
  return {
    pid: proc.pid,
    workers,
    isRunning: () => proc.isRunning(),
    log,
    async stop() {
      await stopProcess(proc);
      removeTempDir(dir);
    },
  };
}
