// One backend server of a pool: its connections (up to server_connections, used round-robin),
// its stats, and its health — consecutive failures, ejection, and the background probe that
// lets an ejected server back in (spec §8.2, §8.4; the probe is our improvement).

import type { ServerConfig } from '../config/types';
import { Histogram } from '../stats/histogram';
import { newServerStats, type ServerStats } from '../stats/metrics';
import { ServerConn } from './server-conn';
import type { ServerPool } from './server-pool';
import type { Msg } from './msg';

export class Server {
  readonly stats: ServerStats = newServerStats();
  /** Response time: request written → reply read (only observed with metrics enabled). */
  readonly latency = new Histogram();
  private readonly conns: ServerConn[] = [];
  private next = 0;
  /** Consecutive failures (connection closes) since the last good reply. */
  failures = 0;
  /** Out of the ring until a probe succeeds. */
  ejected = false;
  /** Coarse-clock ms when the next probe of an ejected server is due. */
  retryAt = 0;
  /** A probe is in progress. */
  probing = false;

  constructor(
    readonly pool: ServerPool,
    public config: ServerConfig,
  ) {}

  get connectionCount(): number {
    return this.conns.length;
  }

  /** Queue a request on one of this server's connections, opening one while under the limit. */
  send(msg: Msg, now: number): void {
    let conn: ServerConn;
    if (this.conns.length < this.pool.config.serverConnections) {
      conn = new ServerConn(this);
      this.conns.push(conn);
    } else {
      conn = this.conns[this.next++ % this.conns.length];
    }
    conn.enqueue(msg, now);
  }

  /** Open one connection now (preconnect). */
  preconnect(): void {
    if (this.conns.length === 0) this.conns.push(new ServerConn(this));
  }

  /** Any good reply proves the server works: failures are counted consecutively (spec §8.4). */
  onReplyOk(): void {
    this.failures = 0;
  }

  onConnClosed(conn: ServerConn, failed: boolean): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    if (failed) this.pool.onServerFailure(this);
  }

  /** Time out overdue requests; returns true while any connection still has requests outstanding. */
  checkTimeouts(now: number): boolean {
    let outstanding = false;
    // Backwards: a connection that times out removes itself from the list.
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const conn = this.conns[i];
      conn.checkTimeout(now);
      if (!conn.isClosed && conn.outstanding > 0) outstanding = true;
    }
    return outstanding;
  }

  /** Close every connection without counting failures (shutdown, reload). Requests fail with `err`. */
  closeAll(): void {
    for (const conn of [...this.conns]) conn.close('ECONNRESET', null);
  }

  /** Close connections that have nothing outstanding; returns how many remain busy. */
  closeIdle(): number {
    for (const conn of [...this.conns]) if (conn.outstanding === 0) conn.close('ECONNRESET', null);
    return this.conns.length;
  }
}
