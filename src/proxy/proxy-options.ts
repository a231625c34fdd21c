// What a proxy is started with besides its configuration file, and the defaults: nutcracker's
// (spec §3.1). The command line's option table takes its defaults from here, so they are written once.

import { MBUF_SIZE } from '../config/mbuf-size';

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
  /** Bind the stats/metrics ports here (false in a worker process: the primary serves them). */
  listenStats?: boolean;
  /**
   * How long a pool removed by a reload waits for its clients to take their last replies and close;
   * then it closes the rest (a client that ignores our FIN would otherwise keep it forever).
   */
  retireGraceMs?: number;
}

export const DEFAULT_PROXY_OPTIONS: Readonly<Required<ProxyOptions>> = {
  mbufSize: MBUF_SIZE.default,
  statsPort: 22222,
  statsAddr: '0.0.0.0',
  statsInterval: 30000,
  metricsPort: null,
  metricsAddr: '0.0.0.0',
  workers: 1,
  confFile: 'conf/nutcracker.yml',
  listenStats: true,
  retireGraceMs: 30_000,
};
