// The bench's printed result: a markdown table (one row per scenario, medians and ratios), the
// worker-scaling table when `--scaling` ran, the targets met or missed, and any errors.
// Pure formatting of summaries; the same summaries go to the JSON history unchanged.

import type { ScenarioSummary, VariantSummary } from './summary';

export interface ReportInput {
  header: string[];
  scenarios: readonly ScenarioSummary[];
  /** The `--scaling` scenario, with variants 'ours' (or 'ours-w<N>') per worker count. */
  scaling?: { summary: ScenarioSummary; workers: readonly { workers: number; variant: string }[] };
}

const DASH = '—';

function num(x: number | undefined, digits = 0): string {
  if (x === undefined) return DASH;
  return digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

/** A variant's value, or "fail" when it has no successful round at all. */
function cell(v: VariantSummary | undefined, f: (v: VariantSummary) => number | undefined, digits = 0): string {
  if (v === undefined) return DASH;
  if (v.okRounds === 0 && v.rounds > 0) return 'fail';
  return num(f(v), digits);
}

function pair(s: ScenarioSummary, f: (v: VariantSummary) => number | undefined, digits: number, ours: string): string {
  return `${cell(s.variants.nutcracker, f, digits)} / ${cell(s.variants[ours], f, digits)}`;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const mb = (kb: number | undefined): number | undefined => (kb === undefined ? undefined : kb / 1024);

function scenarioRow(s: ScenarioSummary): string[] {
  const rss = s.variants.nutcracker?.rssKb !== undefined || s.variants.ours?.rssKb !== undefined;
  return [
    s.title,
    cell(s.variants.direct, (v) => v.opsPerSec),
    cell(s.variants.nutcracker, (v) => v.opsPerSec),
    cell(s.variants.ours, (v) => v.opsPerSec),
    num(s.oursVsNutcracker, 2),
    num(s.oursVsDirect, 2),
    pair(s, (v) => v.p99Ms, 2, 'ours'),
    pair(s, (v) => v.cpuUsPerReq, 1, 'ours'),
    rss ? pair(s, (v) => mb(v.rssKb), 1, 'ours') : DASH,
    rss ? pair(s, (v) => mb(v.anonKb), 1, 'ours') : DASH,
  ];
}

function scalingLines(scaling: NonNullable<ReportInput['scaling']>): string[] {
  const s = scaling.summary;
  const nc = s.variants.nutcracker?.opsPerSec;
  const first = scaling.workers[0];
  const base = first === undefined ? undefined : s.variants[first.variant]?.opsPerSec;
  const rows = scaling.workers.map(({ workers, variant }) => {
    const v = s.variants[variant];
    const ops = v?.opsPerSec;
    return [
      String(workers),
      cell(v, (x) => x.opsPerSec),
      num(ops !== undefined && nc !== undefined ? ops / nc : undefined, 2),
      num(ops !== undefined && base !== undefined ? ops / base : undefined, 2),
      cell(v, (x) => x.cpuUsPerReq, 1),
    ];
  });
  return [
    '',
    `Worker scaling (${s.title}; nutcracker ${num(nc)} ops/s):`,
    '',
    ...table(['workers', 'ours ops/s', 'ours/nutcracker', `vs ${first?.workers ?? 1} worker`, 'CPU us/req'], rows),
    '',
    'More workers only help while cores are idle: the load generator and the backends run on this machine too.',
  ];
}

function checkLines(scenarios: readonly ScenarioSummary[]): string[] {
  const lines: string[] = [];
  for (const s of scenarios) {
    for (const c of s.checks) {
      const verdict = c.pass === null ? 'n/a ' : c.pass ? 'ok  ' : 'MISS';
      lines.push(`- ${verdict} ${s.title}: ${c.what} ${num(c.value, 2)} (target ${c.limit})`);
    }
    if (s.checks.length === 0) lines.push(`- ${s.title}: no target (reported only)`);
  }
  return lines;
}

function errorLines(scenarios: readonly ScenarioSummary[]): string[] {
  const lines: string[] = [];
  for (const s of scenarios) {
    for (const v of Object.values(s.variants)) {
      for (const e of v.errors) lines.push(`- ${s.title} / ${v.variant} (${v.rounds - v.okRounds} of ${v.rounds} rounds failed): ${e}`);
    }
  }
  return lines;
}

export function formatReport(input: ReportInput): string {
  const rows = input.scenarios.map(scenarioRow);
  const lines = [
    ...input.header,
    '',
    ...table(
      ['scenario', 'direct ops/s', 'nutcracker ops/s', 'ours ops/s', 'ours/nutcracker', 'ours/direct', 'p99 ms nc/ours', 'CPU us/req nc/ours', 'RSS MB nc/ours', 'anon MB nc/ours'],
      rows,
    ),
  ];
  if (input.scaling !== undefined) lines.push(...scalingLines(input.scaling));
  lines.push('', 'Targets:', ...checkLines(input.scenarios));
  const errors = errorLines([...input.scenarios, ...(input.scaling === undefined ? [] : [input.scaling.summary])]);
  if (errors.length > 0) lines.push('', 'Errors:', ...errors);
  return lines.join('\n') + '\n';
}
