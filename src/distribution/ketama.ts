// Ketama consistent hashing exactly as nutcracker builds it (spec §5.3): per-server point counts in
// float32 arithmetic, 4 points per MD5 of "<name>-<j>", a sorted continuum kept in two typed arrays,
// and lookup of the first point >= hash (wrapping to the first point).
//
//   continuum:  values  [ 6901281 | 15167000 | 15223763 | 16393065 | ... ]   (ascending uint32)
//               owners  [    4    |    4     |    4     |    3     | ... ]   (server index)
//   buckets:    first continuum index >= b << (32 - bits), for each top-`bits` prefix b of a hash,
//               so a lookup searches only the few points sharing its hash's prefix.

import type { Distributor } from './index';
import { md5Digest } from '../hashing/md5';

export const KETAMA_POINTS_PER_SERVER = 160;
/** Each MD5 digest yields four 32-bit points. */
export const KETAMA_POINTS_PER_HASH = 4;
/** Longest "<name>-<j>" string hashed for a point (spec §5.3); longer strings are cut to this. */
export const KETAMA_MAX_POINT_KEY = 272;

/** At most 2^16 lookup buckets (256 KiB); a continuum of n points gets the power of two >= n. */
const MAX_BUCKET_BITS = 16;

/** Sort key packing: value * 2^21 + owner stays below 2^53, so one Float64Array sort orders both. */
const OWNER_SPACE = 0x200000;

/**
 * Points a live server gets (spec §5.3), reproducing the C expression
 * `floorf((float)(pct * 160 / 4 * (float)nLive + 0.0000000001)) * 4` with float32 rounding at every
 * step: this is what gives 25 equal servers 156 points each instead of 160.
 */
export function ketamaPointCount(weight: number, totalWeight: number, nLive: number): number {
  const f = Math.fround;
  const pct = f(f(weight) / f(totalWeight));
  let x = f(pct * KETAMA_POINTS_PER_SERVER);
  x = f(x / 4);
  x = f(x * f(nLive));
  x = f(x + 0.0000000001); // the constant is a double: the add happens in double, then rounds to float
  return Math.floor(x) * 4;
}

export class Ketama implements Distributor {
  private readonly names: ReadonlyArray<Uint8Array>;
  private readonly weights: ReadonlyArray<number>;
  private counts: number[];
  private values = new Uint32Array(0);
  private owners = new Int32Array(0);
  private buckets = new Uint32Array(3);
  private bucketShift = 31;

  /** `names[i]` / `weights[i]` describe server i; all servers start live. */
  constructor(names: ReadonlyArray<Uint8Array>, weights: ReadonlyArray<number>) {
    if (names.length > OWNER_SPACE) throw new RangeError(`ketama supports at most ${OWNER_SPACE} servers`);
    this.names = names;
    this.weights = weights;
    this.counts = new Array<number>(names.length).fill(0);
    this.rebuild(new Array<boolean>(names.length).fill(true));
  }

  rebuild(live: ReadonlyArray<boolean>): void {
    const n = this.names.length;
    let nLive = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (live[i]) {
        nLive++;
        total += this.weights[i];
      }
    }
    const counts = new Array<number>(n).fill(0);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (live[i]) size += counts[i] = ketamaPointCount(this.weights[i], total, nLive);
    }
    const packed = new Float64Array(size);
    const digest = new Uint8Array(16);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const hashes = counts[i] / KETAMA_POINTS_PER_HASH;
      for (let j = 0; j < hashes; j++) {
        const key = pointKey(this.names[i], j);
        md5Digest(key, 0, key.length, digest);
        for (let x = 0; x < KETAMA_POINTS_PER_HASH; x++) {
          const o = 4 * x;
          const value = (digest[o] | (digest[o + 1] << 8) | (digest[o + 2] << 16) | (digest[o + 3] << 24)) >>> 0;
          packed[at++] = value * OWNER_SPACE + i;
        }
      }
    }
    // Equal values (MD5 slice collisions, vanishingly rare) end up in server-index order: C's qsort
    // leaves their order unspecified, and glibc's merge-sort qsort happens to give this one.
    packed.sort();
    const values = new Uint32Array(size);
    const owners = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const p = packed[k];
      const owner = p % OWNER_SPACE;
      owners[k] = owner;
      values[k] = (p - owner) / OWNER_SPACE;
    }
    this.values = values;
    this.owners = owners;
    this.counts = counts;
    this.buildBuckets();
  }

  /** buckets[b] = first index whose value >= the smallest hash of bucket b; buckets[2^bits] = size. */
  private buildBuckets(): void {
    const values = this.values;
    const size = values.length;
    let bits = 1; // at least two buckets keeps the shift below 32 (a JS shift by 32 is a shift by 0)
    while (bits < MAX_BUCKET_BITS && 1 << bits < size) bits++;
    const shift = 32 - bits;
    const nb = 1 << bits;
    const buckets = new Uint32Array(nb + 1);
    let k = 0;
    for (let b = 0; b < nb; b++) {
      const low = b * 2 ** shift; // b << shift, without int32 overflow for the top bucket
      while (k < size && values[k] < low) k++;
      buckets[b] = k;
    }
    buckets[nb] = size;
    this.buckets = buckets;
    this.bucketShift = shift;
  }

  /** Owner of the first point >= hash, wrapping to the first point; -1 on an empty continuum. */
  pick(hash: number): number {
    const values = this.values;
    const size = values.length;
    if (size === 0) return -1;
    // Every point in [lo, hi) shares the hash's top bits; if none is >= hash, the answer is hi, the
    // first point of a later bucket (or size: wrap to the first point).
    const b = hash >>> this.bucketShift;
    let lo = this.buckets[b];
    let hi = this.buckets[b + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === size ? 0 : lo];
  }

  pointsPerServer(): number[] {
    return this.counts.slice();
  }

  /** Number of points on the continuum. */
  get size(): number {
    return this.values.length;
  }

  /** The i-th smallest point value (for tests and diagnostics). */
  valueAt(i: number): number {
    return this.values[i];
  }

  /** The server owning the i-th smallest point. */
  ownerAt(i: number): number {
    return this.owners[i];
  }
}

/** "<name>-<j>" as bytes, cut to KETAMA_MAX_POINT_KEY bytes. */
function pointKey(name: Uint8Array, j: number): Uint8Array {
  const suffix = `-${j}`;
  const key = new Uint8Array(name.length + suffix.length);
  key.set(name, 0);
  for (let k = 0; k < suffix.length; k++) key[name.length + k] = suffix.charCodeAt(k);
  return key.length > KETAMA_MAX_POINT_KEY ? key.subarray(0, KETAMA_MAX_POINT_KEY) : key;
}
