// Key → server placement for one pool, the single object the proxy core asks (spec §5): one-server
// shortcut, hash tag, key hash (empty hashed part = 0), then the pool's distribution over live servers.
// Lookups allocate nothing; setLive() rebuilds the distribution when servers are ejected or come back.

import { HASHES, type HashFn, type HashName } from '../hashing/index';
import type { DistributionName, Distributor } from './index';
import { hashTag } from './hash-tag';
import { Ketama } from './ketama';
import { Modula } from './modula';
import { Random } from './random';

export interface PlacementServer {
  /** The server name of spec §2.5 rule 6 (ketama hashes its UTF-8 bytes). */
  name: string;
  /** Positive integer. */
  weight: number;
}

export interface PlacementOptions {
  hash: HashName;
  distribution: DistributionName;
  /** Two tag bytes (left, right), or null for no hash tag. */
  hashTag: Buffer | null;
  /** In pool order (spec §2.7): the index here is the index serverFor() returns. */
  servers: ReadonlyArray<PlacementServer>;
}

type DistributorFactory = (names: Uint8Array[], weights: number[]) => Distributor;

/** One constructor per distribution name; `satisfies` makes a new name in DISTRIBUTIONS a compile error here. */
const DISTRIBUTORS = {
  ketama: (names, weights) => new Ketama(names, weights),
  modula: (_names, weights) => new Modula(weights),
  random: (names) => new Random(names.length),
} as const satisfies Record<DistributionName, DistributorFactory>;

export class Placement {
  private readonly serverCount: number;
  private readonly hashFn: HashFn;
  private readonly tagLeft: number;
  private readonly tagRight: number;
  private readonly span = new Int32Array(2);
  private readonly dist: Distributor;
  /** False for `random`, which ignores the key: skip hashing it. */
  private readonly usesHash: boolean;
  private live: boolean[];
  private nLive: number;

  constructor(opts: PlacementOptions) {
    const { servers } = opts;
    const names: Uint8Array[] = [];
    const weights: number[] = [];
    for (const s of servers) {
      if (!Number.isInteger(s.weight) || s.weight <= 0) {
        throw new RangeError(`server '${s.name}': weight must be a positive integer, got ${s.weight}`);
      }
      names.push(Buffer.from(s.name, 'utf8'));
      weights.push(s.weight);
    }
    if (!Object.prototype.hasOwnProperty.call(HASHES, opts.hash)) throw new RangeError(`unknown hash '${opts.hash}'`);
    if (!Object.prototype.hasOwnProperty.call(DISTRIBUTORS, opts.distribution)) {
      throw new RangeError(`unknown distribution '${opts.distribution}'`);
    }
    if (opts.hashTag !== null && opts.hashTag.length !== 2) {
      throw new RangeError(`hash tag must be exactly 2 bytes, got ${opts.hashTag.length}`);
    }
    this.serverCount = servers.length;
    this.hashFn = HASHES[opts.hash];
    this.tagLeft = opts.hashTag === null ? -1 : opts.hashTag[0];
    this.tagRight = opts.hashTag === null ? -1 : opts.hashTag[1];
    this.dist = DISTRIBUTORS[opts.distribution](names, weights);
    this.usesHash = opts.distribution !== 'random';
    this.live = new Array<boolean>(servers.length).fill(true);
    this.nLive = servers.length;
  }

  /** Rebuild for a new live set (live[i] true = server i is in the ring). O(points log points). */
  setLive(live: ReadonlyArray<boolean>): void {
    if (live.length !== this.serverCount) {
      throw new RangeError(`setLive: expected ${this.serverCount} entries, got ${live.length}`);
    }
    let n = 0;
    for (let i = 0; i < live.length; i++) if (live[i]) n++;
    this.live = live.slice();
    this.nLive = n;
    this.dist.rebuild(this.live);
  }

  /** Number of live servers. */
  get liveCount(): number {
    return this.nLive;
  }

  /** Whether server i is currently live. */
  isLive(i: number): boolean {
    return this.live[i] === true;
  }

  /**
   * The hash nutcracker computes for a key: hash tag applied, and 0 for an empty hashed part (the
   * hash function is not called then, spec §5 step 3).
   */
  hashKey(buf: Uint8Array, start: number, end: number): number {
    if (this.tagLeft >= 0) {
      const span = this.span;
      hashTag(buf, start, end, this.tagLeft, this.tagRight, span);
      start = span[0];
      end = span[1];
    }
    return start === end ? 0 : this.hashFn(buf, start, end);
  }

  /** Server index for a key (bytes buf[start,end)), or -1 if no server is live. No allocation. */
  serverFor(buf: Uint8Array, start: number, end: number): number {
    if (this.serverCount === 1) return this.nLive === 1 ? 0 : -1; // spec §5 step 1: no hashing at all
    if (this.nLive === 0) return -1;
    return this.dist.pick(this.usesHash ? this.hashKey(buf, start, end) : 0);
  }

  /** Per server: ketama points, modula slots or random entries held under the current live set. */
  pointsPerServer(): number[] {
    return this.dist.pointsPerServer();
  }
}
