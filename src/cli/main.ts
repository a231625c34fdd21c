#!/usr/bin/env node
// The executable: nutcracker 0.5.0's start-up sequence (spec §3.3) with deliberate changes: the
// config is loaded *before* daemonizing (`-d` with a bad config exits 1, nutcracker exits 0); the pid
// file is written once every listener is bound; SIGINT and SIGTERM shut down cleanly and exit 0
// (nutcracker: SIGINT exits 1, SIGTERM kills outright). Exit codes: 0 = -h/-V/-D, -t ok, --reload
// sent, clean shutdown; 1 = every error.

import cluster from 'node:cluster';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig, checkConfigText } from '../config/load';
import type { Config } from '../config/types';
import { log } from '../log/logger';
import type { ProxyOptions } from '../proxy/proxy';
import { reportWorkerStartFailure, runWorker, startRunningProxy, WORKER_CONFIG_ENV, type RunningProxy } from '../proxy/workers';
import { reportFailure, reportReady, spawnDaemon, takeDaemonMarker } from './daemonize';
import { describeStats } from './describe-stats';
import { parseArgs, usageText, versionText, type CliOptions } from './options';
import { removePidFile, writePidFile } from './pid-file';
import { sendReload } from './send-reload';
import { installSignals } from './signals';
import { PROGRAM, VERSION } from './version';

export const EXIT = { ok: 0, failure: 1 } as const;

const RABBIT =
  "run, rabbit run / dig that hole, forget the sun / and when at last the work is done / don't sit down / it's time to dig another one";
const DONE = 'done, rabbit done';
/** A shutdown that has not finished after this long (a connection that will not close) exits anyway. */
const SHUTDOWN_GRACE_MS = 5000;

/** Synchronous write to stderr: the text is out before any process.exit() that follows. */
function say(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(2, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function proxyOptions(o: CliOptions): ProxyOptions {
  return {
    mbufSize: o.mbufSize,
    statsPort: o.statsPort,
    statsAddr: o.statsAddr,
    statsInterval: o.statsInterval,
    metricsPort: o.metricsPort,
    metricsAddr: o.metricsAddr ?? o.statsAddr,
    workers: o.workers,
    confFile: o.confFile,
  };
}

/** Load the configuration; on problems print each, then nutcracker's "syntax is invalid" line. */
async function loadOrReport(file: string, report: (line: string) => void): Promise<Config | null> {
  let result: { config: Config | null; problems: readonly { message: string }[] };
  try {
    result = await checkConfig(file);
  } catch (err) {
    result = { config: null, problems: [{ message: messageOf(err) }] };
  }
  if (result.config !== null) {
    for (const p of result.problems) report(`warning: ${p.message}`);
    return result.config;
  }
  for (const p of result.problems) report(p.message);
  report(`configuration file '${file}' syntax is invalid`);
  return null;
}

/** -t: the problems one per line, then nutcracker's verdict line. */
async function testConf(file: string): Promise<number> {
  const config = await loadOrReport(file, (line) => say(`${PROGRAM}: ${line}\n`));
  if (config === null) return EXIT.failure;
  say(`${PROGRAM}: configuration file '${file}' syntax is ok\n`);
  return EXIT.ok;
}

function reload(pidFile: string | null): number {
  try {
    const pid = sendReload(pidFile);
    say(`${PROGRAM}: sent SIGUSR1 (reload) to pid ${pid}\n`);
    return EXIT.ok;
  } catch (err) {
    say(`${PROGRAM}: ${messageOf(err)}\n`);
    return EXIT.failure;
  }
}

/**
 * Parse, act, and return the exit status; or null when the proxy is running (the process then lives
 * until a signal). `argv` is without node and the script.
 */
export async function main(argv: readonly string[]): Promise<number | null> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    say(`${PROGRAM}: ${parsed.error}\n${usageText()}`);
    return EXIT.failure;
  }
  const o = parsed.options;
  if (o.help || o.version || o.describeStats) {
    say(versionText() + (o.help ? usageText() : '') + (o.describeStats ? describeStats() : ''));
    return EXIT.ok;
  }
  if (o.reload) return reload(o.pidFile);
  if (o.testConf) return testConf(o.confFile);
  return run(o, argv);
}

/**
 * `--workers N`: the primary forked this process with the same arguments; it only runs the pools.
 * Pid file, signals and the daemon hand-shake belong to the primary, which has already reported the
 * config's warnings: the worker loads it quietly and sends any failure to the primary to report.
 */
async function runAsWorker(o: CliOptions): Promise<number | null> {
  const problems: string[] = [];
  // The primary hands over the configuration it runs (see WORKER_CONFIG_ENV); the file may have
  // changed on disk since, without a reload.
  const text = process.env[WORKER_CONFIG_ENV];
  const config = text
    ? checkConfigText(Buffer.from(text, 'base64'), o.confFile, path.resolve(o.confFile)).config
    : await loadOrReport(o.confFile, (line) => problems.push(line));
  if (config === null) problems.push(`configuration handed over by the primary is invalid`);
  if (config === null) return reportWorkerStartFailure(problems.join('; '));
  await runWorker(config, proxyOptions(o));
  return null;
}

/** Normal mode: log, config, daemon, proxy, pid file, signals. */
async function run(o: CliOptions, argv: readonly string[]): Promise<number | null> {
  const isDaemon = takeDaemonMarker();
  // In the daemon stderr is /dev/null: errors go to the log and, until ready, to the waiting parent.
  const fail = async (message: string): Promise<number> => {
    if (log.file !== null) log.error(message);
    say(`${PROGRAM}: ${message}\n`);
    if (isDaemon) await reportFailure(message);
    return EXIT.failure;
  };

  try {
    log.open(o.output);
  } catch (err) {
    return fail(messageOf(err));
  }
  log.level = o.verbose;

  if (cluster.isWorker) return runAsWorker(o);

  const problems: string[] = [];
  const config = await loadOrReport(o.confFile, (line) => {
    problems.push(line);
    if (log.file !== null) log.error(line);
    say(`${PROGRAM}: ${line}\n`);
  });
  if (config === null) {
    if (isDaemon) await reportFailure(problems.join('\n'));
    return EXIT.failure;
  }

  if (o.daemonize && !isDaemon) {
    const result = await spawnDaemon(argv);
    if (result.ok) return EXIT.ok;
    say(result.message.split('\n').map((line) => `${PROGRAM}: ${line}\n`).join(''));
    return EXIT.failure;
  }

  log.always(`${PROGRAM}-${VERSION} built for ${os.type()} ${os.release()} ${os.machine()} on node ${process.version} started on pid ${process.pid}`);
  log.always(RABBIT);

  let proxy: RunningProxy | null = null;
  let stopping = false;
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;

  const exit = (code: number): void => {
    if (o.pidFile) removePidFile(o.pidFile);
    log.always(DONE);
    log.close();
    process.exit(code);
  };

  const shutdown = (): void => {
    if (stopping) {
      // A second SIGINT/SIGTERM while closing: stop waiting.
      exit(EXIT.failure);
      return;
    }
    stopping = true;
    if (proxy === null) return; // still starting: finished below once start settles
    const timer = setTimeout(() => {
      log.warn(`shutdown did not finish in ${SHUTDOWN_GRACE_MS} msec, exiting`);
      exit(EXIT.failure);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    proxy.close().then(
      () => exit(EXIT.ok),
      (err: unknown) => {
        log.error(`shutdown failed: ${messageOf(err)}`);
        exit(EXIT.failure);
      },
    );
  };

  // Reloads are serialised: a SIGUSR1 during a reload runs one more reload after it.
  const reloadConfig = (): void => {
    if (proxy === null || stopping) return;
    if (reloading !== null) {
      reloadAgain = true;
      return;
    }
    const p = proxy;
    reloading = p
      .reload()
      .then(
        () => undefined, // the proxy (each worker, with --workers) logs what it applied or rejected
        (err: unknown) => log.error(`reload failed: ${messageOf(err)}`),
      )
      .then(() => {
        reloading = null;
        if (reloadAgain) {
          reloadAgain = false;
          reloadConfig();
        }
      });
  };

  installSignals({ shutdown, reload: reloadConfig, logChanged: () => proxy?.logChanged() });
  process.on('uncaughtException', (err) => {
    log.emerg(`uncaught exception: ${err.stack ?? err.message}`);
    exit(EXIT.failure);
  });

  try {
    proxy = await startRunningProxy(config, proxyOptions(o));
  } catch (err) {
    const code = await fail(messageOf(err));
    log.always(DONE);
    return code;
  }

  if (o.pidFile) {
    try {
      writePidFile(o.pidFile);
    } catch (err) {
      await proxy.close();
      const code = await fail(messageOf(err));
      log.always(DONE);
      return code;
    }
  }

  if (stopping) {
    // SIGINT/SIGTERM arrived while starting.
    stopping = false;
    shutdown();
    return null;
  }
  if (isDaemon) reportReady();
  return null;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (err: unknown) => {
      say(`${PROGRAM}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(EXIT.failure);
    },
  );
}
