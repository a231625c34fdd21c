// One connection from the proxy to a backend server. Requests queued here by any number of clients
// are written in one batch per event-loop turn; replies are matched to requests strictly in FIFO
// order. On any failure the connection is closed and every request on it fails with one errno.
//
//   enqueue ─▶ unsent[] ──flush (one write)──▶ inflight FIFO ──reply──▶ completeMsg
//                 ▲ connect: AUTH/SELECT first                 (internal ones are swallowed)

import * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import type { ReplySink, ServerCodec } from '../protocol/types';
import { nowMs, wake } from './clock';
import { ERRNO, errnoOf, errnoOfStatus, type ErrnoName } from './errno';
import { Fifo } from './fifo';
import { scheduleFlush, type Flushable } from './flusher';
import { WRITE_PENDING, writeParts, type WritableHandle, type WriteOwner } from './handle-write';
import { Msg, type ReplySource } from './msg';
import { completeMsg, failMsg, type MsgOwner } from './msg-owner';
import type { Server } from './server';
import { SocketReader } from './socket-reader';

/** Why a server connection closed: decides which stats counter moves (spec §4.3). */
export const CloseKind = { eof: 'server_eof', err: 'server_err', timeout: 'server_timedout', quiet: null } as const;
export type CloseKindValue = (typeof CloseKind)[keyof typeof CloseKind];

/**
 * Server connections whose last write the kernel did not take at once. Their buffers are still read
 * by libuv, so while one is unfinished no client may read over request bytes it was handed (see
 * markIdle in client-conn.ts): a reply or a failure can finish a request before all its bytes have
 * left (memcached answers an oversized SET before swallowing its data). Checked rather than counted
 * from writeDone(): a connection that closes is settled at once, before libuv gets round to
 * cancelling its pending write.
 */
const writing: ServerConn[] = [];

/** libuv reports errors as negative errno values. */
const UV_ECANCELED = -osConstants.errno.ECANCELED;

/** True when every request byte handed to a server socket is in the kernel (or its socket is closed). */
export function serverWritesSettled(): boolean {
  for (let i = writing.length - 1; i >= 0; i--) {
    if (writing[i].writeInProgress()) continue;
    writing[i].writing = false;
    writing[i] = writing[writing.length - 1];
    writing.pop();
  }
  return writing.length === 0;
}

/**
 * A server connection's read slab: bigger than a client's (there are few server connections), so that
 * the reads libuv makes of a busy socket in one loop turn fit before the slab can be reused.
 */
const SERVER_SLAB_SIZE = 256 * 1024;

export class ServerConn implements Flushable, ReplySink, ReplySource, WriteOwner {
  flushQueued = false;
  private readonly socket: net.Socket;
  /**
   * The socket's libuv handle once connected. The net.Socket connects, reads (through `onread`) and
   * closes; writes go to the handle directly (handle-write.ts): the Writable stream's bookkeeping per
   * write cost 5.5% of the proxy's CPU per 16 KiB SET (pinned A/B, docs/benchmarks.md).
   */
  private handle: WritableHandle | null = null;
  /** Bytes of writes waiting in libuv (see writeParts). */
  private pendingWriteBytes = 0;
  private readonly codec: ServerCodec;
  private connected = false;
  private closed = false;
  /** Queued but not yet written (waiting for the flush, or for the connect to finish). */
  private unsent: Msg[] = [];
  /** Written, waiting for their reply, oldest first. */
  private readonly inflight = new Fifo<Msg>();
  private lastError: NodeJS.ErrnoException | null = null;
  /** Listed in `writing` (owned by serverWritesSettled). */
  writing = false;
  private readonly reader: SocketReader;
  /**
   * Replies handed to clients as views of the reader's slab and not yet given back (written to the
   * client, or dropped). At zero the slab may be read over, around a reply the codec has not finished.
   */
  private lent = 0;

  constructor(readonly server: Server) {
    const pool = server.pool;
    this.codec = pool.protocol.newServerCodec();
    const addr = server.config.address;
    const onread = new SocketReader((chunk) => this.codec.feed(chunk, this), SERVER_SLAB_SIZE, () => this.offerSlab());
    this.reader = onread;
    this.socket = addr.path !== null ? net.connect({ path: addr.path, onread }) : net.connect({ host: addr.host, port: addr.port, noDelay: true, onread });
    this.socket.once('close', () => onread.release());
    pool.proxy.connectionOpened();
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = err;
    });
    this.socket.on('end', () => this.close('unknown', CloseKind.eof));
    this.socket.on('close', () => {
      if (!this.closed) this.close(this.lastError ? errnoOf(this.lastError) : 'unknown', this.lastError ? CloseKind.err : CloseKind.eof);
    });
    // Injected requests go first on every new connection: AUTH, then SELECT (spec §6.7–6.8). They
    // carry a deadline too: the timeout check looks at the oldest request, and a server that never
    // answers them must not leave the client requests queued behind them waiting forever.
    const timeout = pool.config.timeout;
    for (const bytes of pool.protocol.connectRequests(pool.config)) {
      const m = new Msg();
      m.internal = true;
      m.deadline = timeout > 0 ? nowMs() + timeout : 0;
      m.pushPart(bytes);
      this.queue(m);
    }
  }

  /** Requests on this connection not yet answered (written or not). */
  get outstanding(): number {
    return this.unsent.length + this.inflight.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queue a request for the next batched write. The deadline clock starts now (spec §8.3). */
  enqueue(msg: Msg, now: number): void {
    const timeout = this.server.pool.config.timeout;
    msg.deadline = timeout > 0 && !msg.noreply ? now + timeout : 0;
    // Counted when queued, as nutcracker's req_forward does: a request whose connect then fails still counts.
    this.server.stats.requests++;
    this.server.stats.request_bytes += msg.bytes;
    this.queue(msg);
  }

  private queue(msg: Msg): void {
    const stats = this.server.stats;
    stats.in_queue++;
    stats.in_queue_bytes += msg.bytes;
    this.unsent.push(msg);
    if (msg.deadline > 0) wake();
    if (this.connected) scheduleFlush(this);
  }

  private onConnect(): void {
    if (this.closed) return;
    this.handle = (this.socket as unknown as { _handle: WritableHandle })._handle;
    this.connected = true;
    this.server.stats.server_connections++;
    if (this.unsent.length > 0) scheduleFlush(this);
  }

  flush(): void {
    if (this.closed || !this.connected || this.unsent.length === 0) return;
    const batch = this.unsent;
    this.unsent = [];
    const stats = this.server.stats;
    const sentAt = this.server.pool.proxy.metricsEnabled ? nowMs() : 0;
    const parts: Buffer[] = [];
    let total = 0;
    let noreply = false;
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i];
      for (let j = 0; j < msg.parts.length; j++) parts.push(msg.parts[j]);
      total += msg.bytes;
      stats.in_queue--;
      stats.in_queue_bytes -= msg.bytes;
      if (msg.noreply) {
        noreply = true;
        continue;
      }
      stats.out_queue++;
      stats.out_queue_bytes += msg.bytes;
      msg.sentAt = sentAt;
      this.inflight.push(msg);
    }
    const r = writeParts(this.handle as WritableHandle, parts, total, this);
    if (r === WRITE_PENDING) {
      this.pendingWriteBytes += total;
      if (!this.writing) {
        this.writing = true;
        writing.push(this);
      }
    } else if (r < 0) {
      this.close(errnoOfStatus(r), CloseKind.err); // fails the batch just moved to inflight
    }
    // memcached noreply: nothing will come back; the request is finished once written (after the
    // write, so that its completion sees this connection's write in progress, if any).
    if (noreply) {
      for (let i = 0; i < batch.length; i++) if (batch[i].noreply) completeMsg(batch[i], this.server.pool.protocol);
    }
  }

  /** libuv may still read the buffers of a write: it is unfinished and the socket is open. */
  writeInProgress(): boolean {
    return this.pendingWriteBytes > 0 && !this.closed;
  }

  writeDone(bytes: number, status: number): void {
    this.pendingWriteBytes -= bytes;
    // ECANCELED: the handle was closed under the write — by close() here, or by the net.Socket on a
    // read error, whose 'close' event follows with that error (the one to report).
    if (status < 0 && status !== UV_ECANCELED) this.close(errnoOfStatus(status), CloseKind.err);
  }

  onReply(parts: Buffer[], bytes: number, replyType: number, failure: boolean): void {
    const msg = this.inflight.shift();
    if (msg === undefined) {
      this.close('EINVAL', CloseKind.err); // a reply nobody asked for: the stream cannot be trusted
      return;
    }
    const server = this.server;
    const stats = server.stats;
    stats.out_queue--;
    stats.out_queue_bytes -= msg.bytes;
    if (failure) {
      // Redis -OOM/-BUSY/-LOADING: the server is failing; nutcracker drops the connection (spec §6.6).
      this.closeWith(msg, 'EINVAL');
      return;
    }
    server.onReplyOk();
    if (msg.internal) return;
    if (msg.sentAt > 0) server.latency.observe((nowMs() - msg.sentAt) * 1000);
    // A reply whose client has gone is swallowed uncounted, as nutcracker's rsp_filter does.
    const owner = (msg.parent ?? msg).owner as MsgOwner | null;
    if (owner !== null) {
      stats.responses++;
      stats.response_bytes += bytes;
      // Before completing: a reply may wait behind the client's earlier ones (e.g. a fragment whose
      // siblings are slower), and those bytes count towards the client's limit too.
      owner.onReplyHeld(bytes);
    }
    msg.reply = parts;
    msg.replyBytes = bytes;
    msg.replyType = replyType;
    // Parts in a slab the reader may reuse are lent until the client has written them. A reply with
    // no client left is never read again; one read while the reader had no slab is copies, or in a
    // slab the reader has dropped (never reused).
    if (owner !== null && this.reader.lending) {
      this.lent++;
      msg.replySource = this;
    }
    completeMsg(msg, server.pool.protocol);
  }

  releaseReply(): void {
    if (--this.lent === 0) this.offerSlab();
  }

  /** With no reply lent, the reader may read over its slab, around the reply being read. */
  private offerSlab(): void {
    if (this.lent === 0 && !this.closed) this.reader.markIdle(this.codec.oldestHeld);
  }

  onProtocolError(_reason: string): void {
    this.close('EINVAL', CloseKind.err);
  }

  /** Fail the request at the head with EINVAL, then the rest: used for failure replies. */
  private closeWith(head: Msg, err: ErrnoName): void {
    if (!head.internal) failMsg(head, err, this.server.pool.protocol);
    this.close(err, CloseKind.err);
  }

  /** Called on the shared tick: a request past its deadline closes the whole connection (spec §8.3). */
  checkTimeout(now: number): void {
    // Deadlines grow in queue order, so the oldest request with a deadline is the one to check.
    let deadline = this.inflight.peek()?.deadline ?? 0;
    for (let i = 0; deadline === 0 && i < this.unsent.length; i++) deadline = this.unsent[i].deadline;
    if (deadline > 0 && now >= deadline) this.close('ETIMEDOUT', CloseKind.timeout);
  }

  /** Close the connection and fail every request on it with `err`. Idempotent. */
  close(err: ErrnoName, kind: CloseKindValue): void {
    if (this.closed) return;
    this.closed = true;
    const server = this.server;
    const stats = server.stats;
    if (this.connected) stats.server_connections--;
    if (kind !== null) stats[kind]++;
    server.pool.proxy.connectionClosed();
    this.socket.destroy(); // closes the handle at once: libuv reads nothing of a pending write after this
    const protocol = server.pool.protocol;
    const pending = this.inflight.drain();
    for (const msg of pending) {
      stats.out_queue--;
      stats.out_queue_bytes -= msg.bytes;
    }
    for (const msg of this.unsent) {
      stats.in_queue--;
      stats.in_queue_bytes -= msg.bytes;
      pending.push(msg);
    }
    this.unsent = [];
    server.onConnClosed(this, kind !== null);
    for (const msg of pending) {
      if (msg.internal) continue;
      if (msg.noreply) completeMsg(msg, protocol);
      else failMsg(msg, err, protocol);
    }
    if (kind !== null) server.pool.log(`server ${server.config.name} connection closed: ${ERRNO[err].text}`);
  }
}
