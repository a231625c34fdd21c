// One client connection: scans requests with the pool's protocol codec, routes them, and writes
// replies strictly in request order, batched per event-loop turn. Owns the client side of
// backpressure: stop reading while too much is outstanding, close a client whose unread replies
// grow past a hard limit (spec §8.1; limits are our improvement).
//
//   data ─▶ codec.feed ─▶ onRequest ─▶ queue(FIFO) + pool.route
//   reply/merge done ─▶ onMsgDone ─▶ (head done?) ─▶ out[] ─flush─▶ socket

import { maxRedisKeyLength } from '../config/mbuf-size';
import type { PoolConfig } from '../config/types';
import type { ClientCodec, ClientContext, RequestSink } from '../protocol/types';
import { nowMs } from './clock';
import { Fifo } from './fifo';
import { scheduleFlush, type Flushable } from './flusher';
import { Msg, MsgAction, type ReplySource } from './msg';
import type { MsgOwner } from './msg-owner';
import { ClientStream, type AcceptedHandle, type ClientStreamEvents } from './client-stream';
import type { ServerPool } from './server-pool';
import { serverWritesSettled } from './server-conn';

/** Client-side flow-control limits. */
export const CLIENT_LIMITS = {
  /** Stop reading once this many requests await their reply... */
  pauseAtPending: 4096,
  /**
   * ...or once their request bytes add up to this (held until answered: a server that stops reading
   * would otherwise keep 4096 requests of any size per client, e.g. 256 MiB of 64 KiB SETs)...
   */
  pauseAtPendingBytes: 4 * 1024 * 1024,
  /** ...or once this many reply bytes wait in the socket for the client to read them. */
  pauseAtUnreadBytes: 4 * 1024 * 1024,
  /** Resume below these. */
  resumeBelowPending: 1024,
  resumeBelowPendingBytes: 1024 * 1024,
  resumeBelowUnreadBytes: 1024 * 1024,
  /**
   * A client that lets this many reply bytes pile up unread is closed (with a log line). Counted:
   * replies received for it and not yet written (waiting for earlier ones, or for the other
   * fragments of a multi-key request) plus bytes written to its socket and not yet taken.
   */
  maxUnreadBytes: 512 * 1024 * 1024,
} as const;

/**
 * What a client's codec may know of its pool. A class rather than an object literal with a getter:
 * each literal would carry its own getter function and so its own hidden class, making the codec's
 * per-request `ctx.pool` reads megamorphic once there are a few clients.
 */
class PoolClientContext implements ClientContext {
  readonly maxKeyLength: number;

  constructor(
    private readonly owner: ServerPool,
    readonly clientId: number,
  ) {
    this.maxKeyLength = maxRedisKeyLength(owner.proxy.mbufSize);
  }

  /** Read at use: a reload that changes the pool (e.g. adds redis_auth) applies to connected clients too. */
  get pool(): PoolConfig {
    return this.owner.config;
  }

  describe(): string {
    return this.owner.proxy.describe(this.owner.config);
  }
}

export class ClientConn implements RequestSink, MsgOwner, Flushable, ClientStreamEvents {
  flushQueued = false;
  readonly id: number;
  private readonly codec: ClientCodec;
  private readonly queue = new Fifo<Msg>();
  private out: Buffer[] = [];
  private outBytes = 0;
  /** One entry per reply (in `out`, or written and not yet taken by the kernel) borrowed from a server's slab. */
  private borrowing: ReplySource[] = [];
  /** Request bytes of the requests in `queue` (awaiting their reply). */
  private pendingBytes = 0;
  /** Server reply bytes received for requests still in `queue` (see onReplyHeld). */
  private heldBytes = 0;
  private paused = false;
  /** Inside onData: the codec is scanning this client's read (see onMsgDone). */
  private reading = false;
  /** No more requests are read: EOF, QUIT, a framing error, or a reply that closes. */
  private stopped = false;
  /** Close once everything queued before the stop is written. */
  private closing = false;
  private closed = false;
  private sawEof = false;
  /** The client itself half-closed (sawEof is also set when a reload removes the pool). */
  private peerEnded = false;
  /** Closed because of an error (broken framing, a failed multi-get): counted as client_err, not client_eof. */
  private closedOnError = false;
  private now = 0;

  private readonly stream: ClientStream;

  constructor(readonly pool: ServerPool, handle: AcceptedHandle) {
    const proxy = pool.proxy;
    this.id = proxy.nextClientId();
    this.codec = pool.protocol.newClientCodec(new PoolClientContext(pool, this.id));
    pool.stats.client_connections++;
    proxy.connectionOpened();
    this.stream = new ClientStream(handle, this);
    if (pool.config.tcpkeepalive) this.stream.setKeepAlive(true);
    this.stream.start();
  }

  onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.now = nowMs();
    this.reading = true;
    this.codec.feed(chunk, this);
    this.reading = false;
    if (
      !this.paused &&
      (this.queue.length >= CLIENT_LIMITS.pauseAtPending ||
        this.pendingBytes >= CLIENT_LIMITS.pauseAtPendingBytes ||
        this.stream.writableLength >= CLIENT_LIMITS.pauseAtUnreadBytes)
    ) {
      this.paused = true;
      this.stream.pause();
    }
  }

  onRequest(msg: Msg): void {
    if (this.stopped) return;
    msg.owner = this;
    msg.startedAt = this.now;
    this.queue.push(msg);
    this.pendingBytes += msg.bytes;
    switch (msg.action) {
      case MsgAction.forward:
      case MsgAction.split:
        this.pool.route(msg, this.now);
        break;
      case MsgAction.quit:
        this.stop();
        msg.done = true;
        msg.closeAfter = true;
        this.onMsgDone(msg);
        break;
      default: // local: the codec already set the reply
        msg.done = true;
        if (msg.closeAfter) this.stop();
        this.onMsgDone(msg);
    }
  }

  onFramingError(reply: Buffer | null, reason: string): void {
    if (this.stopped) return;
    this.pool.log(`client ${this.id} closed: protocol error: ${reason}`);
    this.stop();
    const msg = new Msg();
    msg.action = MsgAction.local;
    msg.owner = this;
    msg.closeAfter = true;
    msg.done = true;
    if (reply !== null) msg.setReply(reply);
    this.closedOnError = true;
    this.queue.push(msg);
    this.onMsgDone(msg);
  }

  /** A request finished. Replies leave in request order, so only the head unblocks writing. */
  onMsgDone(msg: Msg): void {
    if (this.closed || this.queue.peek() !== msg) return;
    const stats = this.pool.stats;
    const metrics = this.pool.proxy.metricsEnabled;
    for (let head = this.queue.peek(); head !== undefined && head.done; head = this.queue.peek()) {
      this.queue.shift();
      this.pendingBytes -= head.bytes;
      this.heldBytes -= heldBy(head);
      if (head.err !== null) {
        stats.forward_error++;
        head.reply = [this.pool.protocol.errorReply(head.err)];
        head.replyBytes = head.reply[0].length;
      } else if (head.fragments !== null && fragmentFailed(head)) {
        stats.forward_error++;
      }
      const reply = head.reply;
      if (reply !== null) {
        for (let i = 0; i < reply.length; i++) this.out.push(reply[i]);
        this.outBytes += head.replyBytes;
      }
      head.takeReplySources(this.borrowing);
      if (metrics && head.action !== MsgAction.local) this.pool.latency.observe((nowMs() - head.startedAt) * 1000);
      if (head.closeAfter) {
        // Closing after a failed MGET / multi-get is client_err in nutcracker (owner->err = 1), like framing.
        if (head.err !== null) this.closedOnError = true;
        // Read nothing more, but answer what was already read (nutcracker does), then close.
        this.closing = true;
        this.stop();
      }
    }
    // A reply that leaves the client nothing outstanding is written at once, from inside the server
    // read that completed it: nothing more for this client can come in this loop turn, and the sooner
    // it leaves, the sooner the client sends its next request (+2-4% unpipelined GET and MGET in A/B
    // runs). Replies made while the client's own read is scanned (local answers to a pipeline) wait
    // for the end of the turn, so that they leave in one write.
    if (this.out.length > 0 && this.queue.length === 0 && !this.reading && !this.closing && !this.sawEof) this.flush();
    else if (this.out.length > 0 || ((this.closing || this.sawEof) && this.queue.length === 0)) scheduleFlush(this);
    else this.maybeIdle(); // e.g. memcached noreply requests: finished once written, nothing to send
  }

  onReplyHeld(bytes: number): void {
    if (this.closed) return;
    this.heldBytes += bytes;
    if (this.heldBytes + this.outBytes + this.stream.writableLength > CLIENT_LIMITS.maxUnreadBytes) this.overLimit();
  }

  flush(): void {
    if (this.closed) return;
    if (this.out.length > 0) {
      const out = this.out;
      const bytes = this.outBytes;
      this.outBytes = 0;
      this.stream.write(out, bytes);
      if (this.closed) return; // the write failed: finish() has run
      // The write keeps the buffers, never this array (batchParts copies what it needs): emptied
      // for the next turn's replies rather than a new array per write.
      while (out.length > 0) out.pop();
      if (this.heldBytes + this.stream.writableLength > CLIENT_LIMITS.maxUnreadBytes) {
        this.overLimit();
        return;
      }
      if (this.stream.writableLength === 0) this.releaseBorrowed();
      this.maybeIdle();
    }
    if ((this.closing || this.sawEof) && this.queue.length === 0) {
      // The client has half-closed and every reply is in the kernel: close at once, which sends our
      // FIN without shutdown(2) and the stream's end/finish steps. Otherwise end() lets the
      // buffered replies drain (and after QUIT, input the client still sends cannot turn into a reset).
      if (this.peerEnded && this.stream.writableLength === 0) this.stream.destroy();
      else this.stream.end();
      return;
    }
    this.maybeResume();
  }

  /**
   * Every request read is answered and its reply is in the kernel (a local reply may be a view of the
   * request), no request bytes are still on their way to a server, and the codec keeps no partial
   * request: nothing read so far is referenced, and the next reads may go over it.
   */
  private maybeIdle(): void {
    if (this.queue.length === 0 && this.out.length === 0 && this.stream.writableLength === 0 && !this.codec.holdsInput && serverWritesSettled()) this.stream.markIdle();
  }

  /** The reader could not take a markIdle() made while this client's read was handled: ask again. */
  onIdleRetry(): void {
    if (!this.closed) this.maybeIdle();
  }

  onDrain(): void {
    this.releaseBorrowed(); // every reply written so far is in the kernel
    this.maybeResume();
  }

  /** Replies borrowed from server slabs are in the kernel (or will never be written): give them back. */
  private releaseBorrowed(): void {
    const b = this.borrowing;
    if (b.length === 0) return;
    for (let i = 0; i < b.length; i++) b[i].releaseReply();
    b.length = 0;
  }

  onClose(hadError: boolean): void {
    this.finish(hadError ? false : this.sawEof);
  }

  private maybeResume(): void {
    if (!this.paused || this.stopped || this.closed) return;
    if (
      this.queue.length < CLIENT_LIMITS.resumeBelowPending &&
      this.pendingBytes < CLIENT_LIMITS.resumeBelowPendingBytes &&
      this.stream.writableLength < CLIENT_LIMITS.resumeBelowUnreadBytes
    ) {
      this.paused = false;
      this.stream.resume();
    }
  }

  /** Read no more requests. */
  private stop(): void {
    this.stopped = true;
  }

  /** The client half-closed: deliver what is outstanding, then close (spec §8.1). */
  onEnd(): void {
    this.peerEnded = true;
    // With nothing outstanding (the common case) the client is closed now, from its EOF read, not
    // at the end of the loop turn: 4% less CPU per connection for clients that connect per request.
    this.closeWhenIdle(true);
  }

  /**
   * Read no more requests; close once every reply in flight is written. `now`: if none is, close at
   * once (else at the end of the loop turn, as for a pool removed by reload).
   */
  closeWhenIdle(now = false): void {
    this.stop();
    this.sawEof = true;
    if (this.queue.length > 0) return;
    if (now) this.flush();
    else scheduleFlush(this);
  }

  private overLimit(): void {
    const unread = this.heldBytes + this.outBytes + this.stream.writableLength;
    this.pool.proxy.log('warn', `pool '${this.pool.name}': client ${this.id} closed: ${unread} reply bytes unread (limit ${CLIENT_LIMITS.maxUnreadBytes})`);
    this.destroy();
  }

  /** Close now, dropping unwritten replies (counted as client_err unless the client was closing). */
  destroy(): void {
    this.finish(false);
  }

  private finish(eof: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    const pool = this.pool;
    pool.clients.delete(this);
    pool.stats.client_connections--;
    // A framing error is client_err even when the client then closes its side first (nutcracker: conn->err).
    if (!this.closedOnError && (eof || this.closing)) pool.stats.client_eof++;
    else pool.stats.client_err++;
    pool.proxy.connectionClosed();
    // Requests still in flight complete on their servers; their replies are swallowed. Replies
    // received and not written are given back, as are those being written: the handle is closed.
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) {
      m.owner = null;
      m.takeReplySources(this.borrowing);
    }
    this.stream.destroy();
    this.releaseBorrowed();
  }
}

/** What onReplyHeld counted for a request: its server reply, or its fragments' replies. */
function heldBy(msg: Msg): number {
  if (msg.action === MsgAction.forward) return msg.replyBytes; // 0 when it failed: nothing arrived
  if (msg.action !== MsgAction.split || msg.fragments === null) return 0; // local replies are not held
  let n = 0;
  for (let i = 0; i < msg.fragments.length; i++) n += msg.fragments[i].replyBytes;
  return n;
}

function fragmentFailed(msg: Msg): boolean {
  const frags = msg.fragments as Msg[];
  for (let i = 0; i < frags.length; i++) if (frags[i].err !== null) return true;
  return false;
}
