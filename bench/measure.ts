// One measurement: one scenario, one variant, one round. Runs the scenario's load tool against the
// variant's endpoint and brackets it with /proc samples of the proxy (CPU ticks before/after; RSS
// sampled during the idle-connections load). A failure (tool error, timeout, proxy down) becomes a
// result with `error` set, never an exception: one broken variant must not stop the whole bench.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Variant } from './bench-setup';
import { idleConns } from './idle-conns';
import { parseMemcaslapOutput } from './memcaslap-output';
import { processTree, procCpuNs, procMemoryKb } from './proc-sample';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv';
import { CLIENTS, MEMCASLAP_CONFIG, type Scenario } from './scenarios';
import { runTool } from './tool-run';

export interface RoundResult {
  variant: string;
  round: number;
  error?: string;
  /** Requests per second as the tool counts them (a 10-key MGET / multi-get counts once). */
  opsPerSec?: number;
  requests?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Proxy CPU (user+sys, whole process tree) per request, microseconds. */
  cpuUsPerReq?: number;
  /** Proxy RSS: peak while the idle connections are open; baseline before they were opened (kB). */
  rssKb?: number;
  rssBaseKb?: number;
  /** The anonymous (process-private) part of RSS: peak while the idle connections are open (kB). */
  anonKb?: number;
  /** Idle scenario: connections that failed to open or broke. */
  failedConns?: number;
}

export interface MeasureContext {
  quick: boolean;
  /** A directory for memcaslap's -F file. */
  tmpDir: string;
}

type Load = Omit<RoundResult, 'variant' | 'round' | 'cpuUsPerReq'>;

const RSS_SAMPLE_MS = 200;

function tail(text: string, lines = 4): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

async function redisBenchmark(s: Extract<Scenario, { tool: 'redis-benchmark' }>, v: Variant, ctx: MeasureContext): Promise<Load> {
  const { host, port } = v.endpoints[s.pool];
  const n = ctx.quick ? s.requests.quick : s.requests.full;
  const args = ['-h', host, '-p', String(port), '-c', String(CLIENTS), '-n', String(n), '--csv', ...s.args];
  // Only there to turn a hang (redis-benchmark retries refused connections forever) into an error.
  const r = await runTool('redis-benchmark', args, 20_000 + n / 5);
  const row = parseRedisBenchmarkCsv(r.stdout)[0];
  if (r.timedOut) return { error: `redis-benchmark timed out: ${tail(r.stderr)}` };
  if (r.code !== 0 || row === undefined) return { error: `redis-benchmark exit ${r.code ?? r.signal}: ${tail(r.stderr + r.stdout)}` };
  return { opsPerSec: row.rps, requests: n, p50Ms: row.p50Ms, p99Ms: row.p99Ms };
}

async function memcaslap(s: Extract<Scenario, { tool: 'memcaslap' }>, v: Variant, ctx: MeasureContext): Promise<Load> {
  const { host, port } = v.endpoints[s.pool];
  const seconds = ctx.quick ? s.seconds.quick : s.seconds.full;
  const cfg = join(ctx.tmpDir, 'memcaslap.cnf');
  writeFileSync(cfg, MEMCASLAP_CONFIG);
  // -S <run time>: one statistics dump, which is what carries the latency histogram.
  const args = ['-s', `${host}:${port}`, '-c', String(CLIENTS), '-T', '1', '-t', `${seconds}s`, '-S', `${seconds}s`, '-F', cfg];
  if (s.division > 1) args.push('-d', String(s.division));
  const r = await runTool('memcaslap', args, seconds * 1000 + 20_000);
  const parsed = parseMemcaslapOutput(r.stdout);
  if (r.timedOut) return { error: `memcaslap timed out: ${tail(r.stdout + r.stderr)}` };
  if (parsed === null || parsed.requests === 0) return { error: `memcaslap exit ${r.code ?? r.signal}: ${tail(r.stdout + r.stderr)}` };
  return {
    opsPerSec: parsed.requestsPerSec,
    requests: parsed.requests,
    p50Ms: parsed.latency === undefined ? undefined : parsed.latency.p50Us / 1000,
    p99Ms: parsed.latency === undefined ? undefined : parsed.latency.p99Us / 1000,
  };
}

async function idle(s: Extract<Scenario, { tool: 'idle-conns' }>, v: Variant, ctx: MeasureContext, pids: readonly number[]): Promise<Load> {
  const { host, port } = v.endpoints[s.pool];
  const base = pids.length === 0 ? undefined : procMemoryKb(pids).rssKb;
  const peak = { rssKb: 0, anonKb: 0 };
  let sampler: NodeJS.Timeout | undefined;
  const sample = (): void => {
    if (pids.length === 0) return;
    const now = procMemoryKb(pids);
    peak.rssKb = Math.max(peak.rssKb, now.rssKb);
    peak.anonKb = Math.max(peak.anonKb, now.anonKb);
  };
  const r = await idleConns({
    host,
    port,
    connections: ctx.quick ? s.connections.quick : s.connections.full,
    seconds: ctx.quick ? s.seconds.quick : s.seconds.full,
    onConnected: () => {
      sample();
      sampler = setInterval(sample, RSS_SAMPLE_MS);
    },
  }).finally(() => clearInterval(sampler));
  sample();
  const load: Load = {
    requests: r.answered,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    rssKb: pids.length === 0 ? undefined : peak.rssKb,
    rssBaseKb: base,
    anonKb: pids.length === 0 ? undefined : peak.anonKb,
    failedConns: r.failed,
  };
  if (r.answered === 0) load.error = `no replies (${r.failed} of ${r.connections + r.failed} connections failed)`;
  return load;
}

function runLoad(s: Scenario, v: Variant, ctx: MeasureContext, pids: readonly number[]): Promise<Load> {
  switch (s.tool) {
    case 'redis-benchmark':
      return redisBenchmark(s, v, ctx);
    case 'memcaslap':
      return memcaslap(s, v, ctx);
    case 'idle-conns':
      return idle(s, v, ctx, pids);
  }
}

export async function measure(s: Scenario, v: Variant, round: number, ctx: MeasureContext): Promise<RoundResult> {
  const problem = v.problem();
  if (problem !== null) return { variant: v.id, round, error: problem };
  const pid = v.pid();
  const pids = pid === null ? [] : processTree(pid);
  const before = pids.length === 0 ? null : procCpuNs(pids);
  const load = await runLoad(s, v, ctx, pids);
  const result: RoundResult = { variant: v.id, round, ...load };
  const after = v.problem();
  if (after !== null) result.error = result.error ?? after;
  if (before !== null && load.requests !== undefined && load.requests > 0 && after === null) {
    result.cpuUsPerReq = (procCpuNs(pids) - before) / 1e3 / load.requests;
  }
  return result;
}
