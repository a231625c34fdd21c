#!/usr/bin/env node
// `npm run bench`: starts the backends, nutcracker and our proxy (bench-setup.ts), runs every scenario
// for R rounds alternating direct → nutcracker → ours, prints a markdown table of medians and ratios
// to stdout (progress goes to stderr), and appends the whole run, rounds included, as JSON to
// .bench-results/<date>.json (or --out FILE) so runs can be compared over time.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findBinary, makeTempDir } from '../test/helpers/processes';
import { startBenchSetup, type Variant } from './bench-setup';
import { measure, type MeasureContext, type RoundResult } from './measure';
import { benchUsage, parseBenchOptions, type BenchOptions } from './options';
import { formatReport, type ReportInput } from './report';
import { SCALING_SCENARIO, SCENARIOS, WARMUP, scenarioById, type Scenario } from './scenarios';
import { summarizeScenario, type ScenarioSummary } from './summary';

/** Programs the bench needs, and the flag that makes each print its version. */
const TOOLS = {
  'redis-server': '--version',
  'redis-benchmark': '--version',
  memcached: '-V',
  memcaslap: '-V',
  nutcracker: '-V',
} as const;

const REPO_ROOT = resolve(__dirname, '..', '..');

function toolVersion(name: keyof typeof TOOLS): string {
  const bin = findBinary(name);
  if (bin === null) return 'missing';
  const r = spawnSync(bin, [TOOLS[name]], { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
}

function fmt(r: RoundResult): string {
  if (r.error !== undefined) return `ERROR ${r.error}`;
  const parts = [];
  if (r.opsPerSec !== undefined) parts.push(`${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s`);
  if (r.p99Ms !== undefined) parts.push(`p99 ${r.p99Ms.toFixed(2)} ms`);
  if (r.cpuUsPerReq !== undefined) parts.push(`cpu ${r.cpuUsPerReq.toFixed(1)} us/req`);
  if (r.rssKb !== undefined) parts.push(`rss ${(r.rssKb / 1024).toFixed(1)} MB`);
  if (r.anonKb !== undefined) parts.push(`anon ${(r.anonKb / 1024).toFixed(1)} MB`);
  if (r.failedConns) parts.push(`${r.failedConns} conns failed`);
  return parts.join(', ');
}

async function runScenario(s: Scenario, variants: readonly Variant[], rounds: number, ctx: MeasureContext): Promise<RoundResult[]> {
  const results: RoundResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const v of variants) {
      const r = await measure(s, v, round, ctx);
      process.stderr.write(`[${s.id} ${round}/${rounds}] ${v.id.padEnd(10)} ${fmt(r)}\n`);
      results.push(r);
    }
  }
  return results;
}

/** Unrecorded quick runs of WARMUP against each proxy; failures show up later, in the real rounds. */
async function warmUp(variants: readonly Variant[], ctx: MeasureContext): Promise<void> {
  const quick = { ...ctx, quick: true };
  for (const v of variants) {
    process.stderr.write(`[warm-up] ${v.id}\n`);
    for (const id of WARMUP) await measure(scenarioById(id) as Scenario, v, 0, quick);
  }
}

function header(o: BenchOptions, versions: Record<string, string>): string[] {
  const cpu = cpus();
  return [
    `# twemproxy-ts benchmark, ${new Date().toISOString()}`,
    '',
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, node ${process.version}. ` +
      `Load generator, proxies and backends share these cores: quote ratios from one run, not absolute numbers.`,
    `Tools: ${Object.entries(versions).map(([k, v]) => `${k}: ${v}`).join('; ')}.`,
    `Rounds: ${o.rounds}${o.quick ? ' (--quick)' : ''}, medians shown. Our proxy: --workers ${o.workers}. ` +
      `Both proxies: same pools (2 redis, 2 memcached, fnv1a_64/ketama), only listen ports differ.`,
    `"direct" = the load tool against ONE backend (redis-benchmark and memcaslap talk to one server); the ` +
      `proxies spread the same load over two. ops/s counts requests: a 10-key MGET or multi-get is one.`,
    `CPU us/req = proxy user+sys time (/proc, whole process tree) / requests. RSS = peak VmRSS with the idle connections open; ` +
      `anon = its private part (RssAnon: heaps, buffers), without the executable's and libraries' pages, which processes share.`,
  ];
}

function writeJson(file: string, record: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  let runs: unknown[] = [];
  if (existsSync(file)) {
    try {
      const old: unknown = JSON.parse(readFileSync(file, 'utf8'));
      runs = Array.isArray(old) ? old : [old];
    } catch {
      process.stderr.write(`warning: ${file} is not JSON; starting a new history in it\n`);
    }
  }
  runs.push(record);
  writeFileSync(file, JSON.stringify(runs, null, 1) + '\n');
}

function localDate(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function bench(o: BenchOptions): Promise<number> {
  const versions: Record<string, string> = {};
  for (const name of Object.keys(TOOLS) as (keyof typeof TOOLS)[]) versions[name] = toolVersion(name);
  const missing = Object.entries(versions).filter(([, v]) => v === 'missing');
  if (missing.length > 0) {
    process.stderr.write(`bench: not found on PATH: ${missing.map(([k]) => k).join(', ')}\n`);
    return 1;
  }
  const scalingWorkers = o.scaling ? [...new Set([1, 2, o.workers])].sort((a, b) => a - b) : [];
  const started = Date.now();
  const setup = await startBenchSetup([o.workers, ...scalingWorkers]);
  try {
    const ours = setup.ours.get(o.workers) as Variant;
    const problem = ours.problem();
    if (problem !== null) process.stderr.write(`bench: our proxy is not measurable (${problem}); its columns will say "fail"\n`);
    const ctx: MeasureContext = { quick: o.quick, tmpDir: makeTempDir('bench') };
    const chosen = SCENARIOS.filter((s) => o.only.length === 0 || o.only.includes(s.id));
    await warmUp([setup.nutcracker, ...setup.ours.values()], ctx);
    const summaries: ScenarioSummary[] = [];
    const rounds: Record<string, RoundResult[]> = {};
    for (const s of chosen) {
      rounds[s.id] = await runScenario(s, [setup.direct, setup.nutcracker, ours], o.rounds, ctx);
      summaries.push(summarizeScenario(s, rounds[s.id]));
    }

    let scaling: ReportInput['scaling'];
    if (o.scaling) {
      const s = scenarioById(SCALING_SCENARIO) as Scenario;
      const workers = scalingWorkers.map((n) => ({ workers: n, variant: (setup.ours.get(n) as Variant).id }));
      const variants = [setup.nutcracker, ...scalingWorkers.map((n) => setup.ours.get(n) as Variant)];
      rounds[`scaling:${s.id}`] = await runScenario(s, variants, o.rounds, ctx);
      const summary = summarizeScenario(s, rounds[`scaling:${s.id}`], workers[0].variant);
      summary.checks = [];
      scaling = { summary, workers };
    }

    const elapsed = `Run time: ${((Date.now() - started) / 1000).toFixed(0)} s.`;
    const head = [...header(o, versions), elapsed];
    process.stdout.write(formatReport({ header: head, scenarios: summaries, scaling }));

    const file = o.out !== null ? resolve(o.out) : join(REPO_ROOT, '.bench-results', `${localDate()}.json`);
    writeJson(file, {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, tools: versions },
      options: o,
      config: setup.yaml,
      scenarios: summaries,
      scaling,
      rounds,
      runTimeS: Math.round((Date.now() - started) / 1000),
    });
    process.stderr.write(`bench: JSON appended to ${file}\n`);
    return 0;
  } finally {
    await setup.stop();
  }
}

async function main(): Promise<void> {
  const o = parseBenchOptions(process.argv.slice(2));
  if ('error' in o) {
    process.stderr.write(`bench: ${o.error}\n${benchUsage()}`);
    process.exitCode = 1;
    return;
  }
  if (o.help) {
    process.stdout.write(benchUsage());
    return;
  }
  process.exitCode = await bench(o);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
