// Merging the fragments' replies of a split request into the one reply the client gets (spec §6.5):
// MGET → one array in the client's key order, DEL/UNLINK/TOUCH/EXISTS → the sum, MSET → +OK.
// MGET replies are assembled from the fragments' elements: small values copied, big ones sliced.

import type { ErrnoName } from '../../proxy/errno';
import type { KeyList, Msg } from '../../proxy/msg';
import { commandIndex } from './commands';
import { REPLIES, integerReply, writeDec } from './replies';
import { ReplyType } from './reply-scanner';
import { assemble, mergeRanges } from '../assemble';

const MGET = commandIndex('mget');
const MSET = commandIndex('mset');

/** Parse a decimal integer (optional '-') in buf[start, end); NaN when not one. */
function parseDec(buf: Uint8Array, start: number, end: number): number {
  let neg = false;
  if (start < end && buf[start] === 45) {
    neg = true;
    start++;
  }
  if (start >= end || end - start > 18) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/** End of the header line starting at pos (the index of its CR), or -1. */
function lineEnd(buf: Buffer, pos: number): number {
  const cr = buf.indexOf(13, pos);
  return cr >= 0 && cr + 1 < buf.length && buf[cr + 1] === 10 ? cr : -1;
}

/** Position after the complete RESP element at pos, or -1 when malformed or cut short. */
function skipElement(buf: Buffer, pos: number): number {
  let remaining = 1;
  while (remaining > 0) {
    if (pos >= buf.length) return -1;
    const type = buf[pos];
    const cr = lineEnd(buf, pos + 1);
    if (cr < 0) return -1;
    remaining--;
    if (type === 36 || type === 42) {
      const n = parseDec(buf, pos + 1, cr);
      if (Number.isNaN(n) || n < -1) return -1;
      pos = cr + 2;
      if (type === 42) {
        if (n > 0) remaining += n;
      } else if (n >= 0) {
        if (pos + n + 2 > buf.length || buf[pos + n] !== 13 || buf[pos + n + 1] !== 10) return -1;
        pos += n + 2;
      }
    } else if (type === 43 || type === 45 || type === 58) {
      pos = cr + 2;
    } else return -1;
  }
  return pos;
}

function whole(parts: Buffer[], bytes: number): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes);
}

function fail(msg: Msg, err: ErrnoName): void {
  msg.err = err;
  msg.reply = null;
  msg.done = true;
}

function reply(msg: Msg, parts: Buffer[], bytes: number, type: number): void {
  msg.reply = parts;
  msg.replyBytes = bytes;
  msg.replyType = type;
  msg.done = true;
}

const TYPE_OF_BYTE: Record<number, number> = { 43: ReplyType.status, 45: ReplyType.error, 58: ReplyType.integer, 36: ReplyType.bulk, 42: ReplyType.array };

/** All fragments are done: set the parent's reply, or its err (and closeAfter for MGET). */
export function merge(msg: Msg): void {
  const frags = msg.fragments as Msg[];
  // Connection-level failures first: the errno of the first failed fragment that has one.
  let failed = false;
  let err: ErrnoName | null = null;
  for (const f of frags) {
    if (f.err === null && f.reply !== null && f.replyBytes > 0) continue;
    failed = true;
    if (err === null && f.err !== null && f.err !== 'unknown') err = f.err;
  }
  if (failed) {
    fail(msg, err ?? 'unknown');
    // nutcracker closes the client after a failed MGET (spec §6.5); kept for compatibility.
    if (msg.cmd === MGET) msg.closeAfter = true;
    return;
  }
  const expected = msg.cmd === MGET ? ReplyType.array : msg.cmd === MSET ? ReplyType.status : ReplyType.integer;
  for (const f of frags) {
    const type = TYPE_OF_BYTE[(f.reply as Buffer[])[0][0]] ?? -1;
    if (type === expected) continue;
    // A backend error (-READONLY, -NOAUTH, -WRONGTYPE...) reaches the client verbatim, which says far
    // more than nutcracker's `-ERR Invalid argument`.
    if (type === ReplyType.error) reply(msg, f.reply as Buffer[], f.replyBytes, ReplyType.error);
    else fail(msg, 'EINVAL');
    return;
  }
  if (msg.cmd === MSET) reply(msg, [REPLIES.ok], REPLIES.ok.length, ReplyType.status);
  else if (msg.cmd === MGET) mergeArrays(msg, frags);
  else mergeSum(msg, frags);
}

function mergeSum(msg: Msg, frags: Msg[]): void {
  let sum = 0;
  for (const f of frags) {
    const buf = whole(f.reply as Buffer[], f.replyBytes);
    const cr = lineEnd(buf, 1);
    const n = cr < 0 ? NaN : parseDec(buf, 1, cr);
    if (Number.isNaN(n)) return fail(msg, 'EINVAL');
    sum += n;
  }
  const out = integerReply(sum);
  reply(msg, [out], out.length, ReplyType.integer);
}

/** The merged reply's `*<n>\r\n` is written here, then copied into the reply's first buffer. */
const head = Buffer.alloc(24);

/**
 * MGET: each fragment's array elements go back to the positions of the keys it carried: the bounds
 * of every element are found first, then the reply is assembled from them (assemble.ts).
 */
function mergeArrays(msg: Msg, frags: Msg[]): void {
  const nkeys = (msg.keys as KeyList).length;
  const ranges = mergeRanges;
  ranges.reserve(nkeys);
  let bytes = 0;
  for (let f = 0; f < frags.length; f++) {
    const positions = frags[f].proto as number[];
    const buf = whole(frags[f].reply as Buffer[], frags[f].replyBytes);
    ranges.sources[f] = buf;
    const cr = lineEnd(buf, 1);
    if (cr < 0 || parseDec(buf, 1, cr) !== positions.length) {
      ranges.drop();
      return fail(msg, 'EINVAL');
    }
    let pos = cr + 2;
    for (let j = 0; j < positions.length; j++) {
      const end = skipElement(buf, pos);
      if (end < 0) {
        ranges.drop();
        return fail(msg, 'EINVAL');
      }
      ranges.set(positions[j], f, pos, end);
      bytes += end - pos;
      pos = end;
    }
  }
  head[0] = 42;
  let h = writeDec(head, 1, nkeys);
  head[h++] = 13;
  head[h++] = 10;
  reply(msg, assemble(ranges, nkeys, head, h, null), h + bytes, ReplyType.array);
}
