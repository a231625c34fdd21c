// The proxy: every pool of a configuration, the stats listener and the optional Prometheus
// endpoint, plus the process-wide connection counters. `Proxy.start` is what the CLI calls;
// tests call it in-process.

import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig, checkConfigText } from '../config/load';
import type { Config, PoolConfig } from '../config/types';
import { VERSION } from '../cli/version';
import { log } from '../log/logger';
import { MetricsServer } from '../stats/metrics-server';
import type { StatsSnapshot, StatsSource } from '../stats/snapshot';
import { StatsServer } from '../stats/stats-server';
import { DEFAULT_PROXY_OPTIONS, type ProxyOptions } from './proxy-options';
import { ServerPool, type ProxyContext, type ProxyLogLevel } from './server-pool';

export { DEFAULT_PROXY_OPTIONS, type ProxyOptions } from './proxy-options';

export class Proxy implements ProxyContext, StatsSource {
  readonly pools: ServerPool[] = [];
  readonly mbufSize: number;
  readonly metricsEnabled: boolean;
  readonly startedAt = Date.now();
  totalConnections = 0;
  currConnections = 0;
  private clientIds = 0;
  /** Reload outcomes, exported as Prometheus gauges (the stats JSON keeps nutcracker's shape). */
  private readonly reloads = { total: 0, failed: 0, lastOk: true, loadedAt: Date.now() };
  /** The reload in progress (resolved when none): reloads run one after another. */
  private reloadQueue: Promise<void> = Promise.resolve();
  /** Pools removed by a reload, closing once their clients have their replies. */
  private readonly retiring = new Set<ServerPool>();
  private statsServer: StatsServer | null = null;
  private metricsServer: MetricsServer | null = null;

  private constructor(
    private config: Config,
    readonly options: ProxyOptions,
  ) {
    this.mbufSize = options.mbufSize;
    this.metricsEnabled = options.metricsPort !== null;
  }

  /** Bind every listener; on any failure close what was opened and reject with a clear message. */
  static async start(config: Config, opts: Partial<ProxyOptions> = {}): Promise<Proxy> {
    const proxy = new Proxy(config, { ...DEFAULT_PROXY_OPTIONS, ...opts });
    try {
      await proxy.open();
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  private async open(): Promise<void> {
    const o = this.options;
    if (o.listenStats !== false) this.statsServer = await StatsServer.start(o.statsAddr, o.statsPort, () => this.snapshot(), { startTime: this.startedAt });
    if (o.listenStats !== false && o.metricsPort !== null) this.metricsServer = await MetricsServer.start(o.metricsAddr, o.metricsPort, () => this.snapshot());
    for (const pc of this.config.pools) {
      const pool = new ServerPool(this, pc);
      this.pools.push(pool);
      pool.preconnect();
      await pool.listen();
      this.connectionOpened(); // the listener counts as a connection in nutcracker's stats
    }
  }

  get statsPort(): number {
    return this.statsServer?.port ?? 0;
  }

  get metricsPort(): number {
    return this.metricsServer?.port ?? 0;
  }

  /** Port a pool listens on, by pool name (useful with port 0 in tests). */
  poolPort(name: string): number {
    return this.pools.find((p) => p.name === name)?.port ?? 0;
  }

  connectionOpened(): void {
    this.totalConnections++;
    this.currConnections++;
  }

  connectionClosed(): void {
    this.currConnections--;
  }

  nextClientId(): number {
    return ++this.clientIds;
  }

  describe(pool: PoolConfig): string {
    const uptime = Math.floor((Date.now() - this.startedAt) / 1000);
    return [
      `proxy:twemproxy-ts`,
      `proxy_version:${VERSION}`,
      `pool:${pool.name}`,
      `pool_servers:${pool.servers.length}`,
      `uptime_in_seconds:${uptime}`,
      `process_id:${process.pid}`,
      `os:${os.type()} ${os.release()} ${os.arch()}`,
    ].join('\r\n');
  }

  log(level: ProxyLogLevel, message: string): void {
    log[level](message);
  }

  snapshot(): StatsSnapshot {
    return {
      totalConnections: this.totalConnections,
      currConnections: this.currConnections,
      pools: this.pools.map((p) => ({
        name: p.name,
        stats: { ...p.stats },
        latency: p.latency.toJSON(),
        servers: p.servers.map((s) => ({ name: s.config.name, stats: { ...s.stats }, ejected: s.ejected, latency: s.latency.toJSON() })),
      })),
      extra: {
        config_reloads_total: this.reloads.total,
        config_reload_failures_total: this.reloads.failed,
        config_last_reload_successful: this.reloads.lastOk ? 1 : 0,
        config_last_load_timestamp_seconds: Math.floor(this.reloads.loadedAt / 1000),
      },
    };
  }

  async close(): Promise<void> {
    // Pools removed by a reload that still wait for their clients are closed with the rest.
    await Promise.all([...this.pools, ...this.retiring].map((p) => p.close()));
    this.retiring.clear();
    this.pools.length = 0;
    await this.statsServer?.close();
    await this.metricsServer?.close();
    this.statsServer = null;
    this.metricsServer = null;
  }

  /**
   * Re-read the configuration file and apply it without a restart. An invalid file changes nothing.
   * Pools keep their listener and clients when their `listen` (and protocol) is unchanged and are
   * reconfigured in place; new pools are bound first (a failed bind rejects the whole reload);
   * removed pools stop accepting and close their clients once their requests are answered.
   * `text` (from the primary, with --workers) is used instead of reading the file.
   */
  reload(text?: Buffer): Promise<ReloadResult> {
    // One at a time: a reload awaits binds, and a second one must see the first one's result.
    const run = this.reloadQueue.then(() => this.reloadNow(text));
    this.reloadQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async reloadNow(text: Buffer | undefined): Promise<ReloadResult> {
    const file = this.options.confFile;
    const { config, problems } = text === undefined ? checkConfig(file) : checkConfigText(text, file, path.resolve(file));
    if (config === null) return this.reloadDone(false, `reload of '${file}' rejected, nothing changed: ${problems.map((p) => p.message).join('; ')}`);

    const current = new Map(this.pools.map((p) => [p.config.listen.raw, p]));
    const kept = new Map<PoolConfig, ServerPool>();
    const fresh: PoolConfig[] = [];
    const replaced: ServerPool[] = [];
    for (const pc of config.pools) {
      const pool = current.get(pc.listen.raw);
      if (pool !== undefined && pool.config.redis === pc.redis) kept.set(pc, pool);
      else {
        fresh.push(pc);
        if (pool !== undefined) replaced.push(pool); // same address, other protocol: a new pool
      }
      current.delete(pc.listen.raw);
    }
    const removed = [...current.values(), ...replaced];

    // Bind new pools before touching anything; a pool on an address being freed binds after it is.
    // Listeners count as connections (and servers are preconnected) only once the reload is certain.
    const opened = new Map<PoolConfig, ServerPool>();
    const unbound: ServerPool[] = [];
    try {
      for (const pc of fresh) {
        const old = replaced.find((p) => p.config.listen.raw === pc.listen.raw);
        if (old !== undefined) {
          old.stopListening();
          unbound.push(old);
        }
        const pool = new ServerPool(this, pc);
        opened.set(pc, pool);
        await pool.listen();
      }
    } catch (err) {
      for (const pool of opened.values()) await pool.close();
      // Only the pools whose listener was closed above bind again (listen() replaces the listener).
      for (const pool of unbound) await pool.listen().catch((e: Error) => log.error(`reload rollback: ${e.message}`));
      return this.reloadDone(false, `reload of '${file}' rejected, nothing changed: ${(err as Error).message}`);
    }
    for (const pool of opened.values()) {
      pool.preconnect();
      this.connectionOpened();
    }

    const changes: string[] = [];
    for (const [pc, pool] of kept) {
      const what = pool.reconfigure(pc);
      changes.push(`pool '${pc.name}' ${what}`);
    }
    for (const pc of fresh) changes.push(`pool '${pc.name}' added on ${pc.listen.raw}`);
    for (const pool of removed) {
      changes.push(`pool '${pool.name}' removed`);
      this.connectionClosed();
      this.retiring.add(pool);
      void pool.retire(this.options.retireGraceMs ?? DEFAULT_PROXY_OPTIONS.retireGraceMs).finally(() => this.retiring.delete(pool));
    }
    this.pools.length = 0;
    for (const pc of config.pools) this.pools.push(kept.get(pc) ?? (opened.get(pc) as ServerPool));
    this.config = config;
    return this.reloadDone(true, `reload of '${file}' applied: ${changes.join('; ') || 'no changes'}`);
  }

  private reloadDone(ok: boolean, message: string): ReloadResult {
    this.reloads.total++;
    if (!ok) this.reloads.failed++;
    this.reloads.lastOk = ok;
    if (ok) this.reloads.loadedAt = Date.now();
    if (ok) log.notice(message);
    else log.error(message);
    return { ok, message };
  }
}

export interface ReloadResult {
  ok: boolean;
  message: string;
}
