// Turns the rounds of one scenario into what the report shows: per variant the median of each
// measure over the rounds that succeeded, the ratios ours/nutcracker and ours/direct, and the issue's
// targets checked (throughput, CPU per request, RSS with idle connections). Pure: no I/O, so the
// arithmetic is unit-tested.

import type { RoundResult } from './measure';
import { LIMITS } from './scenarios';

/** The measures of a round that a variant's summary gives as medians over its good rounds. */
export const MEASURES = ['opsPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerReq', 'rssKb', 'rssBaseKb', 'anonKb'] as const;
export type Measure = (typeof MEASURES)[number];

export interface VariantSummary extends Pick<RoundResult, Measure> {
  variant: string;
  rounds: number;
  okRounds: number;
  errors: string[];
}

export interface Check {
  what: string;
  /** e.g. ">= 1.20" */
  limit: string;
  value?: number;
  /** null when it could not be measured (a variant failed). */
  pass: boolean | null;
}

export interface ScenarioSummary {
  id: string;
  title: string;
  variants: Record<string, VariantSummary>;
  oursVsNutcracker?: number;
  oursVsDirect?: number;
  /** ours CPU per request / nutcracker CPU per request. */
  cpuRatio?: number;
  /** ours peak RSS / nutcracker peak RSS (idle-connections scenario). */
  rssRatio?: number;
  checks: Check[];
}

/** Median of the defined values; undefined if there are none (even count: mean of the middle two). */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const xs = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export function summarizeVariant(variant: string, rounds: readonly RoundResult[]): VariantSummary {
  const mine = rounds.filter((r) => r.variant === variant);
  const ok = mine.filter((r) => r.error === undefined);
  const summary: VariantSummary = {
    variant,
    rounds: mine.length,
    okRounds: ok.length,
    errors: [...new Set(mine.flatMap((r) => (r.error === undefined ? [] : [r.error])))],
  };
  for (const m of MEASURES) summary[m] = median(ok.map((r) => r[m]));
  return summary;
}

function check(what: string, limit: string, value: number | undefined, pass: (v: number) => boolean): Check {
  return { what, limit, value, pass: value === undefined ? null : pass(value) };
}

/**
 * `ours` names the variant compared with nutcracker (the `--workers` instance by default).
 * `target` is the scenario's throughput target (null: throughput is not what the scenario measures);
 * `checked: false`: no target at all, the CPU and RSS budgets included (reported only).
 */
export function summarizeScenario(
  scenario: { id: string; title: string; target: number | null; checked?: boolean },
  rounds: readonly RoundResult[],
  ours = 'ours',
): ScenarioSummary {
  const names = [...new Set(rounds.map((r) => r.variant))];
  const variants: Record<string, VariantSummary> = {};
  for (const name of names) variants[name] = summarizeVariant(name, rounds);
  const o = variants[ours];
  const nc = variants.nutcracker;
  const d = variants.direct;
  const summary: ScenarioSummary = {
    id: scenario.id,
    title: scenario.title,
    variants,
    oursVsNutcracker: ratio(o?.opsPerSec, nc?.opsPerSec),
    oursVsDirect: ratio(o?.opsPerSec, d?.opsPerSec),
    cpuRatio: ratio(o?.cpuUsPerReq, nc?.cpuUsPerReq),
    rssRatio: ratio(o?.rssKb, nc?.rssKb),
    checks: [],
  };
  if (scenario.checked === false) return summary;
  const target = scenario.target;
  if (target !== null) {
    summary.checks.push(check('throughput ours/nutcracker', `>= ${target.toFixed(2)}`, summary.oursVsNutcracker, (v) => v >= target));
  }
  summary.checks.push(check('CPU per request ours/nutcracker', `<= ${LIMITS.cpuPerRequest.toFixed(2)}`, summary.cpuRatio, (v) => v <= LIMITS.cpuPerRequest));
  if (nc?.rssKb !== undefined || o?.rssKb !== undefined) {
    summary.checks.push(check('RSS ours/nutcracker', `<= ${LIMITS.idleRss.toFixed(2)}`, summary.rssRatio, (v) => v <= LIMITS.idleRss));
  }
  return summary;
}
