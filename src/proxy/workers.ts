// Several worker processes (`--workers N`): the primary forks N workers with node:cluster; each
// runs every pool (cluster shares the listening sockets), and the primary alone serves the stats
// and metrics ports, summing the workers' snapshots so they describe the whole proxy. Reload,
// log reopen and level changes are relayed to every worker. A worker that dies is replaced.
//
//   primary: stats/metrics listeners, signals, pid file ──IPC──▶ worker 1..N: pools, clients, servers

import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/types';
import { log } from '../log/logger';
import { MetricsServer } from '../stats/metrics-server';
import { mergeSnapshots, type StatsSnapshot } from '../stats/snapshot';
import { StatsServer } from '../stats/stats-server';
import { Proxy, type ProxyOptions, type ReloadResult } from './proxy';

/** Messages between primary and workers: one table of kinds. */
export const WorkerMessage = {
  ready: 'ready',
  startFailed: 'start-failed',
  snapshot: 'snapshot',
  reload: 'reload',
  reloaded: 'reloaded',
  logReopen: 'log-reopen',
  logLevel: 'log-level',
  shutdown: 'shutdown',
} as const;

interface Envelope {
  kind: (typeof WorkerMessage)[keyof typeof WorkerMessage];
  id?: number;
  snapshot?: StatsSnapshot;
  result?: ReloadResult;
  message?: string;
  level?: number;
}

/** How long the primary waits for a worker's answer (snapshot, reload) before leaving it out. */
const ANSWER_TIMEOUT_MS = 5000;

export class WorkerSet {
  private readonly workers = new Set<Worker>();
  private readonly waiting = new Map<number, (e: Envelope) => void>();
  private nextId = 0;
  private stopping = false;
  private statsServer: StatsServer | null = null;
  private metricsServer: MetricsServer | null = null;

  private constructor(private readonly opts: ProxyOptions) {}

  /** Fork the workers and wait until every one listens; then open the stats and metrics ports. */
  static async start(opts: ProxyOptions): Promise<WorkerSet> {
    const set = new WorkerSet(opts);
    try {
      await Promise.all(Array.from({ length: opts.workers }, () => set.fork()));
      set.statsServer = await StatsServer.start(opts.statsAddr, opts.statsPort, () => set.snapshot());
      if (opts.metricsPort !== null) set.metricsServer = await MetricsServer.start(opts.metricsAddr, opts.metricsPort, () => set.snapshot());
    } catch (err) {
      await set.close();
      throw err;
    }
    return set;
  }

  get statsPort(): number {
    return this.statsServer?.port ?? 0;
  }

  private fork(): Promise<void> {
    const worker = cluster.fork();
    this.workers.add(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (e: Envelope) => {
        if (e.kind === WorkerMessage.ready) resolve();
        else if (e.kind === WorkerMessage.startFailed) reject(new Error(e.message));
        else if (e.id !== undefined) this.waiting.get(e.id)?.(e);
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        reject(new Error(`worker ${worker.process.pid} exited during start-up (${signal ?? code})`));
        if (this.stopping) return;
        log.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
        this.fork().catch((err: Error) => log.error(`replacing worker failed: ${err.message}`));
      });
    });
  }

  /** Ask every worker; answers that do not come in time are left out. */
  private ask(kind: Envelope['kind']): Promise<Envelope[]> {
    return Promise.all(
      [...this.workers].map(
        (w) =>
          new Promise<Envelope | null>((resolve) => {
            const id = ++this.nextId;
            const timer = setTimeout(() => finish(null), ANSWER_TIMEOUT_MS);
            const finish = (e: Envelope | null): void => {
              clearTimeout(timer);
              this.waiting.delete(id);
              resolve(e);
            };
            this.waiting.set(id, finish);
            w.send({ kind, id } satisfies Envelope);
          }),
      ),
    ).then((list) => list.filter((e): e is Envelope => e !== null));
  }

  async snapshot(): Promise<StatsSnapshot> {
    const answers = await this.ask(WorkerMessage.snapshot);
    return mergeSnapshots(answers.map((a) => a.snapshot as StatsSnapshot));
  }

  async reload(): Promise<ReloadResult> {
    const answers = await this.ask(WorkerMessage.reload);
    const results = answers.map((a) => a.result as ReloadResult);
    const ok = results.length === this.workers.size && results.every((r) => r.ok);
    return { ok, message: results[0]?.message ?? 'no worker answered' };
  }

  broadcast(kind: Envelope['kind'], level?: number): void {
    for (const w of this.workers) w.send({ kind, level } satisfies Envelope);
  }

  async close(): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers].map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    this.broadcast(WorkerMessage.shutdown);
    await Promise.all(exits);
    await this.statsServer?.close();
    await this.metricsServer?.close();
  }
}

/** Worker side: run the pools, answer the primary, exit when told or when the primary is gone. */
export async function runWorker(config: Config, opts: ProxyOptions): Promise<void> {
  const send = (e: Envelope): void => void process.send?.(e);
  let proxy: Proxy;
  try {
    proxy = await Proxy.start(config, { ...opts, listenStats: false });
  } catch (err) {
    send({ kind: WorkerMessage.startFailed, message: (err as Error).message });
    process.exit(1);
  }
  // The primary coordinates shutdown; a Ctrl-C reaching the whole process group must not
  // kill workers before the primary has said so.
  // Log and level signals are handled by the primary and relayed (SIGTTIN/SIGTTOU would otherwise
  // stop the process, SIGHUP kill it).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => undefined);
  process.on('disconnect', () => void proxy.close().then(() => process.exit(0)));
  process.on('message', (e: Envelope) => {
    switch (e.kind) {
      case WorkerMessage.snapshot:
        send({ kind: WorkerMessage.snapshot, id: e.id, snapshot: proxy.snapshot() });
        break;
      case WorkerMessage.reload:
        void proxy.reload().then((result) => send({ kind: WorkerMessage.reloaded, id: e.id, result }));
        break;
      case WorkerMessage.logReopen:
        log.reopen();
        break;
      case WorkerMessage.logLevel:
        log.level = e.level ?? log.level;
        break;
      case WorkerMessage.shutdown:
        void proxy.close().then(() => process.exit(0));
        break;
    }
  });
  send({ kind: WorkerMessage.ready });
}

/** What the command line runs: one proxy in this process, or a primary with worker processes. */
export interface RunningProxy {
  close(): Promise<void>;
  reload(): Promise<ReloadResult>;
  /** The log file was reopened or the level changed in this process: pass it on. */
  logChanged(): void;
}

export async function startRunningProxy(config: Config, opts: ProxyOptions): Promise<RunningProxy> {
  if (opts.workers <= 1) {
    const proxy = await Proxy.start(config, opts);
    return { close: () => proxy.close(), reload: () => proxy.reload(), logChanged: () => undefined };
  }
  const set = await WorkerSet.start(opts);
  return {
    close: () => set.close(),
    reload: () => set.reload(),
    logChanged: () => {
      set.broadcast(WorkerMessage.logReopen);
      set.broadcast(WorkerMessage.logLevel, log.level);
    },
  };
}
