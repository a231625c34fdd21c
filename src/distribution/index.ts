// The distribution table (spec §5.3–5.5): ketama (consistent hashing), modula, random.

export const DISTRIBUTIONS = ['ketama', 'modula', 'random'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

export function isDistributionName(s: string): s is DistributionName {
  return (DISTRIBUTIONS as readonly string[]).includes(s);
}
