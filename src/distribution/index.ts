// The distribution table (spec §5.3–5.5): ketama (consistent hashing), modula, random, and the small
// contract each of them implements for Placement (placement.ts maps every name here to its class).

export const DISTRIBUTIONS = ['ketama', 'modula', 'random'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

export function isDistributionName(s: string): s is DistributionName {
  return (DISTRIBUTIONS as readonly string[]).includes(s);
}

/** One distribution over a fixed, ordered server list whose live subset can change. */
export interface Distributor {
  /** Rebuild for a live set (live[i] true = server i takes keys). Not on the request path. */
  rebuild(live: ReadonlyArray<boolean>): void;
  /** Server index for a key hash (uint32), or -1 when nothing can be chosen. Allocates nothing. */
  pick(hash: number): number;
  /** Per server: ketama points / modula slots / random entries it currently holds (0 when not live). */
  pointsPerServer(): number[];
}
