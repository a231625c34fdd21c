// Several worker processes (`--workers N`): the primary forks N workers with node:cluster; each
// runs every pool (cluster shares the listening sockets), and the primary alone serves the stats
// and metrics ports, summing the workers' snapshots so they describe the whole proxy. Reload,
// log reopen and level changes are relayed to every worker. A worker that dies is replaced (at
// once if it had been serving, after growing pauses if it dies while starting) and the primary
// only talks to workers that said ready: a starting worker cannot read messages yet.
//
//   primary: stats/metrics listeners, signals, pid file ──IPC──▶ worker 1..N: pools, clients, servers

import cluster, { type Worker } from 'node:cluster';
import * as fs from 'node:fs';
import type { Config } from '../config/types';
import { log } from '../log/logger';
import { strerror } from '../log/strerror';
import { MetricsServer } from '../stats/metrics-server';
import { collectProcessInfo, mergeProcessInfo, type ProcessInfo } from '../stats/process-info';
import { mergeSnapshots, withDeparted, type StatsSnapshot } from '../stats/snapshot';
import { StatsServer } from '../stats/stats-server';
import { Proxy, type ProxyOptions, type ReloadResult } from './proxy';

/** Messages between primary and workers: one table of kinds. */
export const WorkerMessage = {
  ready: 'ready',
  startFailed: 'start-failed',
  snapshot: 'snapshot',
  processInfo: 'process-info',
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
  processInfo?: ProcessInfo;
  result?: ReloadResult;
  /** reload: the configuration text (base64) every worker applies. */
  config?: string;
  message?: string;
  level?: number;
}

/** Environment variable carrying the configuration text (base64) to a new worker. */
export const WORKER_CONFIG_ENV = 'TWEMPROXY_TS_WORKER_CONFIG';
/** Largest base64 configuration handed over in the environment (MAX_ARG_STRLEN is 128 KiB). */
const MAX_ENV_CONFIG = 120 * 1024;

/** How long the primary waits for a worker's answer (snapshot, reload) before leaving it out. */
const ANSWER_TIMEOUT_MS = 5000;
/**
 * A worker that dies before it is ready (the config file now broken, a crash at start) is replaced
 * after a pause that doubles up to the maximum, so the primary does not fork in a tight loop. A worker
 * that dies after it was ready is replaced at once.
 */
const RESTART_DELAY = { firstMs: 100, maxMs: 10_000 } as const;
/** A worker whose proxy does not close in this time (a hung connection) exits anyway. */
const WORKER_EXIT_GRACE_MS = 5000;

/**
 * The workers' snapshots as one proxy: counters and gauges summed (mergeSnapshots), with two
 * corrections for what every worker holds a copy of. A pool's listening socket is one socket shared
 * by all workers, but each worker counts it in total/curr_connections: count it once. The `extra`
 * process facts (reload counters, last reload result, load time) are per proxy, and every worker
 * applies every reload: take the largest (a replacement worker starts its counters at 0).
 */
export function mergeWorkerSnapshots(list: readonly StatsSnapshot[]): StatsSnapshot {
  const merged = mergeSnapshots(list);
  const listenerCopies = list.reduce((n, s) => n + s.pools.length, 0) - merged.pools.length;
  merged.totalConnections -= listenerCopies;
  merged.currConnections -= listenerCopies;
  if (merged.extra !== undefined) {
    for (const key of Object.keys(merged.extra)) {
      merged.extra[key] = Math.max(...list.map((s) => s.extra?.[key] ?? 0));
    }
  }
  return merged;
}

interface Pending {
  worker: Worker;
  finish(answer: Envelope | null): void;
}

export class WorkerSet {
  /** Every forked worker still alive. */
  private readonly workers = new Set<Worker>();
  /** The configuration text (base64) the workers run: given to every new worker. */
  private configText = '';
  /** Workers that said ready: only these are asked (a starting worker has no message handler yet). */
  private readonly ready = new Set<Worker>();
  private readonly waiting = new Map<number, Pending>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private nextId = 0;
  /** Workers that died before becoming ready since the last one that did: sets the restart pause. */
  private failedStarts = 0;
  private stopping = false;
  /** Each ready worker's last snapshot: what it leaves behind when it dies. */
  private readonly lastSnapshots = new Map<Worker, StatsSnapshot>();
  /** Merged last snapshots of workers that died, and the listener connections they counted. */
  private departed: StatsSnapshot | null = null;
  private departedListeners = 0;
  private statsServer: StatsServer | null = null;
  private metricsServer: MetricsServer | null = null;

  private constructor(private readonly opts: ProxyOptions) {}

  /** Fork the workers and wait until every one listens; then open the stats and metrics ports. */
  static async start(config: Config, opts: ProxyOptions): Promise<WorkerSet> {
    const set = new WorkerSet(opts);
    set.configText = config.text.toString('base64');
    try {
      await Promise.all(Array.from({ length: opts.workers }, () => set.fork()));
      set.statsServer = await StatsServer.start(opts.statsAddr, opts.statsPort, () => set.snapshot());
      if (opts.metricsPort !== null) {
        set.metricsServer = await MetricsServer.start(opts.metricsAddr, opts.metricsPort, () => set.snapshot(), {
          processInfo: () => set.processInfo(),
        });
      }
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
    // A worker starts from the configuration the others run, not from whatever is on disk now.
    // (Linux caps one environment string at 128 KiB: a larger configuration is read from the file.)
    const worker = cluster.fork(this.configText.length <= MAX_ENV_CONFIG ? { [WORKER_CONFIG_ENV]: this.configText } : {});
    const pid = worker.process.pid ?? 0;
    this.workers.add(worker);
    // A send to a worker whose channel has just closed fails with EPIPE; its 'exit' follows and is
    // handled there, so the error itself is not news (unhandled it would crash the primary).
    worker.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      worker.on('message', (e: Envelope) => {
        if (e.kind === WorkerMessage.ready) {
          this.ready.add(worker);
          this.failedStarts = 0;
          // A replacement starts at the -v level; SIGTTIN/SIGTTOU may have moved it since.
          this.send(worker, { kind: WorkerMessage.logLevel, level: log.level });
          resolve();
        } else if (e.kind === WorkerMessage.startFailed) reject(new Error(e.message));
        else if (e.id !== undefined) this.waiting.get(e.id)?.finish(e);
      });
      worker.on('exit', (code, signal) => {
        const wasReady = this.ready.delete(worker);
        this.workers.delete(worker);
        this.retireSnapshot(worker);
        for (const pending of [...this.waiting.values()]) if (pending.worker === worker) pending.finish(null);
        reject(new Error(`worker ${pid} exited during start-up (${signal ?? code})`));
        if (!this.stopping) this.replace(pid, wasReady, `${signal ?? code}`);
      });
    });
  }

  /**
   * A worker died: keep its counters (as last reported) in the totals, so that summed counters do
   * not go down. What it counted after its last snapshot is lost.
   */
  private retireSnapshot(worker: Worker): void {
    const last = this.lastSnapshots.get(worker);
    this.lastSnapshots.delete(worker);
    if (last === undefined) return;
    this.departed = this.departed === null ? last : mergeSnapshots([this.departed, last]);
    this.departedListeners += last.pools.length;
  }

  private replace(pid: number, wasReady: boolean, how: string): void {
    const delay = wasReady ? 0 : Math.min(RESTART_DELAY.firstMs * 2 ** this.failedStarts, RESTART_DELAY.maxMs);
    if (!wasReady) this.failedStarts++;
    log.error(`worker ${pid} exited (${how}); starting a new one${delay > 0 ? ` in ${delay} msec` : ''}`);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopping) return;
      this.fork().catch((err: Error) => {
        if (!this.stopping) log.error(`replacing worker failed: ${err.message}`);
      });
    }, delay);
    this.restartTimers.add(timer);
  }

  /** Errors go to the callback, not to an 'error' event: a worker going away is handled on 'exit'. */
  private send(worker: Worker, e: Envelope, onError?: () => void): void {
    if (!worker.isConnected()) {
      onError?.();
      return;
    }
    worker.send(e, (err: Error | null) => {
      if (err) onError?.();
    });
  }

  /** Ask every ready worker; answers that do not come in time (or from a worker that died) are left out. */
  private ask(kind: Envelope['kind'], config?: string): Promise<Envelope[]> {
    return this.askEach(kind, config).then((list) => list.map((a) => a.answer));
  }

  private askEach(kind: Envelope['kind'], config?: string): Promise<{ worker: Worker; answer: Envelope }[]> {
    return Promise.all(
      [...this.ready].map(
        (worker) =>
          new Promise<{ worker: Worker; answer: Envelope } | null>((resolve) => {
            const id = ++this.nextId;
            const timer = setTimeout(() => finish(null), ANSWER_TIMEOUT_MS);
            const finish = (e: Envelope | null): void => {
              clearTimeout(timer);
              this.waiting.delete(id);
              resolve(e === null ? null : { worker, answer: e });
            };
            this.waiting.set(id, { worker, finish });
            this.send(worker, { kind, id, config }, () => finish(null));
          }),
      ),
    ).then((list) => list.filter((a): a is { worker: Worker; answer: Envelope } => a !== null));
  }

  async snapshot(): Promise<StatsSnapshot> {
    const answers = await this.askEach(WorkerMessage.snapshot);
    for (const { worker, answer } of answers) if (this.ready.has(worker)) this.lastSnapshots.set(worker, answer.snapshot as StatsSnapshot);
    const live = mergeWorkerSnapshots(answers.map((a) => a.answer.snapshot as StatsSnapshot));
    return this.departed === null ? live : withDeparted(live, this.departed, this.departedListeners);
  }

  /** CPU, memory and descriptors of the whole proxy: this process and every worker. */
  async processInfo(): Promise<ProcessInfo | null> {
    const answers = await this.ask(WorkerMessage.processInfo);
    return mergeProcessInfo([collectProcessInfo(), ...answers.map((a) => a.processInfo as ProcessInfo)]);
  }

  /**
   * The primary reads the file once and hands the same text to every worker, so workers cannot end
   * up on different versions of a file being edited; the text becomes what replacement workers get.
   */
  async reload(): Promise<ReloadResult> {
    let text: string;
    try {
      text = fs.readFileSync(this.opts.confFile).toString('base64');
    } catch (err) {
      return { ok: false, message: `reload of '${this.opts.confFile}' rejected, nothing changed: ${strerror(err)}` };
    }
    const asked = this.ready.size;
    const answers = await this.ask(WorkerMessage.reload, text);
    const results = answers.map((a) => a.result as ReloadResult);
    const ok = results.length === asked && results.every((r) => r.ok);
    if (ok) this.configText = text;
    return { ok, message: (results.find((r) => !r.ok) ?? results[0])?.message ?? 'no worker answered' };
  }

  broadcast(kind: Envelope['kind'], level?: number): void {
    for (const w of this.workers) this.send(w, { kind, level });
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const exits = [...this.workers].map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    for (const w of this.workers) {
      // A ready worker closes its proxy. One still starting cannot read messages yet and serves no
      // one; cutting its channel mid-start makes node print an EPIPE trace, so it is killed instead.
      if (this.ready.has(w)) this.send(w, { kind: WorkerMessage.shutdown }, () => w.process.kill('SIGKILL'));
      else w.process.kill('SIGKILL');
    }
    await Promise.all(exits);
    await this.statsServer?.close();
    await this.metricsServer?.close();
  }
}

/** Worker side, when the configuration cannot be loaded: tell the primary, then exit 1. */
export function reportWorkerStartFailure(message: string): Promise<never> {
  return new Promise(() => {
    const exit = (): void => process.exit(1);
    if (process.send === undefined || !process.connected) exit();
    else process.send({ kind: WorkerMessage.startFailed, message } satisfies Envelope, undefined, undefined, exit);
  });
}

/** Worker side: run the pools, answer the primary, exit when told or when the primary is gone. */
export async function runWorker(config: Config, opts: ProxyOptions): Promise<void> {
  const send = (e: Envelope): void => void process.send?.(e);
  let proxy: Proxy;
  try {
    proxy = await Proxy.start(config, { ...opts, listenStats: false });
  } catch (err) {
    return reportWorkerStartFailure((err as Error).message);
  }
  // The primary coordinates shutdown; a Ctrl-C reaching the whole process group must not
  // kill workers before the primary has said so.
  // Log and level signals are handled by the primary and relayed (SIGTTIN/SIGTTOU would otherwise
  // stop the process, SIGHUP kill it).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => undefined);
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), WORKER_EXIT_GRACE_MS).unref();
    void proxy.close().then(() => process.exit(0));
  };
  // Primary gone (node's cluster code also exits a worker whose channel closes unexpectedly).
  process.on('disconnect', shutdown);
  process.on('message', (e: Envelope) => {
    switch (e.kind) {
      case WorkerMessage.snapshot:
        send({ kind: WorkerMessage.snapshot, id: e.id, snapshot: proxy.snapshot() });
        break;
      case WorkerMessage.processInfo:
        send({ kind: WorkerMessage.processInfo, id: e.id, processInfo: collectProcessInfo() });
        break;
      case WorkerMessage.reload:
        void proxy.reload(e.config === undefined ? undefined : Buffer.from(e.config, 'base64')).then((result) => send({ kind: WorkerMessage.reloaded, id: e.id, result }));
        break;
      case WorkerMessage.logReopen:
        log.reopen();
        break;
      case WorkerMessage.logLevel:
        log.level = e.level ?? log.level;
        break;
      case WorkerMessage.shutdown:
        shutdown();
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
  const set = await WorkerSet.start(config, opts);
  return {
    close: () => set.close(),
    reload: () => set.reload(),
    logChanged: () => {
      set.broadcast(WorkerMessage.logReopen);
      set.broadcast(WorkerMessage.logLevel, log.level);
    },
  };
}
