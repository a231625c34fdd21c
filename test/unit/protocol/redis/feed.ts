// Test helpers for the Redis codecs: feed a buffer whole, byte by byte and in random splits, and
// record what the codec told its sink in a form that can be compared across the three ways.
// Also a fake ClientContext and RESP builders.

import type { PoolConfig } from '../../../../src/config/types';
import type { Msg } from '../../../../src/proxy/msg';
import type { ClientContext, ReplySink, RequestSink } from '../../../../src/protocol/types';
import { redisProtocol } from '../../../../src/protocol/redis/index';
import { MsetValues } from '../../../../src/protocol/redis/split';

/** Small deterministic PRNG (mulberry32) so random splits are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Copy of buf[start,end) in its own memory, as a socket read would deliver it. */
function own(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafeSlow(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

/** Random chunking of buf with chunks of 1..maxChunk bytes. */
export function randomChunks(buf: Buffer, seed: number, maxChunk = 7): Buffer[] {
  const r = rng(seed);
  const out: Buffer[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const n = Math.min(buf.length - pos, 1 + Math.floor(r() * maxChunk));
    out.push(own(buf, pos, pos + n));
    pos += n;
  }
  return out;
}

/** The three ways every parser case is run: whole, byte by byte, and (several) random splits. */
export function chunkings(buf: Buffer): { how: string; chunks: Buffer[] }[] {
  const bytes: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) bytes.push(own(buf, i, i + 1));
  const out = [
    { how: 'whole', chunks: [own(buf, 0, buf.length)] },
    { how: 'byte by byte', chunks: bytes },
  ];
  for (let seed = 1; seed <= 5; seed++) out.push({ how: `random split #${seed}`, chunks: randomChunks(buf, seed, 1 + seed * 3) });
  return out;
}

export function makePool(over: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name: 'alpha',
    listen: { raw: '127.0.0.1:0', path: null, host: '127.0.0.1', port: 0, perm: 0 },
    hash: 'fnv1a_64',
    hashTag: null,
    distribution: 'ketama',
    timeout: 0,
    backlog: 512,
    clientConnections: 0,
    redis: true,
    redisAuth: null,
    redisDb: 0,
    preconnect: false,
    autoEjectHosts: false,
    serverConnections: 1,
    serverRetryTimeout: 30000,
    serverFailureLimit: 2,
    tcpkeepalive: false,
    reuseport: false,
    servers: [],
    ...over,
  };
}

export function makeCtx(pool: Partial<PoolConfig> = {}, maxKeyLength = 16335): ClientContext {
  return {
    pool: makePool(pool),
    maxKeyLength,
    describe: () => 'name: twemproxy-ts\nversion: 0.1.0\nuptime: 5',
    clientId: 42,
  };
}

/** One request as seen by the sink, with its bytes flattened for comparison. */
export interface SeenRequest {
  action: number;
  cmd: number;
  wire: string;
  key: string | null;
  keys: string[] | null;
  values: string[] | null;
  reply: string | null;
  closeAfter: boolean;
  msg: Msg;
}

export interface SeenRequests {
  requests: SeenRequest[];
  framing: { reply: string | null; reason: string }[];
  /** Sink calls made after a framing error (must stay 0). */
  afterFraming: number;
}

const s = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString('latin1'));

function describeMsg(msg: Msg): SeenRequest {
  let values: string[] | null = null;
  if (msg.proto instanceof MsetValues) {
    const v = msg.proto;
    values = v.ends.map((e, i) => Buffer.concat(v.slices.slice(i === 0 ? 0 : v.ends[i - 1], e)).toString('latin1'));
  }
  return {
    action: msg.action,
    cmd: msg.cmd,
    wire: Buffer.concat(msg.parts).toString('latin1'),
    key: s(msg.key),
    keys: msg.keys === null ? null : msg.keys.map((k) => k.toString('latin1')),
    values,
    reply: msg.reply === null ? null : Buffer.concat(msg.reply).toString('latin1'),
    closeAfter: msg.closeAfter,
    msg,
  };
}

/** Feed chunks to a fresh client codec and record every sink call. */
export function scanChunks(chunks: Buffer[], ctx: ClientContext = makeCtx()): SeenRequests {
  const codec = redisProtocol.newClientCodec(ctx);
  const seen: SeenRequests = { requests: [], framing: [], afterFraming: 0 };
  const sink: RequestSink = {
    onRequest(msg) {
      if (seen.framing.length > 0) seen.afterFraming++;
      seen.requests.push(describeMsg(msg));
    },
    onFramingError(reply, reason) {
      if (seen.framing.length > 0) seen.afterFraming++;
      seen.framing.push({ reply: s(reply), reason });
    },
  };
  for (const c of chunks) codec.feed(c, sink);
  return seen;
}

/** Strip the Msg objects so results of different chunkings compare with deepStrictEqual. */
export function comparable(r: SeenRequests): unknown {
  return { ...r, requests: r.requests.map(({ msg: _msg, ...rest }) => rest) };
}

/** Scan `input` all three ways; every way must agree. Returns the whole-buffer result. */
export function scanAllWays(
  input: Buffer | string,
  ctx: () => ClientContext = () => makeCtx(),
  check: (r: SeenRequests, how: string) => void = () => {},
): SeenRequests {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  let first: SeenRequests | null = null;
  for (const { how, chunks } of chunkings(buf)) {
    const r = scanChunks(chunks, ctx());
    check(r, how);
    if (first === null) first = r;
    else assertSame(comparable(first), comparable(r), how);
  }
  return first as SeenRequests;
}

function assertSame(a: unknown, b: unknown, how: string): void {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${how} differs from whole-buffer scan:\n whole: ${ja}\n ${how}: ${jb}`);
}

/** One reply as reported by a server codec. */
export interface SeenReply {
  bytes: string;
  length: number;
  type: number;
  failure: boolean;
  parts: Buffer[];
}

export interface SeenReplies {
  replies: SeenReply[];
  errors: string[];
  afterError: number;
}

export function scanReplyChunks(chunks: Buffer[]): SeenReplies {
  const codec = redisProtocol.newServerCodec();
  const seen: SeenReplies = { replies: [], errors: [], afterError: 0 };
  const sink: ReplySink = {
    onReply(parts, bytes, type, failure) {
      if (seen.errors.length > 0) seen.afterError++;
      seen.replies.push({ bytes: Buffer.concat(parts).toString('latin1'), length: bytes, type, failure, parts });
    },
    onProtocolError(reason) {
      if (seen.errors.length > 0) seen.afterError++;
      seen.errors.push(reason);
    },
  };
  for (const c of chunks) codec.feed(c, sink);
  return seen;
}

/** Scan replies all three ways; every way must agree (ignoring the part boundaries). */
export function scanRepliesAllWays(input: Buffer | string): SeenReplies {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  let first: SeenReplies | null = null;
  for (const { how, chunks } of chunkings(buf)) {
    const r = scanReplyChunks(chunks);
    const strip = (x: SeenReplies) => ({ ...x, errors: x.errors.length, replies: x.replies.map(({ parts: _p, ...rest }) => rest) });
    if (first === null) first = r;
    else assertSame(strip(first), strip(r), how);
  }
  return first as SeenReplies;
}

/** RESP array of bulk strings. */
export function resp(...args: (string | Buffer)[]): Buffer {
  const pieces: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    pieces.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(pieces);
}
