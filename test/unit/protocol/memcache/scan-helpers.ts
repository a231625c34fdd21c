// Test helpers for the memcached scanners: the splits every case is fed in (whole, byte by byte, seeded
// random; see helpers/random.ts), and what the scanner reported as plain objects that deepStrictEqual
// can compare.
// Bytes are shown as latin1 strings so binary data round-trips exactly.

import type { ReplySink, RequestSink } from '../../../../src/protocol/types';
import type { KeyList, Msg } from '../../../../src/proxy/msg';
import { commandTable } from '../../../../src/protocol/memcache/command-table';
import { RequestScanner } from '../../../../src/protocol/memcache/request-scanner';
import { ReplyScanner } from '../../../../src/protocol/memcache/reply-scanner';

/** Whole, byte by byte, and five seeded random splits into chunks of 1..17 bytes (views of the input). */
export const SPLITS = { seeds: [1, 2, 3, 7, 42], maxChunk: 17 } as const;

const str = (b: Buffer | null): string | null => (b === null ? null : b.toString('latin1'));
const ACTIONS = ['forward', 'local', 'split', 'quit'];

/** A request as seen by the core, in comparable form. */
export interface SeenRequest {
  event: 'request';
  action: string;
  cmd: string | null;
  key: string | null;
  keys: string[] | null;
  noreply: boolean;
  wire: string;
  reply: string | null;
}
export interface SeenFramingError {
  event: 'framing';
  reply: string | null;
  reason: string;
}
export type SeenEvent = SeenRequest | SeenFramingError;

export function describeMsg(m: Msg): SeenRequest {
  const wire = Buffer.concat(m.parts);
  if (wire.length !== m.bytes) throw new Error(`msg.bytes ${m.bytes} != parts length ${wire.length}`);
  return {
    event: 'request',
    action: ACTIONS[m.action],
    cmd: m.cmd >= 0 ? commandTable[m.cmd].name : null,
    key: str(m.key),
    keys: m.keys === null ? null : Array.from({ length: m.keys.length }, (_, i) => (m.keys as KeyList).key(i).toString('latin1')),
    noreply: m.noreply,
    wire: wire.toString('latin1'),
    reply: m.reply === null ? null : Buffer.concat(m.reply).toString('latin1'),
  };
}

export class RequestRecorder implements RequestSink {
  readonly events: SeenEvent[] = [];
  readonly msgs: Msg[] = [];
  onRequest(msg: Msg): void {
    this.msgs.push(msg);
    this.events.push(describeMsg(msg));
  }
  onFramingError(reply: Buffer | null, reason: string): void {
    this.events.push({ event: 'framing', reply: str(reply), reason });
  }
}

export function scanRequests(chunks: Buffer[], maxKeyLength = 250): RequestRecorder {
  const scanner = new RequestScanner({ maxKeyLength });
  const rec = new RequestRecorder();
  for (const c of chunks) scanner.feed(c, rec);
  return rec;
}

export interface SeenReply {
  event: 'reply';
  type: number;
  bytes: string;
}
export interface SeenProtocolError {
  event: 'protocol-error';
  reason: string;
}

export class ReplyRecorder implements ReplySink {
  readonly events: (SeenReply | SeenProtocolError)[] = [];
  readonly replies: { parts: Buffer[]; bytes: number; type: number }[] = [];
  onReply(parts: Buffer[], bytes: number, replyType: number, failure: boolean): void {
    if (failure) throw new Error('memcached replies are never failures');
    const all = Buffer.concat(parts);
    if (all.length !== bytes) throw new Error(`reply bytes ${bytes} != parts length ${all.length}`);
    this.replies.push({ parts, bytes, type: replyType });
    this.events.push({ event: 'reply', type: replyType, bytes: all.toString('latin1') });
  }
  onProtocolError(reason: string): void {
    this.events.push({ event: 'protocol-error', reason });
  }
}

export function scanReplies(chunks: Buffer[]): ReplyRecorder {
  const scanner = new ReplyScanner();
  const rec = new ReplyRecorder();
  for (const c of chunks) scanner.feed(c, rec);
  return rec;
}

/** Expected form of a forwarded request. */
export function fwd(cmd: string, wire: string, key: string | null, noreply = false): SeenRequest {
  return { event: 'request', action: 'forward', cmd, key, keys: null, noreply, wire, reply: null };
}

/** Expected form of a split multi-key request. */
export function split(cmd: string, wire: string, keys: string[]): SeenRequest {
  return { event: 'request', action: 'split', cmd, key: null, keys, noreply: false, wire, reply: null };
}

/** Expected form of a locally answered request. */
export function local(cmd: string | null, reply: string): SeenRequest {
  return { event: 'request', action: 'local', cmd, key: null, keys: null, noreply: false, wire: '', reply };
}
