// The contract between the protocol-neutral core (src/proxy) and a wire protocol (redis, memcache).
// A protocol owns every byte: scanning requests and replies, proxy-made replies, fragments and
// their merge. The core owns sockets, queues, routing, timeouts, ejection and stats.

import type { PoolConfig } from '../config/types';
import type { ErrnoName } from '../proxy/errno';
import type { Msg } from '../proxy/msg';

/** Receives what a ClientCodec scanned. Implemented by the core's client connection. */
export interface RequestSink {
  /** A complete request; `msg.action` says what to do with it. Called in request order. */
  onRequest(msg: Msg): void;
  /**
   * Broken framing: nothing after this point can be trusted. `reply` (may be null) is written
   * after every earlier reply, then the connection is closed.
   */
  onFramingError(reply: Buffer | null, reason: string): void;
}

/** Receives what a ServerCodec scanned. Implemented by the core's server connection. */
export interface ReplySink {
  /**
   * A complete reply: `parts` are slices of received chunks (concatenated, they are the reply bytes),
   * `bytes` their total length. `replyType` is protocol-specific; `failure` true means the server
   * is failing (Redis -OOM/-BUSY/-LOADING): the core closes the connection with EINVAL.
   */
  onReply(parts: Buffer[], bytes: number, replyType: number, failure: boolean): void;
  /** Reply framing is broken: the core closes the connection (EINVAL). */
  onProtocolError(reason: string): void;
}

/** Per-client-connection request scanner and session state (auth, client name, ...). */
export interface ClientCodec {
  /** Scan a received chunk. May call sink any number of times. Never throws on bad input. */
  feed(chunk: Buffer, sink: RequestSink): void;
  /**
   * True while the codec keeps views of bytes it was fed (a request not yet complete). When false,
   * nothing fed so far is referenced by the codec: the proxy may read over those bytes once every
   * request handed to the sink is finished with them.
   */
  readonly holdsInput: boolean;
}

/** Per-server-connection reply scanner. */
export interface ServerCodec {
  feed(chunk: Buffer, sink: ReplySink): void;
  /**
   * The first view the scanner keeps of bytes it was fed (the start of an unfinished reply; its other
   * views follow it in the stream), or null when it keeps none.
   */
  readonly oldestHeld: Buffer | null;
}

/** What a client codec may ask of the proxy (for locally answered commands like INFO). */
export interface ClientContext {
  pool: PoolConfig;
  /** Longest key accepted (nutcracker: mbuf size − 48 − 1 for Redis). */
  maxKeyLength: number;
  /** A short multi-line text for INFO-like replies: proxy name, version, uptime, pool. */
  describe(): string;
  /** Unique id of this client connection (CLIENT ID). */
  clientId: number;
}

export interface Protocol {
  readonly name: 'redis' | 'memcache';
  newClientCodec(ctx: ClientContext): ClientCodec;
  newServerCodec(): ServerCodec;
  /** Requests sent first on every new server connection (Redis AUTH, then SELECT); replies swallowed. */
  connectRequests(pool: PoolConfig): Buffer[];
  /** A cheap request that proves a server is alive (PING / version). */
  readonly probeRequest: Buffer;
  /** Proxy-made error reply for a failed request: `-ERR <text>\r\n` / `SERVER_ERROR <text>\r\n`. */
  errorReply(err: ErrnoName): Buffer;
  /**
   * Split a `split` request into fragments, one per server (in server-index order), each with
   * `parts`, `bytes`, `server`, `parent` set. `serverOf(buf, start, end)` returns the server index of
   * the key buf[start, end), or -1 when no server is live. Also sets `msg.fragments` and `msg.pending`.
   */
  split(msg: Msg, serverOf: ServerOf): Msg[];
  /** All fragments are done: set the parent's reply (or err/closeAfter) from their replies. */
  merge(msg: Msg): void;
}

/** The server index of the key buf[start, end), or -1 when no server is live. */
export type ServerOf = (buf: Buffer, start: number, end: number) => number;
