// Modula distribution (spec §5.4): live servers, in index order, each own `weight` consecutive slots;
// a key goes to slot hash % totalSlots. nutcracker materialises the slot array; we keep cumulative slot
// ends instead and binary-search them, which picks the same server without a huge table for big weights.
//
//   weights x=1 s1=1 third=3 server-two=2 alpha=5  →  slots  x s1 third×3 server-two×2 alpha×5  (12)
//   ends  [1, 2, 5, 7, 12]   owners [0, 1, 2, 3, 4]

import type { Distributor } from './index';

export class Modula implements Distributor {
  private readonly weights: ReadonlyArray<number>;
  private ends = new Float64Array(0);
  private owners = new Int32Array(0);
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
    this.ends = ends;
    this.owners = owners;
    this.total = total;
  }

  /** Owner of slot hash % totalSlots, or -1 when no server is live. */
  pick(hash: number): number {
    if (this.total === 0) return -1;
    const slot = hash % this.total;
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
