// Key sets for the placement differential test: deterministic (seeded) so a failure names a key set
// that can be regenerated, and varied where hashes disagree: bytes ≥ 0x80 (signed char in nutcracker's
// C), the empty key, long keys, and keys with hash tags in every shape the tag rule distinguishes.
// Redis keys may hold any byte; memcached keys are 1..250 bytes without spaces or control characters.

import { randomInt, rng } from '../helpers/random';

export const KEY_KINDS = { redis: 'any bytes, may be empty', memcache: '1..250 bytes, no space or control byte' } as const;
export type KeyKind = keyof typeof KEY_KINDS;

export interface KeySetOptions {
  kind: KeyKind;
  seed: number;
  /** The pool's two tag bytes, e.g. "{}" or "$$"; tagged keys use `{}` when the pool has none. */
  tag: string | null;
  /** How many random keys besides the fixed shapes (default 280). */
  random?: number;
}

export interface KeySet {
  keys: Buffer[];
  /** Tag body → indexes of keys whose hashed part is exactly that body (they must share a server). */
  groups: Map<string, number[]>;
}

/** Memcached-legal bytes: printable ASCII except space, plus the high half (exercises signed char). */
const MEMCACHE_BYTES = [...Array.from({ length: 0x7f - 0x21 }, (_, i) => 0x21 + i), ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i)];
const MEMCACHE_MAX_KEY = 250;
/** Redis keys must stay under nutcracker's mbuf limit (16384 − 48 by default, spec §3.5). */
const REDIS_LONG_KEYS = [100, 255, 256, 511, 777, 1000, 1024, 4096, 16_000] as const;

/**
 * Tag edge cases (spec §5 step 2), written with L/R placeholders replaced by the pool's tag bytes:
 * empty tag, no closing byte, closing before opening, nested, two tags (the first wins), tag only.
 */
const TAG_SHAPES = ['LR-empty-tag', 'no-close-Lx', 'Rx-L', 'LLxRR', 'aRbLcR', 'LxR', 'xLyRzLwR', 'L', 'LR', 'RL', 'LLR', 'LRR'] as const;

export function placementKeys(opts: KeySetOptions): KeySet {
  const next = rng(opts.seed);
  const rand = (n: number): number => randomInt(next, n);
  const memcache = opts.kind === 'memcache';
  const [left, right] = opts.tag ?? '{}';
  const byte = (): number => (memcache ? MEMCACHE_BYTES[rand(MEMCACHE_BYTES.length)] : rand(256));
  const l = left.charCodeAt(0);
  const r = right.charCodeAt(0);
  /** Random bytes; `plain` ones contain neither tag byte, so a tag built around them is the key's first. */
  const bytes = (n: number, plain: boolean): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let b = byte();
      while (plain && (b === l || b === r)) b = byte();
      out[i] = b;
    }
    return out;
  };
  const plain = (n: number): Buffer => bytes(n, true);

  const keys: Buffer[] = [];
  const groups = new Map<string, number[]>();
  if (!memcache) keys.push(Buffer.alloc(0));
  for (const len of memcache ? [1, 2, 249, MEMCACHE_MAX_KEY] : [1, 2, 3]) keys.push(plain(len));
  if (!memcache) for (const len of REDIS_LONG_KEYS) keys.push(plain(len));
  if (!memcache) keys.push(Buffer.from([0]), Buffer.from([0xff]), Buffer.from([0x80, 0x7f]), Buffer.from('\r\n'), Buffer.from(' '));
  for (const shape of TAG_SHAPES) keys.push(Buffer.from(shape.replaceAll('L', left).replaceAll('R', right), 'latin1'));

  // Tagged keys: a few tag bodies shared by many keys, with random bytes on both sides.
  const bodies = Array.from({ length: 6 }, (_, i) => Buffer.concat([Buffer.from(`t${i}`), plain(1 + rand(6))]));
  for (let i = 0; i < 48; i++) {
    const b = rand(bodies.length);
    const key = Buffer.concat([plain(rand(8)), Buffer.from(left, 'latin1'), bodies[b], Buffer.from(right, 'latin1'), plain(rand(12))]);
    if (opts.tag !== null) {
      const body = bodies[b].toString('hex');
      groups.set(body, [...(groups.get(body) ?? []), keys.length]);
    }
    keys.push(key);
  }

  const count = opts.random ?? 280;
  for (let i = 0; i < count; i++) {
    // Mostly short keys (where per-byte hash quirks show), some medium, a few near the limit.
    const size = rand(20);
    const len = size < 15 ? 1 + rand(24) : size < 19 ? 25 + rand(100) : memcache ? 126 + rand(MEMCACHE_MAX_KEY - 125) : 126 + rand(900);
    keys.push(bytes(len, false));
  }
  return { keys: dedupe(keys, groups), groups };
}

/** Drop repeated keys (a repeat would make "the value written last" ambiguous), keeping groups' indexes right. */
function dedupe(keys: Buffer[], groups: Map<string, number[]>): Buffer[] {
  const seen = new Map<string, number>();
  const remap: number[] = [];
  const out: Buffer[] = [];
  for (const key of keys) {
    const hex = key.toString('hex');
    let at = seen.get(hex);
    if (at === undefined) {
      at = out.length;
      seen.set(hex, at);
      out.push(key);
    }
    remap.push(at);
  }
  for (const [body, idx] of groups) groups.set(body, [...new Set(idx.map((i) => remap[i]))]);
  return out;
}
