// Round-trip time of one large multi-key request — a Redis MGET or MSET or a memcached `get` of
// thousands of keys, as batch loaders send — through nutcracker and through ours, with one backend
// answering the same request directly for reference (it holds only its share of the keys). Half of
// the keys read are stored, so replies mix values and misses. One client sends the same request again
// as soon as the reply is complete; rounds alternate the targets. Prints the median round trip per
// request, size and target, and the ratio ours/nutcracker. Each size is warmed up first (a few
// requests, not recorded).
// Usage: npm run build && node dist/bench/big-multikey.js [--rounds N] [--requests N] [--quick]

import { connect, type Socket } from 'node:net';
import { startBenchSetup, type Endpoint, type Variant } from './bench-setup';
import type { PoolKind } from './scenarios';
import { median } from './summary';

/** The requests measured, and their sizes in keys (nutcracker's memcached merge is quadratic: 50,000 keys take it seconds). */
const REQUESTS = [
  { title: 'redis MGET', pool: 'redis', sizes: [100, 1_000, 10_000, 100_000] },
  { title: 'redis MSET', pool: 'redis', sizes: [100, 1_000, 10_000, 100_000] },
  { title: 'memcached get', pool: 'memcache', sizes: [100, 1_000, 10_000, 50_000] },
] as const;
type RequestTitle = (typeof REQUESTS)[number]['title'];
/** Requests of at most this many keys are sent ten times as often per round. */
const SMALL = 1_000;
/** Longest wait for one reply (nutcracker takes seconds for a memcached get of 50,000 keys). */
const TIMEOUT_MS = 60_000;

interface Options {
  rounds: number;
  requests: number;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { rounds: 3, requests: 50 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--requests') opts.requests = Number(argv[++i]);
    else if (a === '--quick') Object.assign(opts, { rounds: 1, requests: 10 });
    else throw new Error(`unknown argument '${a}' (use --rounds N, --requests N, --quick)`);
  }
  if (!(opts.rounds >= 1) || !(opts.requests >= 1)) throw new Error('--rounds and --requests must be positive');
  return opts;
}

const key = (i: number): string => `bm:${i}`;
const CRLF = Buffer.from('\r\n');
const SPACE = 0x20;

/** The non-negative decimal in buf[start, end). */
function decimal(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + buf[i] - 0x30;
  return n;
}

function resp(args: readonly string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** The request of `n` keys, and what it takes to store every other one of them (nothing, for MSET). */
function requests(title: RequestTitle, n: number): { send: Buffer; store: Buffer; stored: number } {
  const keys = Array.from({ length: n }, (_, i) => key(i));
  const stored = keys.filter((_, i) => i % 2 === 0);
  switch (title) {
    case 'redis MGET':
      return { send: Buffer.from(resp(['MGET', ...keys])), store: Buffer.from(stored.map((k) => resp(['SET', k, `v-${k}`])).join('')), stored: stored.length };
    case 'redis MSET':
      return { send: Buffer.from(resp(['MSET', ...keys.flatMap((k) => [k, `w-${k}`])])), store: Buffer.alloc(0), stored: 0 };
    case 'memcached get': {
      const store = stored.map((k) => `set ${k} 0 0 ${k.length + 2}\r\nv-${k}\r\n`).join('');
      return { send: Buffer.from(`get ${keys.join(' ')}\r\n`), store: Buffer.from(store), stored: stored.length };
    }
  }
}

/**
 * Where a complete reply ends, scanning a stream of chunks: a RESP array of bulk strings (MGET), a
 * status line (MSET), or memcached VALUE blocks up to END. Keeps its state between chunks, so each byte is looked at once
 * (values are skipped by their length).
 */
export class ReplyEnd {
  private tail: Buffer = Buffer.alloc(0);
  /** RESP: elements still to come (-1: the array header is not read yet). */
  private left = -1;

  constructor(private readonly kind: PoolKind) {}

  /** Feed a chunk; true when the reply it belongs to is complete (the stream then starts afresh). */
  feed(chunk: Buffer): boolean {
    const buf = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    let pos = 0;
    for (;;) {
      const eol = buf.indexOf(CRLF, pos);
      if (eol < 0) break;
      let next: number;
      if (this.kind === 'memcache') {
        if (eol - pos === 3 && buf.toString('latin1', pos, eol) === 'END') return this.done(buf, eol + 2);
        // VALUE <key> <flags> <bytes>: the data length is the line's last number.
        let start = eol;
        while (start > pos && buf[start - 1] !== SPACE) start--;
        if (buf[pos] !== 0x56 /* V */) throw new Error(`unexpected memcached line: ${buf.toString('latin1', pos, Math.min(eol, pos + 60))}`);
        next = eol + 2 + decimal(buf, start, eol) + 2;
      } else if (this.left < 0) {
        if (buf[pos] === 0x2b /* + */) return this.done(buf, eol + 2);
        if (buf[pos] !== 0x2a /* * */) throw new Error(`unexpected reply: ${buf.toString('latin1', pos, Math.min(eol, pos + 60))}`);
        this.left = decimal(buf, pos + 1, eol);
        next = eol + 2;
      } else {
        if (buf[pos] !== 0x24 /* $ */) throw new Error(`unexpected element: ${buf.toString('latin1', pos, Math.min(eol, pos + 60))}`);
        next = buf[pos + 1] === 0x2d /* $-1: nil */ ? eol + 2 : eol + 2 + decimal(buf, pos + 1, eol) + 2;
        if (next > buf.length) break;
        this.left--;
      }
      if (next > buf.length) break;
      pos = next;
      if (this.kind === 'redis' && this.left === 0) return this.done(buf, pos);
    }
    this.tail = buf.subarray(pos);
    return false;
  }

  private done(buf: Buffer, end: number): boolean {
    if (end !== buf.length) throw new Error('bytes after the reply');
    this.tail = Buffer.alloc(0);
    this.left = -1;
    return true;
  }
}

function open(ep: Endpoint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: ep.host, port: ep.port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Send `bytes` and wait until `count` lines equal to `reply` came back. */
async function store(ep: Endpoint, bytes: Buffer, count: number, reply: string): Promise<void> {
  const s = await open(ep);
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    let carry = '';
    const timer = setTimeout(() => reject(new Error('storing the keys timed out')), TIMEOUT_MS);
    s.on('data', (d) => {
      const text = carry + d.toString('latin1');
      const lines = text.split('\r\n');
      carry = lines.pop() ?? '';
      for (const l of lines) {
        if (l !== reply) return reject(new Error(`storing a key: ${l}`));
        seen++;
      }
      if (seen === count) {
        clearTimeout(timer);
        resolve();
      }
    });
    s.once('error', reject);
    s.write(bytes);
  });
  s.destroy();
}

/** Round trips (ms) of `times` requests sent one after another on one connection. */
async function roundTrips(ep: Endpoint, kind: PoolKind, request: Buffer, times: number): Promise<number[]> {
  const s = await open(ep);
  const out: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const end = new ReplyEnd(kind);
    let sentAt = 0n;
    let timer: NodeJS.Timeout | undefined;
    const send = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => reject(new Error(`no reply to a ${kind} request within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      sentAt = process.hrtime.bigint();
      s.write(request);
    };
    s.on('data', (d) => {
      let complete: boolean;
      try {
        complete = end.feed(d);
      } catch (err) {
        clearTimeout(timer);
        return reject(err);
      }
      if (!complete) return;
      out.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
      if (out.length < times) return send();
      clearTimeout(timer);
      resolve();
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('connection closed')));
    send();
  });
  s.removeAllListeners('close');
  s.destroy();
  return out;
}

const fmt = (x: number | undefined, digits = 2): string => (x === undefined ? '—' : x.toFixed(digits));

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const setup = await startBenchSetup([1]);
  try {
    const ours = setup.ours.get(1) as Variant;
    const targets: Variant[] = [setup.direct, setup.nutcracker, ours];
    const rows: string[] = [];
    for (const { title, pool, sizes } of REQUESTS) {
      for (const n of sizes) {
        const req = requests(title, n);
        // Through nutcracker: the keys land where both proxies look for them.
        if (req.stored > 0) await store(setup.nutcracker.endpoints[pool], req.store, req.stored, pool === 'redis' ? '+OK' : 'STORED');
        // Unrecorded: our proxy runs on a JIT, and a request size it has not seen yet runs colder code.
        for (const t of targets) await roundTrips(t.endpoints[pool], pool, req.send, Math.min(opts.requests, 5));
        // Small requests take a fraction of a millisecond, where scheduling noise is large: ten times as many.
        const times = n <= SMALL ? opts.requests * 10 : opts.requests;
        const samples = new Map<string, number[]>(targets.map((t) => [t.id, []]));
        for (let r = 0; r < opts.rounds; r++) {
          for (const t of targets) (samples.get(t.id) as number[]).push(...(await roundTrips(t.endpoints[pool], pool, req.send, times)));
        }
        const med = targets.map((t) => median(samples.get(t.id) as number[]));
        const ratio = med[1] === undefined || med[2] === undefined ? undefined : med[2] / med[1];
        rows.push(`| ${title} | ${n.toLocaleString('en-US')} | ${fmt(med[0])} | ${fmt(med[1])} | ${fmt(med[2])} | ${fmt(ratio)} |`);
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
    console.log(`One client, ${opts.requests} requests in a row per round (${opts.requests * 10} up to ${SMALL.toLocaleString('en-US')} keys), ${opts.rounds} rounds alternating the targets; half of the keys read are stored.`);
    console.log('direct: one of the two backends answers the whole request (it holds about half of the stored keys).\n');
    console.log('| request | keys | direct ms | nutcracker ms | ours ms | ours/nutcracker |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await setup.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
