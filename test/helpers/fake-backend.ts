// A scriptable TCP server standing in for redis/memcached in fault-injection tests. It frames the
// requests it receives (frame-length.ts), records them, and reacts per request according to its mode:
// silent (hang), close-mid-reply, drip (one byte per tick), error, answer (canned reply), reset (RST).
// The mode can change while connections are open, so one test can script "fails, then recovers".

import { createServer, type Server, type Socket } from 'node:net';
import { frameLength, type WireProtocol } from './frame-length';

/** What the fake does with each complete request it receives. */
export const FAKE_MODES = {
  silent: 'accept and read, never answer',
  'close-mid-reply': 'send the first part of the reply, then close (FIN)',
  drip: 'send the reply one byte at a time, dripDelayMs apart',
  error: 'answer every request with the error line',
  answer: 'answer every request with the canned reply',
  reset: 'reset the connection (RST) on the first request',
} as const;

export type FakeMode = keyof typeof FAKE_MODES;

export type CannedReply = Buffer | string | ((request: Buffer, index: number) => Buffer | string);

export interface FakeBehaviour {
  mode: FakeMode;
  /** Reply for answer / drip / close-mid-reply; a function gets the request and its index (all connections). */
  reply?: CannedReply;
  /** error mode: the line to send (CRLF is added if missing). */
  error?: string;
  /** close-mid-reply: bytes of the reply sent before closing; default half of it. */
  cutAfter?: number;
  /** drip: milliseconds between bytes; default 5. */
  dripDelayMs?: number;
}

export interface FakeBackendOptions extends FakeBehaviour {
  /** How requests are framed; default 'redis'. */
  protocol?: WireProtocol;
  /** Listen on this port (e.g. to come back where a previous fake was); default: a free one. */
  port?: number;
}

export interface FakeBackend {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Every complete request received, in arrival order, over all connections. */
  readonly requests: readonly Buffer[];
  /** Every byte received, over all connections, in arrival order. */
  readonly received: Buffer;
  /** Connections accepted so far, and currently open. */
  readonly connections: number;
  readonly open: number;
  setBehaviour(behaviour: FakeBehaviour): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<readonly Buffer[]>;
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  /** Resolve once `ready()` holds; re-checked whenever a connection opens/closes or a request arrives. */
  waitUntil(what: string, ready: () => boolean, timeoutMs?: number): Promise<void>;
  /** Close every open connection from the server side (FIN), keep listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY: Record<WireProtocol, string> = {
  redis: '$10\r\n0123456789\r\n',
  memcache: 'VALUE key 0 10\r\n0123456789\r\nEND\r\n',
};
const DEFAULT_ERROR: Record<WireProtocol, string> = {
  redis: '-ERR fake backend error',
  memcache: 'SERVER_ERROR fake backend error',
};

class Fake implements FakeBackend {
  readonly host = '127.0.0.1' as const;
  port = 0;
  readonly requests: Buffer[] = [];
  private chunks: Buffer[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();
  private behaviour: FakeBehaviour;
  readonly server: Server;

  constructor(private readonly protocol: WireProtocol, behaviour: FakeBehaviour) {
    this.behaviour = behaviour;
    this.server = createServer((socket) => this.accept(socket));
  }

  get open(): number {
    return this.sockets.size;
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  setBehaviour(behaviour: FakeBehaviour): void {
    this.behaviour = behaviour;
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true); // so drip really sends one byte per segment
    let buf: Buffer = Buffer.alloc(0);
    let done = false; // after close-mid-reply / reset: ignore anything else on this socket
    const drip: Buffer[] = [];
    socket.on('error', () => {
      // peers (the proxy under test) may reset; that is expected here
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.notify();
    });
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (done) return;
        let len: number;
        try {
          len = frameLength(buf, 0, this.protocol, 'request');
        } catch {
          len = buf.length; // unframeable bytes: record them as one request rather than crash the test
        }
        if (len < 0) break;
        const request = buf.subarray(0, len);
        buf = buf.subarray(len);
        this.requests.push(request);
        done = this.respond(socket, request, this.requests.length - 1, drip);
      }
      this.notify();
    });
    this.notify();
  }

  private replyFor(request: Buffer, index: number): Buffer {
    const r = this.behaviour.reply ?? DEFAULT_REPLY[this.protocol];
    const bytes = typeof r === 'function' ? r(request, index) : r;
    return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  }

  /** Act on one request; returns true when the connection is finished with. */
  private respond(socket: Socket, request: Buffer, index: number, drip: Buffer[]): boolean {
    const b = this.behaviour;
    switch (b.mode) {
      case 'silent':
        return false;
      case 'answer':
        socket.write(this.replyFor(request, index));
        return false;
      case 'error': {
        const line = b.error ?? DEFAULT_ERROR[this.protocol];
        socket.write(line.endsWith('\r\n') ? line : `${line}\r\n`);
        return false;
      }
      case 'close-mid-reply': {
        const reply = this.replyFor(request, index);
        socket.end(reply.subarray(0, b.cutAfter ?? Math.floor(reply.length / 2)));
        return true;
      }
      case 'reset':
        socket.resetAndDestroy();
        return true;
      case 'drip':
        drip.push(this.replyFor(request, index));
        if (drip.length === 1) this.dripNext(socket, drip, 0);
        return false;
    }
  }

  /** Write byte `at` of the first queued reply, then schedule the next byte (or the next reply). */
  private dripNext(socket: Socket, drip: Buffer[], at: number): void {
    if (socket.destroyed || drip.length === 0) return;
    socket.write(drip[0].subarray(at, at + 1));
    let next = at + 1;
    if (next >= drip[0].length) {
      drip.shift();
      next = 0;
      if (drip.length === 0) return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.dripNext(socket, drip, next);
    }, this.behaviour.dripDelayMs ?? 5);
    this.timers.add(timer);
  }

  waitUntil(what: string, ready: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake backend :${this.port}: ${what}: timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async waitForRequests(n: number, timeoutMs = 5000): Promise<readonly Buffer[]> {
    await this.waitUntil(`waiting for ${n} requests (have ${this.requests.length})`, () => this.requests.length >= n, timeoutMs);
    return this.requests;
  }

  waitForConnections(n: number, timeoutMs = 5000): Promise<void> {
    return this.waitUntil(`waiting for ${n} connections (have ${this.connections})`, () => this.connections >= n, timeoutMs);
  }

  dropConnections(): void {
    for (const s of this.sockets) s.end();
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Start a fake backend on 127.0.0.1 (a free port unless `port` is given). */
export function startFakeBackend(opts: FakeBackendOptions): Promise<FakeBackend> {
  const { protocol = 'redis', port = 0, ...behaviour } = opts;
  const fake = new Fake(protocol, behaviour);
  return new Promise((resolve, reject) => {
    fake.server.once('error', reject);
    fake.server.listen({ port, host: '127.0.0.1' }, () => {
      fake.server.removeListener('error', reject);
      const addr = fake.server.address();
      fake.port = typeof addr === 'object' && addr !== null ? addr.port : port;
      resolve(fake);
    });
  });
}
