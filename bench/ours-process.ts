// Our proxy as the bench runs it: a separate process started through the real CLI
// (`node dist/src/cli/main.js -c FILE -s PORT -a 127.0.0.1 [--workers N]`), logging into its temporary
// directory as nutcracker does, so both proxies pay for the same things. Resolves once every pool
// listens; fails fast, with the proxy's own output, if the process exits while starting.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenTargets } from '../test/helpers/pool-yaml';
import { freePort } from '../test/helpers/ports';
import { listening, makeTempDir, removeTempDir, spawnTracked, stopProcess, waitFor } from '../test/helpers/processes';

export interface OursProcess {
  readonly pid: number;
  readonly workers: number;
  isRunning(): boolean;
  /** The log file plus whatever the process printed. */
  log(): string;
  stop(): Promise<void>;
}

/** dist/bench/ours-process.js → dist/src/cli/main.js */
export const OURS_MAIN = join(__dirname, '..', 'src', 'cli', 'main.js');

const START_TIMEOUT_MS = 15_000;

export async function startOurs(yaml: string, workers: number): Promise<OursProcess> {
  if (!existsSync(OURS_MAIN)) throw new Error(`${OURS_MAIN} not found (run the build first)`);
  const dir = makeTempDir('bench-ours');
  const confFile = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'twemproxy-ts.log');
  writeFileSync(confFile, yaml);
  const statsPort = await freePort();
  const args = [OURS_MAIN, '-c', confFile, '-s', String(statsPort), '-a', '127.0.0.1', '-o', logFile];
  if (workers !== 1) args.push('--workers', String(workers));
  const proc = spawnTracked(process.execPath, args, { cwd: dir });
  const log = (): string => {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      // not created (yet)
    }
    return (text + proc.output()).slice(-4000);
  };
  const died = (): string | undefined => (proc.isRunning() ? undefined : `exited early:\n${log()}`);
  try {
    for (const target of listenTargets(yaml)) {
      const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
      await waitFor(`twemproxy-ts listening on ${where}`, async () => ((await listening(target)) ? true : undefined), {
        failFast: died,
        timeoutMs: START_TIMEOUT_MS,
      });
    }
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
