// The validated configuration: what the rest of the proxy reads. Produced only by config/load.ts.
// Pools and servers are already in nutcracker's order (name length, then bytes; spec §2.7),
// because that order decides key placement.

import type { HashName } from '../hashing/index';
import type { DistributionName } from '../distribution/index';

/** Where a pool listens or a server lives: TCP host:port or a Unix socket path. */
export interface Address {
  /** The text as written in the file (nutcracker's `pname` for servers, `listen` for pools). */
  raw: string;
  /** Unix socket path, or null for TCP. */
  path: string | null;
  /**
   * TCP only ('' for Unix sockets). For a pool's `listen`: the address the host resolved to at load
   * time (what to bind, as nutcracker). For a server: the host as written (resolved per connection).
   */
  host: string;
  /** TCP only (0 for Unix sockets). */
  port: number;
  /** Unix listen only: octal permission to chmod the socket to, 0 = leave alone. */
  perm: number;
}

export interface ServerConfig {
  /** Name used for ketama points, stats keys and duplicate detection (spec §2.5 rule 6). */
  name: string;
  address: Address;
  weight: number;
}

export interface PoolConfig {
  name: string;
  listen: Address;
  hash: HashName;
  /** Two bytes, or null when not configured. */
  hashTag: Buffer | null;
  distribution: DistributionName;
  /** Per-request server timeout in ms; 0 = wait forever. */
  timeout: number;
  backlog: number;
  /** Max client connections for this pool; 0 = unlimited (nutcracker ignores it; we enforce it). */
  clientConnections: number;
  redis: boolean;
  redisAuth: string | null;
  redisDb: number;
  preconnect: boolean;
  autoEjectHosts: boolean;
  serverConnections: number;
  serverRetryTimeout: number;
  serverFailureLimit: number;
  tcpkeepalive: boolean;
  reuseport: boolean;
  /** Sorted by name (length first, then bytes). */
  servers: ServerConfig[];
}

export interface Config {
  /** Absolute path of the file this came from. */
  file: string;
  /** The file's bytes as validated (worker processes are handed exactly this). */
  text: Buffer;
  /** Sorted by pool name (length first, then bytes). */
  pools: PoolConfig[];
}
