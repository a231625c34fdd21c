// The proxy: every pool of a configuration, the stats listener and the optional Prometheus
// endpoint, plus the process-wide connection counters. `Proxy.start` is what the CLI calls;
// tests call it in-process.

import * as os from 'node:os';
import type { Config, PoolConfig } from '../config/types';
import { VERSION } from '../cli/version';
import { log } from '../log/logger';
import { MetricsServer } from '../stats/metrics-server';
import type { StatsSnapshot, StatsSource } from '../stats/snapshot';
import { StatsServer } from '../stats/stats-server';
import { ServerPool, type ProxyContext } from './server-pool';

export interface ProxyOptions {
  /** nutcracker's -m: limits key length for Redis (key < mbufSize − 48). */
  mbufSize: number;
  statsPort: number;
  statsAddr: string;
  statsInterval: number;
  /** Prometheus endpoint port, or null for none. */
  metricsPort: number | null;
  metricsAddr: string;
  workers: number;
  /** The configuration file, re-read on reload. */
  confFile: string;
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = {
  mbufSize: 16384,
  statsPort: 22222,
  statsAddr: '0.0.0.0',
  statsInterval: 30000,
  metricsPort: null,
  metricsAddr: '0.0.0.0',
  workers: 1,
  confFile: 'conf/nutcracker.yml',
};

export class Proxy implements ProxyContext, StatsSource {
  readonly pools: ServerPool[] = [];
  readonly mbufSize: number;
  readonly metricsEnabled: boolean;
  readonly startedAt = Date.now();
  totalConnections = 0;
  currConnections = 0;
  private clientIds = 0;
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
    this.statsServer = await StatsServer.start(o.statsAddr, o.statsPort, () => this.snapshot(), { startTime: this.startedAt });
    if (o.metricsPort !== null) this.metricsServer = await MetricsServer.start(o.metricsAddr, o.metricsPort, () => this.snapshot());
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

  log(level: 'error' | 'warn' | 'notice' | 'info' | 'debug', message: string): void {
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
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
    this.pools.length = 0;
    await this.statsServer?.close();
    await this.metricsServer?.close();
    this.statsServer = null;
    this.metricsServer = null;
  }

  /** Re-read the configuration file and apply it (see reload.ts). */
  async reload(): Promise<{ ok: boolean; message: string }> {
    return { ok: false, message: 'reload is not available yet' };
  }
}
