// A server pool: one listener, its client connections, its servers and the placement that maps
// keys to servers. It routes each request (whole, or split into fragments), counts failures and
// ejects / readmits servers (spec §5.6, §8.4).

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { PoolConfig, ServerConfig } from '../config/types';
import { Placement } from '../distribution/placement';
import type { Protocol } from '../protocol/types';
import { Histogram } from '../stats/histogram';
import { newPoolStats, type PoolStats } from '../stats/metrics';
import { addTicker, removeTicker, wake, type Ticker } from './clock';
import { ClientConn } from './client-conn';
import { takeOverAccepts, toSocket, type AcceptedHandle } from './client-stream';
import { MsgAction, type Msg } from './msg';
import { failMsg } from './msg-owner';
import { DEFAULT_PROBE_TIMEOUT_MS, probeServer } from './probe';
import { protocolFor } from './protocols';
import { Server } from './server';

/** The logger methods a pool may call through its proxy. */
export type ProxyLogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug';

/** What a pool needs from the proxy that owns it. */
export interface ProxyContext {
  readonly mbufSize: number;
  readonly metricsEnabled: boolean;
  connectionOpened(): void;
  connectionClosed(): void;
  nextClientId(): number;
  describe(pool: PoolConfig): string;
  log(level: ProxyLogLevel, message: string): void;
}

export class ServerPool implements Ticker {
  readonly stats: PoolStats = newPoolStats();
  readonly latency = new Histogram();
  readonly protocol: Protocol;
  /** Replaced as a whole on reload; requests in flight keep their Server objects. */
  servers: Server[];
  /** Servers dropped by a reload, closed once their connections are idle. */
  private retiring: Server[] = [];
  readonly clients = new Set<ClientConn>();
  private placement: Placement;
  private listener: net.Server | null = null;
  private ticking = false;
  /** Probes in flight, abandoned by close() (each holds a socket and a timer). */
  private readonly probes = new Set<() => void>();
  /** Routing function handed to protocol.split: bound once, not per request. */
  readonly serverOf = (buf: Buffer, start: number, end: number): number => this.placement.serverFor(buf, start, end);

  constructor(
    readonly proxy: ProxyContext,
    public config: PoolConfig,
  ) {
    this.protocol = protocolFor(config);
    this.servers = config.servers.map((s) => new Server(this, s));
    this.placement = newPlacement(config);
    this.updateTicker();
  }

  /**
   * Apply a new configuration of this pool in place (reload): same listener and clients; servers
   * whose name and address are unchanged keep their connections, stats and health (connections are
   * renewed, stats and health kept, when redis_auth/redis_db change); the rest start fresh. The
   * next request routes with the new servers and placement; requests in flight finish on the old
   * ones. Returns a short description of what changed.
   */
  reconfigure(next: PoolConfig): string {
    const unchanged = sameConfig(this.config, next);
    // Connections set up with the old AUTH / SELECT cannot serve the new settings: the servers go on
    // (stats, health) but with new connections, while the old ones finish what they have in flight.
    const renew = !sameBytes(this.protocol.connectRequests(this.config), this.protocol.connectRequests(next));
    const old = new Map(this.servers.map((s) => [serverKey(s.config), s]));
    const renewed: Server[] = [];
    const added: string[] = [];
    const servers = next.servers.map((sc) => {
      const kept = old.get(serverKey(sc));
      old.delete(serverKey(sc));
      if (kept === undefined) {
        added.push(sc.name);
        return new Server(this, sc);
      }
      if (renew) {
        renewed.push(kept);
        return successor(this, kept, sc);
      }
      kept.config = sc;
      return kept;
    });
    const removed = [...old.values()];
    this.config = next;
    this.servers = servers;
    this.placement = newPlacement(next);
    this.rebuildPlacement();
    this.retiring.push(...removed, ...renewed);
    this.retireIdle();
    this.updateTicker();
    const parts: string[] = [];
    if (added.length) parts.push(`added ${added.join(', ')}`);
    if (removed.length) parts.push(`removed ${removed.map((s) => s.config.name).join(', ')}`);
    if (renew) parts.push('server connections renewed for the new redis_auth/redis_db');
    if (parts.length === 0) parts.push(unchanged ? 'unchanged' : 'settings updated');
    return parts.join('; ');
  }

  private retireIdle(): void {
    this.retiring = this.retiring.filter((s) => s.closeIdle() > 0);
  }

  private updateTicker(): void {
    const want = this.config.timeout > 0 || this.config.autoEjectHosts || this.retiring.length > 0;
    if (want && !this.ticking) addTicker(this);
    if (want) wake(); // e.g. servers to retire: the clock may have stopped for want of work
    if (!want && this.ticking) removeTicker(this);
    this.ticking = want;
  }

  get name(): string {
    return this.config.name;
  }

  log(message: string): void {
    this.proxy.log('info', `pool '${this.config.name}': ${message}`);
  }

  /** Bind the listener. Rejects with a message naming the address on failure. */
  listen(): Promise<void> {
    const cfg = this.config;
    // Accepted connections arrive as bare handles (client-stream.ts): net.Server only binds and closes.
    const server = net.createServer();
    this.listener = server;
    const addr = cfg.listen;
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`bind on pool '${cfg.name}' to addr '${addr.raw}' failed: ${err.message}`)));
      const onListening = (): void => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.proxy.log('error', `listener of pool '${cfg.name}': ${err.message}`));
        takeOverAccepts(server, true, (handle) => this.accept(handle));
        if (addr.path !== null && addr.perm > 0) {
          try {
            fs.chmodSync(addr.path, addr.perm);
          } catch (err) {
            reject(new Error(`chmod on addr '${addr.raw}' failed: ${(err as Error).message}`));
            return;
          }
        }
        resolve();
      };
      if (addr.path !== null) {
        try {
          fs.unlinkSync(addr.path);
        } catch {
          // nothing there: fine (nutcracker ignores unlink errors too)
        }
        server.listen({ path: addr.path, backlog: cfg.backlog }, onListening);
      } else {
        server.listen({ host: addr.host, port: addr.port, backlog: cfg.backlog }, onListening);
      }
    });
  }

  /** The bound TCP port (useful when listening on port 0). */
  get port(): number {
    const a = this.listener?.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  private accept(handle: AcceptedHandle): void {
    const limit = this.config.clientConnections;
    if (limit > 0 && this.clients.size >= limit) {
      const socket = toSocket(handle);
      // nutcracker ignores client_connections; we enforce it with a reply the client can read.
      this.proxy.log('warn', `pool '${this.config.name}': client_connections limit ${limit} reached, refusing ${socket.remoteAddress ?? 'unix'}`);
      socket.on('error', () => {});
      // Read and drop what it sends (closing with unread input would reset the connection and lose
      // the reply), and destroy once the reply and FIN are out: with allowHalfOpen the socket would
      // otherwise stay open until the client closes its side, holding an fd past the limit (found by
      // test/integration/liveness).
      socket.resume();
      socket.end(this.protocol.errorReply('EMAXCLIENTS'), () => socket.destroy());
      return;
    }
    // tcpkeepalive is applied by ClientConn from the current config: a reload that changes it keeps
    // the listener, and the next clients must get the new setting.
    const client = new ClientConn(this, handle);
    this.clients.add(client);
  }

  /** Send a scanned request towards its server(s). */
  route(msg: Msg, now: number): void {
    if (msg.action === MsgAction.split) {
      const frags = this.protocol.split(msg, this.serverOf);
      this.stats.fragments += frags.length;
      for (let i = 0; i < frags.length; i++) {
        const frag = frags[i];
        if (frag.server < 0) failMsg(frag, 'ECONNREFUSED', this.protocol);
        else this.servers[frag.server].send(frag, now);
      }
      return;
    }
    const idx = this.placement.serverFor(msg.keyIn as Buffer, msg.keyStart, msg.keyEnd);
    if (idx < 0) failMsg(msg, 'ECONNREFUSED', this.protocol); // every server ejected (spec §5.6)
    else this.servers[idx].send(msg, now);
  }

  /** A server connection closed on a failure: count it, eject when over the limit (spec §8.4). */
  onServerFailure(server: Server): void {
    // A server dropped by a reload is no longer in the ring: its failures eject nothing.
    if (!this.servers.includes(server)) return;
    server.failures++;
    const cfg = this.config;
    if (!cfg.autoEjectHosts || server.ejected) return;
    if (server.failures < Math.max(1, cfg.serverFailureLimit)) return;
    server.failures = 0;
    server.ejected = true;
    server.retryAt = performance.now() + cfg.serverRetryTimeout;
    server.stats.server_ejected_at = Date.now() * 1000;
    this.stats.server_ejects++;
    this.rebuildPlacement();
    wake(); // probes are due on the clock
    this.proxy.log('warn', `pool '${cfg.name}': server '${server.config.name}' ejected after ${Math.max(1, cfg.serverFailureLimit)} failure(s); probing every ${cfg.serverRetryTimeout} ms`);
  }

  private rebuildPlacement(): void {
    this.placement.setLive(this.servers.map((s) => !s.ejected));
  }

  tick(now: number): boolean {
    let busy = false;
    if (this.retiring.length > 0) {
      for (const s of this.retiring) s.checkTimeouts(now);
      this.retireIdle();
      if (this.retiring.length === 0) this.updateTicker();
      else busy = true;
    }
    for (let i = 0; i < this.servers.length; i++) {
      const server = this.servers[i];
      if (server.checkTimeouts(now)) busy = true;
      if (server.ejected) {
        busy = true; // waiting to be probed
        if (!server.probing && now >= server.retryAt) this.probe(server);
      }
    }
    return busy;
  }

  /** Readmit an ejected server only once it answers a probe; client requests are never probes. */
  private probe(server: Server): void {
    server.probing = true;
    const timeout = this.config.timeout > 0 ? this.config.timeout : DEFAULT_PROBE_TIMEOUT_MS;
    const abandon = probeServer(server.config.address, this.protocol, timeout, (ok) => {
      this.probes.delete(abandon);
      server.probing = false;
      if (!server.ejected) return;
      if (ok) {
        server.ejected = false;
        server.failures = 0;
        this.rebuildPlacement();
        this.proxy.log('notice', `pool '${this.config.name}': server '${server.config.name}' answered a probe and is back in the ring`);
      } else {
        server.retryAt = performance.now() + this.config.serverRetryTimeout;
      }
    });
    this.probes.add(abandon);
  }

  /**
   * Close the listener only (its address is about to be reused); clients stay. Not waiting for
   * net.Server's close callback is deliberate: it fires only once every accepted connection has
   * closed, while the listening socket itself is released at once.
   */
  stopListening(): void {
    const listener = this.listener;
    this.listener = null;
    listener?.close();
  }

  /**
   * Stop accepting; let every client finish what it has in flight and close (reload). Clients still
   * open after `graceMs` (e.g. one that never closes its side after our FIN) are closed.
   */
  async retire(graceMs: number): Promise<void> {
    this.stopListening();
    for (const c of this.clients) c.closeWhenIdle();
    const deadline = performance.now() + graceMs;
    while (this.clients.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.clients.size > 0) this.log(`removed by a reload: closing ${this.clients.size} client(s) still open after ${graceMs} ms`);
    await this.close();
  }

  preconnect(): void {
    if (this.config.preconnect) for (const s of this.servers) s.preconnect();
  }

  /** Stop accepting; close clients and server connections. */
  async close(): Promise<void> {
    if (this.ticking) removeTicker(this);
    this.ticking = false;
    const listener = this.listener;
    this.listener = null;
    for (const c of [...this.clients]) c.destroy();
    for (const abandon of this.probes) abandon();
    this.probes.clear();
    for (const s of this.servers) s.closeAll();
    for (const s of this.retiring) s.closeAll();
    this.retiring = [];
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

/**
 * The Server that replaces `old` when its connections must be renewed: a new object (so it opens its
 * own connections) that shares `old`'s stats and latency objects and takes over its health. Sharing
 * the stats keeps the gauges exact while the old connections drain (they decrement the same
 * counters the new ones increment) and lets the counters carry on across the reload.
 */
function successor(pool: ServerPool, old: Server, config: ServerConfig): Server {
  const s = new Server(pool, config);
  // `stats` and `latency` are readonly to everyone else; this hand-over is the one exception.
  const shared = s as unknown as { stats: Server['stats']; latency: Server['latency'] };
  shared.stats = old.stats;
  shared.latency = old.latency;
  s.failures = old.failures;
  s.ejected = old.ejected;
  s.retryAt = old.retryAt;
  return s;
}

function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i]));
}

function newPlacement(config: PoolConfig): Placement {
  return new Placement({ hash: config.hash, distribution: config.distribution, hashTag: config.hashTag, servers: config.servers });
}

/** Servers are the same across a reload when name and address are. */
function serverKey(s: ServerConfig): string {
  return `${s.name}\u0000${s.address.raw}`;
}

function sameConfig(a: PoolConfig, b: PoolConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
