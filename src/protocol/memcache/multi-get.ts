// Multi-key get/gets/gat/gats (spec §7.2): split into one sub-request per server, built once as bytes
// (`get k1 k2 \r\n`, nutcracker's exact form with its trailing space), and the merge of sub-replies.
// Unlike nutcracker, the merge puts VALUE blocks in the client's key order even when keys are missing:
// for each requested key, the next block *with that key* from its server's sub-reply.
// Blocks are located from their header lines' ends and numbers (keys are read only in a sub-reply
// that misses some); the reply is assembled from them (assemble.ts: small values copied once, big
// ones passed on as slices).

import { KeyList, Msg, MsgAction } from '../../proxy/msg';
import { commandTable } from './command-table';
import { localReplies } from './local-replies';
import { ReplyType } from './reply-scanner';
import { MAX_DATA_LENGTH, syntax } from './syntax';
import { copyRange } from '../copy-range';
import type { ServerOf } from '../types';
import { assemble, mergeRanges } from '../assemble';
import { allocSmall } from '../slice';

const SPACE = 32;
const CR = 13;
const ZERO = 48;
const NINE = 57;
const LF = 10;
const VALUE_SPACE = Buffer.from('VALUE ', 'latin1');
const END_LINE = Buffer.from('END\r\n', 'latin1');
/** `<verb> ` per command-table index. */
const VERBS = commandTable.map((c) => Buffer.from(`${c.name} `, 'latin1'));
/** Per command-table index: its VALUE lines end with a cas unique. */
const WITH_CAS = commandTable.map((c) => c.name === 'gets' || c.name === 'gats');

/** msg.proto of a split retrieval request. */
export class MultiGet {
  /** Set by split: the fragment each key went to, in the client's key order. */
  fragmentOf: Int32Array | null = null;
  constructor(
    /** Command-table index (get, gets, gat, gats). */
    readonly cmd: number,
    /** gat/gats: the exptime token as the client sent it. */
    readonly exptime: Buffer | null,
  ) {}
}

/** A multi-get always has keys; this stands in if one does not. */
const NO_KEYS = new KeyList(0);

// Scratch for the split, reused by every multi-get: per key its server; per server slot (server + 1,
// so "no live server" is slot 0) its fragment; per fragment its server and request size.
let serverScratch = new Int32Array(64);
let fragOfSlot = new Int32Array(16);
let fragServer = new Int32Array(16);
let fragSize = new Int32Array(16);

/** One fragment per server, in server-index order (-1, no live server, first). */
export function splitMultiGet(msg: Msg, serverOf: ServerOf): Msg[] {
  const keys = msg.keys ?? NO_KEYS;
  const { bufs, starts, ends } = keys;
  const nkeys = keys.length;
  const proto = msg.proto instanceof MultiGet ? msg.proto : new MultiGet(msg.cmd, null);
  if (serverScratch.length < nkeys) serverScratch = new Int32Array(nkeys * 2);
  let maxServer = -1;
  for (let i = 0; i < nkeys; i++) {
    const s = serverOf(bufs[i], starts[i], ends[i]);
    serverScratch[i] = s;
    if (s > maxServer) maxServer = s;
  }
  const slots = maxServer + 2;
  if (fragOfSlot.length < slots) {
    fragOfSlot = new Int32Array(slots * 2);
    fragServer = new Int32Array(slots * 2);
    fragSize = new Int32Array(slots * 2);
  }
  for (let slot = 0; slot < slots; slot++) fragOfSlot[slot] = -1;
  for (let i = 0; i < nkeys; i++) fragOfSlot[serverScratch[i] + 1] = 0;
  let nfrags = 0;
  for (let slot = 0; slot < slots; slot++) {
    if (fragOfSlot[slot] < 0) continue;
    fragServer[nfrags] = slot - 1;
    fragSize[nfrags] = 0;
    fragOfSlot[slot] = nfrags++;
  }
  const fragmentOf = new Int32Array(nkeys); // kept in proto for the merge
  for (let i = 0; i < nkeys; i++) {
    const f = fragOfSlot[serverScratch[i] + 1];
    fragmentOf[i] = f;
    fragSize[f] += ends[i] - starts[i] + 1;
  }
  const verb = VERBS[proto.cmd];
  const prefix = verb.length + (proto.exptime !== null ? proto.exptime.length + 1 : 0);
  const frags: Msg[] = new Array(nfrags);
  for (let f = 0; f < nfrags; f++) {
    const buf = allocSmall(prefix + fragSize[f] + 2);
    let at = copyRange(verb, 0, verb.length, buf, 0);
    if (proto.exptime !== null) {
      at = copyRange(proto.exptime, 0, proto.exptime.length, buf, at);
      buf[at++] = SPACE;
    }
    const frag = new Msg();
    for (let i = 0; i < nkeys; i++) {
      if (fragmentOf[i] !== f) continue;
      if (frag.keyIn === null) frag.setKey(bufs[i], starts[i], ends[i]);
      at = copyRange(bufs[i], starts[i], ends[i], buf, at);
      buf[at++] = SPACE;
    }
    buf[at++] = 13;
    buf[at] = LF;
    frag.action = MsgAction.forward;
    frag.cmd = msg.cmd;
    frag.server = fragServer[f];
    frag.parent = msg;
    frag.pushPart(buf);
    frags[f] = frag;
  }
  proto.fragmentOf = fragmentOf;
  msg.proto = proto;
  msg.fragments = frags;
  msg.pending = frags.length;
  return frags;
}

/** Build the parent's reply from its fragments' replies (or set err/closeAfter). */
export function mergeMultiGet(msg: Msg): void {
  const frags = msg.fragments ?? [];
  const keys = msg.keys ?? NO_KEYS;
  const { bufs, starts, ends } = keys;
  const fragmentOf = msg.proto instanceof MultiGet ? msg.proto.fragmentOf : null;
  msg.done = true;
  // A sub-request that failed at connection level: nutcracker answers its error and closes.
  for (const f of frags) {
    if (f.err !== null) {
      msg.err = f.err;
      msg.closeAfter = true;
      return;
    }
  }
  // A sub-reply that is not a value list: pass a server's error line through, else EINVAL.
  for (const f of frags) {
    if (f.reply === null || f.replyType === ReplyType.valueList) continue;
    const t = f.replyType;
    if (t === ReplyType.error || t === ReplyType.clientError || t === ReplyType.serverError) {
      msg.reply = f.reply;
      msg.replyBytes = f.replyBytes;
      msg.replyType = t;
    } else msg.err = 'EINVAL';
    return;
  }
  if (fragmentOf === null) {
    msg.err = 'EINVAL';
    return;
  }
  if (keysOf.length < frags.length) keysOf = new Int32Array(frags.length * 2);
  for (let f = 0; f < frags.length; f++) keysOf[f] = 0;
  for (let i = 0; i < keys.length; i++) keysOf[fragmentOf[i]]++;
  if (!indexBlocks(frags, keys.length, WITH_CAS[msg.cmd])) {
    dropFragments(frags.length);
    msg.err = 'EINVAL';
    return;
  }
  const ranges = mergeRanges;
  ranges.reserve(keys.length);
  for (let f = 0; f < frags.length; f++) ranges.sources[f] = fragBuf[f];
  let chosen = chooseInOrder(keys, fragmentOf, frags.length);
  if (chosen < 0) chosen = chooseBySearch(keys, fragmentOf, frags.length);
  let bytes = localReplies.end.length;
  for (let c = 0; c < chosen; c++) bytes += ranges.ends[c] - ranges.starts[c];
  dropFragments(frags.length);
  msg.reply = assemble(ranges, chosen, EMPTY, 0, localReplies.end);
  msg.replyBytes = bytes;
  msg.replyType = ReplyType.valueList;
}

/**
 * memcached answers a get's keys in the order sent and skips the missing ones, so for each key the
 * next block of its server's sub-reply is its value if it carries that key, and otherwise the key is
 * missing: one comparison per key. A sub-reply with a block for every key sent needs none. Sets the
 * chosen blocks as mergeRanges 0..n-1 and returns n, or -1 when a sub-reply has blocks left over
 * (they were not in the order sent).
 */
function chooseInOrder(keys: KeyList, fragmentOf: Int32Array, nfrags: number): number {
  const { bufs, starts, ends } = keys;
  let chosen = 0;
  for (let i = 0; i < keys.length; i++) {
    const f = fragmentOf[i];
    const j = nextBlock[f];
    if (j === firstBlock[f + 1]) continue;
    const full = keysOf[f] === firstBlock[f + 1] - firstBlock[f];
    if (!full && !syntax.rangeEquals(fragBuf[f], keyStart[j], keyEnd[j], bufs[i], starts[i], ends[i])) continue;
    nextBlock[f]++;
    mergeRanges.set(chosen++, f, blockStart[j], blockEnd[j]);
  }
  for (let f = 0; f < nfrags; f++) if (nextBlock[f] !== firstBlock[f + 1]) return -1;
  return chosen;
}

/**
 * For a sub-reply with misses whose blocks are not in the order sent: for each key, the first unused
 * block with that key. Quadratic in the worst case, where chooseInOrder is linear (a 10,000-key get
 * with misses took 80 ms this way), so it runs only when chooseInOrder finds the order broken.
 */
function chooseBySearch(keys: KeyList, fragmentOf: Int32Array, nfrags: number): number {
  const { bufs, starts, ends } = keys;
  for (let f = 0; f < nfrags; f++) nextBlock[f] = firstBlock[f];
  let chosen = 0;
  for (let i = 0; i < keys.length; i++) {
    const f = fragmentOf[i];
    const full = keysOf[f] === firstBlock[f + 1] - firstBlock[f];
    for (let j = nextBlock[f]; j < firstBlock[f + 1]; j++) {
      if (blockUsed[j] === 1 || (!full && !syntax.rangeEquals(fragBuf[f], keyStart[j], keyEnd[j], bufs[i], starts[i], ends[i]))) continue;
      blockUsed[j] = 1;
      while (nextBlock[f] < firstBlock[f + 1] && blockUsed[nextBlock[f]] === 1) nextBlock[f]++;
      mergeRanges.set(chosen++, f, blockStart[j], blockEnd[j]);
      break;
    }
  }
  return chosen;
}

// Scratch for the merge, reused by every multi-get (the data path runs one request at a time):
// per VALUE block of all sub-replies, its fragment, key bounds and block bounds.
const fragBuf: Buffer[] = [];
const EMPTY = Buffer.alloc(0);
let firstBlock = new Int32Array(16);
let nextBlock = new Int32Array(16);
/** Per fragment: how many of the client's keys went to it. */
let keysOf = new Int32Array(16);
let blockFrag = new Int32Array(64);
let keyStart = new Int32Array(64);
let keyEnd = new Int32Array(64);
let blockStart = new Int32Array(64);
let blockEnd = new Int32Array(64);
let blockUsed = new Uint8Array(64);

/** Drop the scratch's references to the sub-replies (a loop: `length = 0` is a runtime call). */
function dropFragments(n: number): void {
  for (let f = 0; f < n; f++) fragBuf[f] = EMPTY;
}

function growBlocks(n: number): void {
  if (n <= blockFrag.length) return;
  const size = n * 2;
  const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const b = make(size);
    b.set(a);
    return b;
  };
  blockFrag = grow(blockFrag, (k) => new Int32Array(k));
  keyStart = grow(keyStart, (k) => new Int32Array(k));
  keyEnd = grow(keyEnd, (k) => new Int32Array(k));
  blockStart = grow(blockStart, (k) => new Int32Array(k));
  blockEnd = grow(blockEnd, (k) => new Int32Array(k));
  blockUsed = grow(blockUsed, (k) => new Uint8Array(k));
}

/**
 * Index the `VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n ... END\r\n` blocks of every
 * sub-reply into the scratch arrays (fragment f's blocks are firstBlock[f] .. firstBlock[f+1]), reading
 * each header line once. There are at most `maxBlocks` (memcached answers each key sent at most once).
 * False if a sub-reply is not such a list (the reply scanner should have refused it).
 */
function indexBlocks(frags: Msg[], maxBlocks: number, withCas: boolean): boolean {
  if (firstBlock.length < frags.length + 1) {
    firstBlock = new Int32Array((frags.length + 1) * 2);
    nextBlock = new Int32Array((frags.length + 1) * 2);
  }
  growBlocks(maxBlocks);
  let n = 0;
  for (let f = 0; f < frags.length; f++) {
    const reply = frags[f].reply;
    if (reply === null) return false;
    const buf = reply.length === 1 ? reply[0] : Buffer.concat(reply, frags[f].replyBytes);
    const len = buf.length;
    fragBuf[f] = buf;
    firstBlock[f] = n;
    nextBlock[f] = n;
    let pos = 0;
    for (;;) {
      if (syntax.startsWith(buf, pos, len, END_LINE)) break;
      if (n === maxBlocks || !syntax.startsWith(buf, pos, len, VALUE_SPACE)) return false;
      // The header's end, then its numbers read backwards from there: the cas unique if the command
      // asked for one, then <bytes>. The key is read only for a sub-reply that misses keys (below).
      const lf = buf.indexOf(LF, pos + VALUE_SPACE.length);
      if (lf < 0 || buf[lf - 1] !== CR) return false;
      let i = lf - 2;
      if (withCas) {
        while (i > pos && buf[i] !== SPACE) i--;
        i--;
      }
      const last = i;
      let dataLen = 0;
      for (let scale = 1; i > pos && buf[i] >= ZERO && buf[i] <= NINE; i--, scale *= 10) dataLen += (buf[i] - ZERO) * scale;
      const ks = pos + VALUE_SPACE.length;
      if (i === last || last - i > 10 || i <= ks || buf[i] !== SPACE || dataLen > MAX_DATA_LENGTH) return false;
      const end = lf + 1 + dataLen + 2;
      if (end > len || buf[end - 2] !== CR || buf[end - 1] !== LF) return false;
      blockFrag[n] = f;
      keyStart[n] = ks; // keyEnd is found below, when it is needed
      blockStart[n] = pos;
      blockEnd[n] = end;
      blockUsed[n] = 0;
      n++;
      pos = end;
    }
    // Keys are compared only in a sub-reply with fewer blocks than keys sent: find where they end.
    if (n - firstBlock[f] !== keysOf[f]) {
      for (let j = firstBlock[f]; j < n; j++) {
        let k = keyStart[j];
        while (k < blockEnd[j] && buf[k] !== SPACE) k++;
        keyEnd[j] = k;
      }
    }
  }
  firstBlock[frags.length] = n;
  return true;
}
