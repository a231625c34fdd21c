// Splitting a multi-key request (MGET DEL UNLINK TOUCH EXISTS MSET) into one fragment per server
// (spec §6.5). Each fragment is a fresh RESP array with the lowercase command name, built once as
// bytes: one buffer per fragment holds every small piece (headers, keys, MSET values under
// SLICE_FROM); bigger MSET values are not copied, their slices are interleaved as parts.

import { type KeyList, Msg, MsgAction } from '../../proxy/msg';
import type { ServerOf } from '../types';
import { CMD_NAME_BYTES } from './commands';
import { decLen, writeDec } from './replies';
import { SLICE_FROM } from '../assemble';
import { copyRange } from '../copy-range';
import { allocSmall, slice } from '../slice';

/**
 * MSET's values as scanned, kept in the parent's `proto`: where they are in the client's chunks, as
 * numbers (an MSET of many pairs would otherwise make an object per value for the collector to move).
 * Piece p is chunks[chunkOf[p]][starts[p], ends[p]); value i is pieces pieceEnds[i-1] .. pieceEnds[i]
 * (one, unless the value spans reads) and has lens[i] bytes.
 */
export class MsetValues {
  /** Each chunk a value was read from, once, in stream order. */
  readonly chunks: Buffer[] = [];
  readonly chunkOf: number[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly pieceEnds: number[] = [];
  readonly lens: number[] = [];

  /** The current value continues with chunk[start, end). */
  addPiece(chunk: Buffer, start: number, end: number): void {
    const last = this.chunks.length - 1;
    if (last < 0 || this.chunks[last] !== chunk) this.chunks.push(chunk);
    this.chunkOf.push(this.chunks.length - 1);
    this.starts.push(start);
    this.ends.push(end);
  }

  /** The current value, of `len` bytes, is complete. */
  endValue(len: number): void {
    this.pieceEnds.push(this.starts.length);
    this.lens.push(len);
  }

  /** Value i as a Buffer of its own: for tests and diagnostics, not the data path. */
  value(i: number): Buffer {
    const pieces: Buffer[] = [];
    for (let p = i === 0 ? 0 : this.pieceEnds[i - 1]; p < this.pieceEnds[i]; p++) pieces.push(this.chunks[this.chunkOf[p]].subarray(this.starts[p], this.ends[p]));
    return Buffer.concat(pieces);
  }
}

/** `<prefix><n>\r\n` (prefix `*` or `$`) written at pos; returns the new position. */
function writeLenLine(buf: Buffer, pos: number, prefix: number, n: number): number {
  buf[pos++] = prefix;
  pos = writeDec(buf, pos, n);
  buf[pos++] = 13;
  buf[pos++] = 10;
  return pos;
}

/** Scratch arrays reused by every split (the data path runs one request at a time). */
let serverScratch = new Int32Array(64);
let cursorScratch = new Int32Array(64);
let fragOfSlotScratch = new Int32Array(64);

/**
 * One fragment per involved server, in server-index order (-1, "no live server", first), each with
 * that server's keys in the client's order (duplicates kept). Sets msg.fragments and msg.pending.
 * A fragment's `proto` is the array of the parent key positions it carries, for merge: a plain array
 * of small integers, which V8 allocates inline, where a typed array per request costs a builtin call
 * and, once viewed with subarray(), a malloc'd backing store.
 */
export function split(msg: Msg, serverOf: ServerOf): Msg[] {
  const keys = msg.keys as KeyList;
  const { bufs, starts, ends } = keys;
  const nkeys = keys.length;
  const values = msg.proto instanceof MsetValues ? msg.proto : null;
  // Counting sort of key positions by server (slot = server + 1, so -1 comes first): stable, so
  // each server's keys stay in the client's order, and linear in keys + servers.
  if (serverScratch.length < nkeys) serverScratch = new Int32Array(nkeys * 2);
  const server = serverScratch; // per key; only read within this call
  let maxServer = -1;
  for (let i = 0; i < nkeys; i++) {
    const s = serverOf(bufs[i], starts[i], ends[i]);
    server[i] = s;
    if (s > maxServer) maxServer = s;
  }
  if (cursorScratch.length < maxServer + 2) cursorScratch = new Int32Array((maxServer + 2) * 2);
  const cursor = cursorScratch;
  for (let slot = 0; slot < maxServer + 2; slot++) cursor[slot] = 0;
  for (let i = 0; i < nkeys; i++) cursor[server[i] + 1]++;
  // Each involved slot's fragment gets the array its keys' positions are dealt into.
  if (fragOfSlotScratch.length < maxServer + 2) fragOfSlotScratch = new Int32Array((maxServer + 2) * 2);
  const fragOfSlot = fragOfSlotScratch;
  let nfrags = 0;
  for (let slot = 0; slot < maxServer + 2; slot++) if (cursor[slot] > 0) nfrags++;
  const positionLists: number[][] = new Array(nfrags);
  for (let slot = 0, f = 0; slot < maxServer + 2; slot++) {
    const count = cursor[slot];
    if (count === 0) continue;
    cursor[slot] = 0;
    fragOfSlot[slot] = f;
    positionLists[f++] = new Array<number>(count);
  }
  for (let i = 0; i < nkeys; i++) {
    const slot = server[i] + 1;
    positionLists[fragOfSlot[slot]][cursor[slot]++] = i;
  }

  const name = CMD_NAME_BYTES[msg.cmd];
  const frags: Msg[] = new Array(nfrags);
  for (let f = 0; f < nfrags; f++) {
    const positions = positionLists[f];
    const count = positions.length;
    const s = server[positions[0]];
    let smallBytes = 0;
    for (let j = 0; j < count; j++) {
      const i = positions[j];
      const k = ends[i] - starts[i];
      smallBytes += 1 + decLen(k) + 2 + k + 2;
      if (values === null) continue;
      const len = values.lens[i];
      smallBytes += 1 + decLen(len) + 2 + 2 + (len < SLICE_FROM ? len : 0);
    }
    const elements = values !== null ? 2 * count + 1 : count + 1;
    smallBytes += 1 + decLen(elements) + 2 + 1 + decLen(name.length) + 2 + name.length + 2;

    const frag = new Msg();
    frag.action = MsgAction.forward;
    frag.parent = msg;
    frag.server = s;
    frag.cmd = msg.cmd;
    frag.setKey(bufs[positions[0]], starts[positions[0]], ends[positions[0]]);
    frag.proto = positions;

    const buf = allocSmall(smallBytes);
    let p = writeLenLine(buf, 0, 42, elements);
    p = writeLenLine(buf, p, 36, name.length);
    p = copyRange(name, 0, name.length, buf, p);
    buf[p++] = 13;
    buf[p++] = 10;
    let from = 0; // start of the small bytes not yet pushed as a part
    for (let j = 0; j < count; j++) {
      const i = positions[j];
      p = writeLenLine(buf, p, 36, ends[i] - starts[i]);
      p = copyRange(bufs[i], starts[i], ends[i], buf, p);
      buf[p++] = 13;
      buf[p++] = 10;
      if (values === null) continue;
      const len = values.lens[i];
      p = writeLenLine(buf, p, 36, len);
      // Value i is pieces [first, last): each a range of one of the client's chunks.
      const first = i === 0 ? 0 : values.pieceEnds[i - 1];
      const last = values.pieceEnds[i];
      if (len < SLICE_FROM) {
        for (let v = first; v < last; v++) p = copyRange(values.chunks[values.chunkOf[v]], values.starts[v], values.ends[v], buf, p);
      } else {
        frag.pushPart(slice(buf, from, p));
        for (let v = first; v < last; v++) frag.pushPart(slice(values.chunks[values.chunkOf[v]], values.starts[v], values.ends[v]));
        from = p;
      }
      buf[p++] = 13;
      buf[p++] = 10;
    }
    frag.pushPart(from === 0 ? buf : slice(buf, from, p));
    frags[f] = frag;
  }
  msg.fragments = frags;
  msg.pending = frags.length;
  return frags;
}
