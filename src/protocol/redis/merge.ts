// Merging the fragments' replies of a split request into the one reply the client gets (spec §6.5):
// MGET → one array in the client's key order, DEL/UNLINK/TOUCH/EXISTS → the sum, MSET → +OK.
// MGET values are not copied: the merged reply's parts are slices of the fragments' replies.

import type { ErrnoName } from '../../proxy/errno';
import type { KeyList, Msg } from '../../proxy/msg';
import { commandIndex } from './commands';
import { REPLIES, decLen, integerReply, writeDec } from './replies';
import { ReplyType } from './reply-scanner';
import { copyRange } from '../copy-range';
import { MERGE_COPY_LIMIT } from '../types';
import { allocSmall, slice } from '../slice';

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

/** Scratch for mergeArrays: per key, the fragment buffer and the element's bounds in it. */
const elemBuf: Buffer[] = [];
const EMPTY = Buffer.alloc(0);
let elemStart = new Int32Array(64);
let elemEnd = new Int32Array(64);

/** Drop the scratch's references to the fragments' buffers (a loop: fill() is a runtime call). */
function dropElements(n: number): void {
  for (let k = 0; k < n; k++) elemBuf[k] = EMPTY;
}

/**
 * MGET: each fragment's array elements go back to the positions of the keys it carried. Two passes:
 * find every element's bounds, then copy small replies once into one buffer (cheaper than a slice
 * per element and a concat when the client's replies are written); large ones go on as slices.
 */
function mergeArrays(msg: Msg, frags: Msg[]): void {
  const nkeys = (msg.keys as KeyList).length;
  if (elemStart.length < nkeys) {
    elemStart = new Int32Array(nkeys * 2);
    elemEnd = new Int32Array(nkeys * 2);
  }
  let bytes = 1 + decLen(nkeys) + 2;
  for (const f of frags) {
    const positions = f.proto as number[];
    const buf = whole(f.reply as Buffer[], f.replyBytes);
    const cr = lineEnd(buf, 1);
    if (cr < 0 || parseDec(buf, 1, cr) !== positions.length) return fail(msg, 'EINVAL');
    let pos = cr + 2;
    for (let j = 0; j < positions.length; j++) {
      const end = skipElement(buf, pos);
      if (end < 0) return fail(msg, 'EINVAL');
      const k = positions[j];
      elemBuf[k] = buf;
      elemStart[k] = pos;
      elemEnd[k] = end;
      bytes += end - pos;
      pos = end;
    }
  }
  if (bytes > MERGE_COPY_LIMIT) {
    // Large values: pass slices of the sub-replies on rather than copying them into a second buffer.
    const parts: Buffer[] = new Array(nkeys + 1);
    const head = allocSmall(1 + decLen(nkeys) + 2);
    head[0] = 42;
    const h = writeDec(head, 1, nkeys);
    head[h] = 13;
    head[h + 1] = 10;
    parts[0] = head;
    for (let k = 0; k < nkeys; k++) parts[k + 1] = slice(elemBuf[k], elemStart[k], elemEnd[k]);
    dropElements(nkeys);
    reply(msg, parts, bytes, ReplyType.array);
    return;
  }
  const out = allocSmall(bytes);
  out[0] = 42;
  let p = writeDec(out, 1, nkeys);
  out[p++] = 13;
  out[p++] = 10;
  for (let k = 0; k < nkeys; ) {
    // Elements that sit next to each other in one sub-reply are copied as one run.
    const src = elemBuf[k];
    const b = elemStart[k];
    let e = elemEnd[k++];
    while (k < nkeys && elemBuf[k] === src && elemStart[k] === e) e = elemEnd[k++];
    p = copyRange(src, b, e, out, p);
  }
  dropElements(nkeys);
  reply(msg, [out], bytes, ReplyType.array);
}
