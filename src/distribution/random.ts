// Random distribution (spec §5.5): every key goes to a uniformly chosen live server; weights, key and
// hash are ignored. nutcracker uses glibc random(); placement is not reproducible there either, so any
// uniform generator is compatible.

import type { Distributor } from './index';

export class Random implements Distributor {
  private readonly n: number;
  private liveIdx = new Int32Array(0);

  /** `serverCount` servers, all live at first. */
  constructor(serverCount: number) {
    this.n = serverCount;
    this.rebuild(new Array<boolean>(serverCount).fill(true));
  }

  rebuild(live: ReadonlyArray<boolean>): void {
    let nLive = 0;
    for (let i = 0; i < this.n; i++) if (live[i]) nLive++;
    const idx = new Int32Array(nLive);
    for (let i = 0, k = 0; i < this.n; i++) if (live[i]) idx[k++] = i;
    this.liveIdx = idx;
  }

  /** A uniformly random live server, or -1 when none is live. The hash is unused. */
  pick(_hash: number): number {
    const idx = this.liveIdx;
    if (idx.length === 0) return -1;
    return idx[Math.floor(Math.random() * idx.length)];
  }

  pointsPerServer(): number[] {
    const out = new Array<number>(this.n).fill(0);
    for (let k = 0; k < this.liveIdx.length; k++) out[this.liveIdx[k]] = 1;
    return out;
  }
}
