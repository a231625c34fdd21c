// Multi-key get/gets/gat/gats (spec §7.2): split into one sub-request per server, built once as bytes
// (`get k1 k2 \r\n`, nutcracker's exact form with its trailing space), and the merge of sub-replies.
// Unlike nutcracker, the merge puts VALUE blocks in the client's key order even when keys are missing:
// for each requested key, the next unused block *with that key* from its server's sub-reply.
// Blocks are located by re-reading only their header lines; data is passed on as slices, never copied.

import { Msg, MsgAction } from '../../proxy/msg';
import { commandTable } from './command-table';
import { localReplies } from './local-replies';
import { ReplyType } from './reply-scanner';
import { MAX_DATA_LENGTH, syntax } from './syntax';

const SPACE = 32;
const LF = 10;
const CRLF = Buffer.from('\r\n', 'latin1');
const VALUE = Buffer.from('VALUE', 'latin1');
const END = Buffer.from('END', 'latin1');
/** `<verb> ` per command-table index. */
const VERBS = commandTable.map((c) => Buffer.from(`${c.name} `, 'latin1'));

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

/** One fragment per server, in server-index order (-1, no live server, first). */
export function splitMultiGet(msg: Msg, serverOf: (key: Buffer) => number): Msg[] {
  const keys = msg.keys ?? [];
  const proto = msg.proto instanceof MultiGet ? msg.proto : new MultiGet(msg.cmd, null);
  const serverOfKey = new Int32Array(keys.length);
  const servers: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const s = serverOf(keys[i]);
    serverOfKey[i] = s;
    if (!servers.includes(s)) servers.push(s);
  }
  servers.sort((a, b) => a - b);
  const fragmentOf = new Int32Array(keys.length);
  const sizes = new Array<number>(servers.length).fill(0);
  for (let i = 0; i < keys.length; i++) {
    const f = servers.indexOf(serverOfKey[i]);
    fragmentOf[i] = f;
    sizes[f] += keys[i].length + 1;
  }
  const verb = VERBS[proto.cmd];
  const prefix = verb.length + (proto.exptime !== null ? proto.exptime.length + 1 : 0);
  const frags = servers.map((server, f) => {
    const buf = Buffer.allocUnsafe(prefix + sizes[f] + 2);
    let at = verb.copy(buf, 0);
    if (proto.exptime !== null) {
      at += proto.exptime.copy(buf, at);
      buf[at++] = SPACE;
    }
    const frag = new Msg();
    for (let i = 0; i < keys.length; i++) {
      if (fragmentOf[i] !== f) continue;
      if (frag.key === null) frag.key = keys[i];
      at += keys[i].copy(buf, at);
      buf[at++] = SPACE;
    }
    CRLF.copy(buf, at);
    frag.action = MsgAction.forward;
    frag.cmd = msg.cmd;
    frag.server = server;
    frag.parent = msg;
    frag.pushPart(buf);
    return frag;
  });
  proto.fragmentOf = fragmentOf;
  msg.proto = proto;
  msg.fragments = frags;
  msg.pending = frags.length;
  return frags;
}

/** Build the parent's reply from its fragments' replies (or set err/closeAfter). */
export function mergeMultiGet(msg: Msg): void {
  const frags = msg.fragments ?? [];
  const keys = msg.keys ?? [];
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
  const blocks: ValueBlocks[] = [];
  for (const f of frags) {
    const b = f.reply === null ? null : ValueBlocks.index(f.reply);
    if (b === null || fragmentOf === null) {
      msg.err = 'EINVAL';
      return;
    }
    blocks.push(b);
  }
  const out: Buffer[] = [];
  for (let i = 0; i < keys.length; i++) blocks[fragmentOf![i]].take(keys[i], out);
  out.push(localReplies.end);
  let bytes = 0;
  for (const p of out) bytes += p.length;
  msg.reply = out;
  msg.replyBytes = bytes;
  msg.replyType = ReplyType.valueList;
}

/** The VALUE blocks of one sub-reply: where each starts in `parts`, its length and its key. */
class ValueBlocks {
  private readonly keys: Buffer[] = [];
  private readonly part: number[] = [];
  private readonly offset: number[] = [];
  private readonly length: number[] = [];
  private used: Uint8Array = new Uint8Array(0);
  /** First block not yet used. */
  private next = 0;

  private constructor(private readonly parts: Buffer[]) {}

  /** Index a `VALUE … END` reply; null if it is not one (the scanner should have refused it). */
  static index(parts: Buffer[]): ValueBlocks | null {
    const b = new ValueBlocks(parts);
    let p = 0;
    let off = 0;
    for (;;) {
      while (p < parts.length && off >= parts[p].length) {
        p++;
        off = 0;
      }
      if (p >= parts.length) return null;
      // The header line, in place when inside one part (the usual case), else copied.
      let line: Buffer;
      let s: number;
      let lineLen: number;
      const nl = parts[p].indexOf(LF, off);
      if (nl >= 0) {
        line = parts[p];
        s = off;
        lineLen = nl + 1 - off;
      } else {
        line = joinLine(parts, p, off);
        s = 0;
        lineLen = line.length;
      }
      const e = s + lineLen - 2;
      if (syntax.equals(line, s, e, END)) break;
      const header = parseValueHeader(line, s, e);
      if (header === null) return null;
      b.keys.push(header.key);
      b.part.push(p);
      b.offset.push(off);
      b.length.push(lineLen + header.dataLen + 2);
      // Advance past the whole block.
      let skip = lineLen + header.dataLen + 2;
      while (skip > 0 && p < parts.length) {
        const avail = parts[p].length - off;
        if (skip < avail) {
          off += skip;
          skip = 0;
        } else {
          skip -= avail;
          p++;
          off = 0;
        }
      }
      if (skip > 0) return null;
    }
    b.used = new Uint8Array(b.keys.length);
    return b;
  }

  /** Append (as slices) the next unused block whose key is `key`, if any. */
  take(key: Buffer, out: Buffer[]): void {
    for (let j = this.next; j < this.keys.length; j++) {
      if (this.used[j] === 1 || !this.keys[j].equals(key)) continue;
      this.used[j] = 1;
      while (this.next < this.keys.length && this.used[this.next] === 1) this.next++;
      let p = this.part[j];
      let off = this.offset[j];
      let left = this.length[j];
      while (left > 0) {
        const part = this.parts[p];
        const n = Math.min(left, part.length - off);
        out.push(part.subarray(off, off + n));
        left -= n;
        p++;
        off = 0;
      }
      return;
    }
  }
}

/** A header line that spans parts, copied (CRLF included). */
function joinLine(parts: Buffer[], p: number, off: number): Buffer {
  const pieces: Buffer[] = [];
  for (let i = p; i < parts.length; i++) {
    const from = i === p ? off : 0;
    const nl = parts[i].indexOf(LF, from);
    pieces.push(parts[i].subarray(from, nl >= 0 ? nl + 1 : parts[i].length));
    if (nl >= 0) break;
  }
  return Buffer.concat(pieces);
}

/** `VALUE <key> <flags> <bytes> [<cas>]` → key (a slice of line) and data length. */
function parseValueHeader(line: Buffer, s: number, e: number): { key: Buffer; dataLen: number } | null {
  let i = s;
  let n = 0;
  let key: Buffer | null = null;
  let dataLen = -1;
  for (;;) {
    while (i < e && line[i] === SPACE) i++;
    if (i >= e) break;
    const start = i;
    while (i < e && line[i] !== SPACE) i++;
    if (n === 0 && !syntax.equals(line, start, i, VALUE)) return null;
    if (n === 1) key = line.subarray(start, i);
    if (n === 3) dataLen = syntax.parseUint(line, start, i, MAX_DATA_LENGTH);
    n++;
  }
  return key === null || dataLen < 0 ? null : { key, dataLen };
}
