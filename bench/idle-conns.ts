// The "many mostly idle connections" load: opens N TCP connections to a redis endpoint, then for D
// seconds sends each of them one `GET idle:<n>` per second (spread evenly over the second, so the
// proxy sees a steady trickle instead of a burst) and records each round-trip time. The caller samples
// the proxy's RSS meanwhile. Connections are opened a batch at a time so the listen backlog of the
// proxy under test is not what gets measured.

import { connect, type Socket } from 'node:net';

export interface IdleConnsOptions {
  host: string;
  port: number;
  connections: number;
  seconds: number;
  /** Called once every connection is open, before the trickle starts (the caller's RSS baseline). */
  onConnected?: () => void;
}

export interface IdleConnsResult {
  connections: number;
  /** Connections that failed to open or broke during the run. */
  failed: number;
  requests: number;
  /** Requests whose reply came back (the latency sample size). */
  answered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const CONNECT_BATCH = 50;
const TICK_MS = 10;
const CONNECT_TIMEOUT_MS = 5000;

/** A redis reply is complete: one CRLF line, or a `$len` header plus len bytes and CRLF. */
function replyComplete(buf: Buffer): boolean {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return false;
  if (buf[0] !== 0x24 /* $ */) return true;
  const len = Number(buf.subarray(1, eol).toString('latin1'));
  return len < 0 || buf.length >= eol + 2 + len + 2;
}

interface Conn {
  sock: Socket;
  request: Buffer;
  sentAt: bigint;
  pending: Buffer | null;
  broken: boolean;
}

function openConn(host: string, port: number, index: number, onReply: (c: Conn) => void): Promise<Conn | null> {
  return new Promise((resolve) => {
    const key = `idle:${index}`;
    const request = Buffer.from(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`);
    const sock = connect({ host, port });
    const conn: Conn = { sock, request, sentAt: 0n, pending: null, broken: false };
    const fail = (): void => {
      conn.broken = true;
      sock.destroy();
      resolve(null);
    };
    sock.setTimeout(CONNECT_TIMEOUT_MS, fail);
    sock.once('error', fail);
    sock.once('connect', () => {
      sock.setTimeout(0);
      sock.removeListener('error', fail);
      sock.on('error', () => (conn.broken = true));
      sock.on('close', () => (conn.broken = true));
      sock.on('data', (chunk: Buffer) => {
        conn.pending = conn.pending === null ? chunk : Buffer.concat([conn.pending, chunk]);
        if (replyComplete(conn.pending)) {
          conn.pending = null;
          onReply(conn);
        }
      });
      resolve(conn);
    });
  });
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

export async function idleConns(opts: IdleConnsOptions): Promise<IdleConnsResult> {
  const latencies: number[] = [];
  const inFlight = new Set<Conn>();
  const onReply = (c: Conn): void => {
    if (!inFlight.delete(c)) return;
    latencies.push(Number(process.hrtime.bigint() - c.sentAt) / 1e6);
  };

  const conns: Conn[] = [];
  let failed = 0;
  for (let i = 0; i < opts.connections; i += CONNECT_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(opts.connections, i + CONNECT_BATCH); j++) batch.push(openConn(opts.host, opts.port, j, onReply));
    for (const c of await Promise.all(batch)) {
      if (c === null) failed++;
      else conns.push(c);
    }
  }
  opts.onConnected?.();

  // Each tick sends to the next slice of connections; over one second every connection gets one turn.
  const perTick = Math.max(1, Math.ceil((conns.length * TICK_MS) / 1000));
  const ticks = Math.round((opts.seconds * 1000) / TICK_MS);
  let next = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    let tick = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < perTick && conns.length > 0; k++) {
        const c = conns[next];
        next = (next + 1) % conns.length;
        if (c.broken || inFlight.has(c)) continue;
        c.sentAt = process.hrtime.bigint();
        inFlight.add(c);
        c.sock.write(c.request);
        sent++;
      }
      if (++tick >= ticks) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  // Let the last requests come back (bounded: a stuck reply counts as missing, not as a hang).
  const deadline = Date.now() + 2000;
  while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const broken = conns.filter((c) => c.broken).length;
  for (const c of conns) c.sock.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    connections: conns.length,
    failed: failed + broken,
    requests: sent,
    answered: latencies.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : 0,
  };
}
