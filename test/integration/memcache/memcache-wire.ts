// memcached ASCII requests and expected replies built as exact bytes for the memcache end-to-end tests,
// plus the ways a test talks to a proxy: one exchange, a whole stream answered until the proxy closes
// (after our half-close), and writes cut into seeded random chunks. Keys and values may hold any byte,
// so everything is a Buffer and strings are read as latin1 (one byte per character).

import { randomChunks } from '../../helpers/random';
import { connect, exchangeOnce, type WireClient } from '../../helpers/wire';

export type Bytes = Buffer | string;

const b = (x: Bytes | number | bigint): Buffer => (Buffer.isBuffer(x) ? x : Buffer.from(String(x), 'latin1'));
const SP = Buffer.from(' ');
const CRLF = Buffer.from('\r\n');

export interface StoreOptions {
  flags?: number | string;
  exptime?: number | string;
  /** cas unique (only for `cas`). */
  cas?: number | bigint | string;
  noreply?: boolean;
}

export const memcacheWire = {
  /** A command line: tokens joined by single spaces, CRLF added. */
  line(...tokens: (Bytes | number | bigint)[]): Buffer {
    const parts: Buffer[] = [];
    tokens.forEach((t, i) => parts.push(...(i ? [SP, b(t)] : [b(t)])));
    return Buffer.concat([...parts, CRLF]);
  },

  /** `<cmd> <key> <flags> <exptime> <bytes> [<cas>] [noreply]\r\n<data>\r\n` */
  store(cmd: string, key: Bytes, data: Bytes, o: StoreOptions = {}): Buffer {
    const value = b(data);
    const tokens: (Bytes | number | bigint)[] = [cmd, key, o.flags ?? 0, o.exptime ?? 0, value.length];
    if (o.cas !== undefined) tokens.push(o.cas);
    if (o.noreply) tokens.push('noreply');
    return Buffer.concat([memcacheWire.line(...tokens), value, CRLF]);
  },

  /** One VALUE block as a server sends it (no END). */
  value(key: Bytes, data: Bytes, flags: number | string = 0, cas?: number | bigint | string): Buffer {
    const value = b(data);
    const header = cas === undefined ? ['VALUE', key, flags, value.length] : ['VALUE', key, flags, value.length, cas];
    return Buffer.concat([memcacheWire.line(...header), value, CRLF]);
  },

  /** A whole retrieval reply: the blocks, then END. */
  values(...blocks: Buffer[]): Buffer {
    return Buffer.concat([...blocks, Buffer.from('END\r\n')]);
  },

  /** The cas unique of a single-block `gets` reply. */
  casOf(reply: Buffer): string {
    const header = reply.subarray(0, reply.indexOf('\r\n')).toString('latin1').split(' ');
    if (header[0] !== 'VALUE' || header.length !== 5) throw new Error(`not a gets reply: ${JSON.stringify(reply.toString('latin1'))}`);
    return header[4];
  },

  /** Connect, send, read `n` replies, close. */
  exchange(port: number, request: Bytes, n = 1): Promise<Buffer[]> {
    return exchangeOnce(port, b(request), n, 'memcache');
  },

  /**
   * Write `data` in chunks of 1..maxChunk bytes chosen by `seed`, each its own write, waiting for the
   * write to be flushed and one turn of the event loop between writes, so the peer mostly reads the
   * chunks separately (TCP may still merge some; that is a valid split too).
   */
  async sendInChunks(c: WireClient, data: Buffer, seed: number, maxChunk: number): Promise<void> {
    for (const chunk of randomChunks(data, seed, maxChunk)) {
      await new Promise<void>((resolve, reject) => c.socket.write(chunk, (err) => (err ? reject(err) : resolve())));
      await new Promise((resolve) => setImmediate(resolve));
    }
  },

  /**
   * Send a whole request stream (at once, or in random chunks when `seed` is given), half-close, and
   * return every byte the proxy sends until it closes: a proxy answers all it read, then closes.
   */
  async streamUntilClose(port: number, stream: Buffer, seed?: number, timeoutMs = 10_000): Promise<Buffer> {
    const c = await connect(port);
    try {
      // Small chunks for small streams; about a hundred writes for big ones.
      if (seed === undefined) c.send(stream);
      else await memcacheWire.sendInChunks(c, stream, seed, Math.max(64, Math.ceil(stream.length / 50)));
      c.socket.end();
      return await c.readUntilClose(timeoutMs);
    } finally {
      await c.close();
    }
  },
};
