// Seeded randomness for tests and the ways a parser case is fed: one PRNG (mulberry32) so any random
// input or split is reproduced from its seed, random bytes and token soups built from it, and the
// chunkings every parser test runs (whole buffer, byte by byte, seeded random splits).
// Tests and benches import these instead of carrying their own copies.

/** Deterministic PRNG (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
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

/** An integer in 0..n-1 from `next` (one draw). */
export function randomInt(next: () => number, n: number): number {
  return Math.floor(next() * n);
}

/** `n` random bytes (every value 0..255 possible), one draw each. */
export function randomBytes(next: () => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(next, 256);
  return out;
}

/**
 * `count` pieces, each one of `tokens` with probability `tokenChance`, else one random byte: input that
 * looks enough like the protocol to reach deep parser states, with noise in between. Strings are latin1.
 */
export function randomTokens(next: () => number, tokens: readonly string[], count: number, tokenChance: number): Buffer {
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (next() < tokenChance) pieces.push(Buffer.from(tokens[randomInt(next, tokens.length)], 'latin1'));
    else pieces.push(Buffer.from([randomInt(next, 256)]));
  }
  return Buffer.concat(pieces);
}

/**
 * `buf` cut into chunks of 1..maxChunk bytes chosen by `seed`. Chunks are views of `buf` unless `copy`,
 * which gives each its own memory as a socket read would (so a test can tell a slice from a copy).
 */
export function randomChunks(buf: Buffer, seed: number, maxChunk = 7, copy = false): Buffer[] {
  const next = rng(seed);
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = Math.min(buf.length - at, 1 + randomInt(next, maxChunk));
    out.push(copy ? own(buf, at, at + n) : buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

export interface Chunking {
  /** 'whole', 'byte by byte' or 'random split seed N (1..M bytes)', for failure messages. */
  how: string;
  chunks: Buffer[];
}

export interface ChunkingOptions {
  /** Seeds of the random splits (default 1..5). */
  seeds?: readonly number[];
  /** Largest random chunk, or a function of the seed (default 1 + 3 × seed: small and medium chunks). */
  maxChunk?: number | ((seed: number) => number);
  /** Each chunk in its own memory (default: views of `buf`). */
  copy?: boolean;
}

const DEFAULT_SEEDS = [1, 2, 3, 4, 5];

/** The ways every parser case is run: whole, byte by byte, and seeded random splits. */
export function chunkings(buf: Buffer, opts: ChunkingOptions = {}): Chunking[] {
  const copy = opts.copy ?? false;
  const cut = (start: number, end: number): Buffer => (copy ? own(buf, start, end) : buf.subarray(start, end));
  const bytes: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) bytes.push(cut(i, i + 1));
  const out: Chunking[] = [
    { how: 'whole', chunks: [cut(0, buf.length)] },
    { how: 'byte by byte', chunks: bytes },
  ];
  const maxChunk = opts.maxChunk ?? ((seed: number) => 1 + seed * 3);
  for (const seed of opts.seeds ?? DEFAULT_SEEDS) {
    const max = typeof maxChunk === 'number' ? maxChunk : maxChunk(seed);
    out.push({ how: `random split seed ${seed} (1..${max} bytes)`, chunks: randomChunks(buf, seed, max, copy) });
  }
  return out;
}

/** Copy of buf[start, end) in its own memory. */
function own(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafeSlow(end - start);
  buf.copy(out, 0, start, end);
  return out;
}
