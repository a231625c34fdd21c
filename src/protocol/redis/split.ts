// Splitting a multi-key request (MGET DEL UNLINK TOUCH EXISTS MSET) into one fragment per server
// (spec §6.5). Each fragment is a fresh RESP array with the lowercase command name, built once as
// bytes: one buffer per fragment holds every small piece (headers, keys); MSET values are not
// copied, their slices are interleaved as parts.

import { type KeyList, Msg, MsgAction } from '../../proxy/msg';
import type { ServerOf } from '../types';
import { CMD_NAME_BYTES } from './commands';
import { decLen, writeDec } from './replies';
import { copyRange } from '../copy-range';
import { allocSmall, slice } from '../slice';

/** MSET's values as scanned (slices of the client's chunks, never copied): value i is
 * slices[ends[i-1] .. ends[i]) and has lens[i] bytes. Kept in the parent's `proto`. */
export class MsetValues {
  slices: Buffer[] = [];
  ends: number[] = [];
  lens: number[] = [];
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
      if (values !== null) smallBytes += 1 + decLen(values.lens[i]) + 2 + 2;
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
      p = writeLenLine(buf, p, 36, values.lens[i]);
      frag.pushPart(slice(buf, from, p));
      for (let v = i === 0 ? 0 : values.ends[i - 1]; v < values.ends[i]; v++) frag.pushPart(values.slices[v]);
      from = p;
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
