// Modula distribution (spec §5.4): live servers, in index order, each own `weight` consecutive slots;
// a key goes to slot hash % totalSlots. Like nutcracker we keep a slot → server table, but only while
// it is small; for huge weights (say 100000) we binary-search cumulative slot ends instead.
//
//   weights x=1 s1=1 third=3 server-two=2 alpha=5  →  slots  x s1 third×3 server-two×2 alpha×5  (12)
//   ends  [1, 2, 5, 7, 12]   owners [0, 1, 2, 3, 4]

import type { Distributor } from './index';

/** Largest slot table kept (256 KiB); beyond it lookups search the cumulative ends. */
const MAX_SLOT_TABLE = 65536;

export class Modula implements Distributor {
  private readonly weights: ReadonlyArray<number>;
  private ends = new Float64Array(0);
  private owners = new Int32Array(0);
  private slots: Int32Array | null = null;
  private total = 0;

  /** `weights[i]` is server i's slot count; all servers start live. */
  constructor(weights: ReadonlyArray<number>) {
    this.weights = weights;
    this.rebuild(new Array<boolean>(weights.length).fill(true));
  }

  rebuild(live: ReadonlyArray<boolean>): void {
    const n = this.weights.length;
    let nLive = 0;
    for (let i = 0; i < n; i++) if (live[i]) nLive++;
    const ends = new Float64Array(nLive);
    const owners = new Int32Array(nLive);
    let total = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!live[i]) continue;
      total += this.weights[i];
      ends[k] = total;
      owners[k++] = i;
    }
    let slots: Int32Array | null = null;
    if (total <= MAX_SLOT_TABLE) {
      slots = new Int32Array(total);
      for (let j = 0, at = 0; j < nLive; j++) slots.fill(owners[j], at, (at = ends[j]));
    }
    this.ends = ends;
    this.owners = owners;
    this.slots = slots;
    this.total = total;
  }

  /** Owner of slot hash % totalSlots, or -1 when no server is live. */
  pick(hash: number): number {
    const total = this.total;
    if (total === 0) return -1;
    // hash % total, but a uint32 hash above 2^31 is a double and `%` on doubles calls fmod (slow).
    // The division is exact enough: a non-integer hash/total is at least 1/hash (>= 2^-32 relative)
    // away from the next integer, far more than a double's 2^-53 rounding error.
    const slot = hash - Math.floor(hash / total) * total;
    if (this.slots !== null) return this.slots[slot];
    const ends = this.ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= slot) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo];
  }

  pointsPerServer(): number[] {
    const out = new Array<number>(this.weights.length).fill(0);
    for (let k = 0; k < this.owners.length; k++) {
      const i = this.owners[k];
      out[i] = this.weights[i];
    }
    return out;
  }

  /** Total number of slots (sum of live weights). */
  get size(): number {
    return this.total;
  }
}
