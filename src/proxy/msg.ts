// A request travelling through the proxy, and later its reply. One object per client request
// (plus one per fragment of a split multi-key request). The protocol codecs fill in what they
// scanned; the core (client-conn, server-conn) moves it between queues and never looks at bytes.
//
//   client ─scan─▶ Msg(action) ─route─▶ server in-queue ─write─▶ out-queue ─reply─▶ Msg.reply
//                                                                     │
//   client ◀─write (in request order)── client FIFO ◀── done ◀────────┘

import type { ErrnoName } from './errno';

/** What the core does with a scanned request. */
export const MsgAction = {
  /** Send `parts` to the server that owns `key`. */
  forward: 0,
  /** Answered by the proxy itself: the codec has set `reply`. */
  local: 1,
  /** Multi-key request: protocol.split() makes one fragment per server, protocol.merge() the reply. */
  split: 2,
  /** Stop reading; close once every earlier reply is written. No reply of its own. */
  quit: 3,
} as const;
export type MsgActionValue = (typeof MsgAction)[keyof typeof MsgAction];

/** Who lent a reply its bytes (a server connection's read slab): told once they are not needed any more. */
export interface ReplySource {
  releaseReply(): void;
}

/**
 * The parts of a request with none yet, shared by every Msg: pushPart() replaces it with an array of
 * its own instead of pushing onto it. Most requests have one part, and `[buf]` is an array of one
 * element where a push onto `[]` would allocate room for seventeen; the data path makes one per
 * request, so the difference is a sizeable share of what the young generation collects.
 */
const NO_PARTS: Buffer[] = [];

/**
 * The routing keys of a multi-key request, in the client's order: key i is bufs[i][starts[i], ends[i]),
 * a range of the read that holds it (or of a copy, for a key split across reads) rather than a view
 * of its own. Sized once, when the number of keys is known from the request.
 */
export class KeyList {
  readonly bufs: Buffer[];
  readonly starts: number[];
  readonly ends: number[];
  length = 0;
  constructor(capacity: number) {
    this.bufs = new Array<Buffer>(capacity);
    this.starts = new Array<number>(capacity);
    this.ends = new Array<number>(capacity);
  }

  push(buf: Buffer, start: number, end: number): void {
    const i = this.length++;
    this.bufs[i] = buf;
    this.starts[i] = start;
    this.ends[i] = end;
  }

  /** Key i as a Buffer of its own (a view, made on each call): for tests and diagnostics, not the data path. */
  key(i: number): Buffer {
    return this.bufs[i].subarray(this.starts[i], this.ends[i]);
  }
}

export class Msg {
  action: MsgActionValue = MsgAction.forward;
  /** Wire bytes of the request: slices of what the client sent (or bytes built once, for fragments). Only pushPart() adds to it. */
  parts: Buffer[] = NO_PARTS;
  /** Total length of `parts`. */
  bytes = 0;
  /**
   * forward: the routing key (before hash-tag extraction) is keyIn[keyStart, keyEnd): usually the
   * client's read itself, not a view of it (one object fewer per request), or a copy when the key
   * spanned reads. null: no key. An empty range is the empty key. Set with setKey().
   */
  keyIn: Buffer | null = null;
  keyStart = 0;
  keyEnd = 0;
  /** split: every routing key, in the client's order. */
  keys: KeyList | null = null;
  /** Protocol-private data needed by split/merge (e.g. MSET values, memcached `get` vs `gets`). */
  proto: unknown = null;
  /** Index into the protocol's command table (for stats and logs). */
  cmd = 0;
  /** memcached noreply: the server sends nothing back; the client gets nothing. */
  noreply = false;

  /** Reply bytes once known (from the server, made by the proxy, or merged from fragments). */
  reply: Buffer[] | null = null;
  replyBytes = 0;
  /** Reply type as classified by the server codec (protocol-specific enumeration). */
  replyType = 0;
  /** Core bookkeeping: the server connection whose slab `reply` points into, until taken (takeReplySources). */
  replySource: ReplySource | null = null;
  /** Set when the request failed in the proxy: the client gets protocol.errorReply(err). */
  err: ErrnoName | null = null;
  /** Close the client connection once this reply is written. */
  closeAfter = false;
  /** Reply complete (or error set): may be written once everything before it is written. */
  done = false;

  /** Fragments: the parent request, and for a parent its fragments and how many are still open. */
  parent: Msg | null = null;
  fragments: Msg[] | null = null;
  pending = 0;
  /** Fragment: index of the server it goes to (-1: no live server). */
  server = -1;

  /** Core bookkeeping: owning client connection (null once the client is gone: reply is swallowed). */
  owner: unknown = null;
  /** Core bookkeeping: when the client request was received (hrtime ms, for latency histograms). */
  startedAt = 0;
  /** Core bookkeeping: when it was written to the server (for server response-time histograms). */
  sentAt = 0;
  /** Core bookkeeping: deadline in coarse ms (0 = none). */
  deadline = 0;
  /** Core bookkeeping: injected by the proxy (AUTH/SELECT/probe): reply is swallowed. */
  internal = false;

  /**
   * Move the sources of this request's lent reply bytes (its own, its fragments') to `into`, to be
   * released once those bytes are in the kernel or will never be written. Only the sources are kept,
   * not the request: a fragment's reply may be far bigger than the merged copy that is written.
   */
  takeReplySources(into: ReplySource[]): void {
    if (this.replySource !== null) {
      into.push(this.replySource);
      this.replySource = null;
    }
    const frags = this.fragments;
    if (frags === null) return;
    for (let i = 0; i < frags.length; i++) frags[i].takeReplySources(into);
  }

  /** The routing key is buf[start, end) (the whole of buf by default). */
  setKey(buf: Buffer, start = 0, end = buf.length): void {
    this.keyIn = buf;
    this.keyStart = start;
    this.keyEnd = end;
  }

  /** The routing key as a Buffer of its own (a view, made on each call): for tests and diagnostics, not the data path. */
  get key(): Buffer | null {
    return this.keyIn === null ? null : this.keyIn.subarray(this.keyStart, this.keyEnd);
  }

  /** Set the reply to a single buffer. */
  setReply(buf: Buffer): void {
    this.reply = [buf];
    this.replyBytes = buf.length;
    this.done = true;
  }

  /** Append a slice of bytes to the request's wire form. */
  pushPart(buf: Buffer): void {
    if (this.parts.length === 0) this.parts = [buf];
    else this.parts.push(buf);
    this.bytes += buf.length;
  }
}
