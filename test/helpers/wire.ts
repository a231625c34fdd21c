// A raw TCP client for byte-level tests: send exact bytes, read back exactly n complete replies (framed
// by frame-length.ts, returned as the bytes received), or everything until the peer closes. Reads time
// out with a message that shows what did arrive, so a hung proxy fails a test instead of stalling it.
// Plus clientFor() (closed after the test), exchangeOnce() (one request stream on a fresh connection),
// readAll() (a peer that writes and closes, like a stats port) and resp(), a command as RESP bytes.

import { connect as netConnect, type Socket } from 'node:net';
import { frameLength, preview, type WireProtocol } from './frame-length';

export type { WireProtocol } from './frame-length';

const DEFAULT_TIMEOUT_MS = 5000;

export interface WireClient {
  readonly socket: Socket;
  /** True once the peer closed (FIN or RST) or close() was called. */
  readonly closed: boolean;
  /** The socket error that ended the connection (e.g. ECONNRESET), if any. */
  readonly error: Error | null;
  /** Bytes received and not yet consumed by a read. */
  readonly pending: Buffer;
  /** Strings are sent as UTF-8. */
  send(data: Buffer | string): void;
  /** Exactly n complete replies, each as its own Buffer; extra bytes stay pending. */
  readReplies(n: number, protocol: WireProtocol, timeoutMs?: number): Promise<Buffer[]>;
  readReply(protocol: WireProtocol, timeoutMs?: number): Promise<Buffer>;
  /** All bytes (pending included) until the peer closes the connection. */
  readUntilClose(timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

interface Waiter {
  /** Returns true when satisfied (and has resolved); called after every data/close event. */
  check(): boolean;
  fail(err: Error): void;
}

class Client implements WireClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: Waiter | null = null;
  closed = false;
  error: Error | null = null;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.poke();
    });
    socket.on('error', (err) => {
      this.error = err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.poke();
    });
  }

  get pending(): Buffer {
    return this.buf;
  }

  send(data: Buffer | string): void {
    if (this.closed) throw new Error(`send on a closed connection${this.error ? ` (${this.error.message})` : ''}`);
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  private poke(): void {
    const w = this.waiter;
    if (w === null) return;
    try {
      w.check();
    } catch (err) {
      w.fail(err as Error);
    }
  }

  private wait<T>(what: string, timeoutMs: number, attempt: (finish: (v: T) => void) => boolean): Promise<T> {
    if (this.waiter !== null) return Promise.reject(new Error('wire client: a read is already in progress'));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${what}: timed out after ${timeoutMs} ms; received ${preview(this.buf)}`));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.waiter = null;
      };
      this.waiter = {
        check: () => attempt((v) => (settle(), resolve(v))),
        fail: (err) => (settle(), reject(err)),
      };
      this.poke();
    });
  }

  readReplies(n: number, protocol: WireProtocol, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer[]> {
    const replies: Buffer[] = [];
    return this.wait(`reading ${n} ${protocol} replies`, timeoutMs, (finish) => {
      while (replies.length < n) {
        const len = frameLength(this.buf, 0, protocol, 'reply');
        if (len < 0) break;
        replies.push(this.buf.subarray(0, len));
        this.buf = this.buf.subarray(len);
      }
      if (replies.length === n) {
        finish(replies);
        return true;
      }
      if (this.closed) {
        const why = this.error ? ` (${this.error.message})` : '';
        throw new Error(
          `connection closed${why} after ${replies.length} of ${n} ${protocol} replies: ` +
            `${replies.map((r) => preview(r, 60)).join(', ') || 'none'}; left over ${preview(this.buf)}`,
        );
      }
      return false;
    });
  }

  async readReply(protocol: WireProtocol, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const [reply] = await this.readReplies(1, protocol, timeoutMs);
    return reply;
  }

  readUntilClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    return this.wait('waiting for the peer to close', timeoutMs, (finish) => {
      if (!this.closed) return false;
      const all = this.buf;
      this.buf = Buffer.alloc(0);
      finish(all);
      return true;
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

/** Connect to 127.0.0.1:<port> (or `host`), or to a Unix socket when given a path. */
export function connect(port: number | string, host = '127.0.0.1'): Promise<WireClient> {
  return new Promise((resolve, reject) => {
    const socket = typeof port === 'string' ? netConnect({ path: port }) : netConnect({ port, host });
    socket.setNoDelay(true);
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      resolve(new Client(socket));
    });
  });
}

/** The part of node:test's TestContext the helpers need: cleanup after the test. */
export interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

/** A wire client to 127.0.0.1:<port>, closed after the test even when an assertion fails first. */
export async function clientFor(t: AfterHook, port: number): Promise<WireClient> {
  const c = await connect(port);
  t.after(() => c.close());
  return c;
}

/** One exchange on a fresh connection: send `request`, read `n` replies, close. */
export async function exchangeOnce(
  port: number | string,
  request: Buffer | string,
  n: number,
  protocol: WireProtocol,
  timeoutMs?: number,
): Promise<Buffer[]> {
  const c = await connect(port);
  try {
    c.send(request);
    return await c.readReplies(n, protocol, timeoutMs);
  } finally {
    await c.close();
  }
}

/**
 * Everything the peer at <host>:<port> sends (after `send`, if given) until it closes the connection,
 * as from a stats port, which writes its document and closes. A refused connection or a socket
 * error (such as a reset) rejects.
 */
export async function readAll(port: number, opts: { host?: string; send?: Buffer | string; timeoutMs?: number } = {}): Promise<Buffer> {
  const c = await connect(port, opts.host);
  try {
    if (opts.send !== undefined) c.send(opts.send);
    const all = await c.readUntilClose(opts.timeoutMs);
    if (c.error !== null) throw c.error;
    return all;
  } finally {
    await c.close();
  }
}

/** A command as a RESP array of bulk strings: resp('SET', 'k', 'v') → *3\r\n$3\r\nSET\r\n... */
export function resp(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}
