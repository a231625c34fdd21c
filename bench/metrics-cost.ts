// The data-path cost of `--metrics-port` (issue 7): two processes of our proxy in front of one
// redis-server, one with the Prometheus endpoint (latency histograms observed per request and response),
// one without, loaded in alternating rounds by redis-benchmark (-c 50 GET/SET, unpipelined and -P 16).
// Prints median ops/s and proxy CPU µs per request for each, and the ratio on/off.
// Usage: npm run build && node dist/bench/metrics-cost.js [--rounds N] [--requests N] [--quick]

import { execFile } from 'node:child_process';
import { startRedis, type Backend } from '../test/helpers/backends';
import { httpGet } from '../test/helpers/http-get';
import { poolYaml } from '../test/helpers/pool-yaml';
import { freePort } from '../test/helpers/ports';
import { findBinary } from '../test/helpers/processes';
import { startOurs, type OursProcess } from './ours-process';
import { procCpuNs } from './proc-sample';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv';
import { median } from './summary';

/** The two variants compared; `on` is the one started with `--metrics-port`. */
const VARIANTS = ['off', 'on'] as const;
type VariantName = (typeof VARIANTS)[number];

/** Load shapes: the issue asks for -c 50 GET/SET, without and with pipelining. */
const SCENARIOS = [
  { name: 'c50', args: ['-c', '50'], requests: 100_000 },
  { name: 'c50-P16', args: ['-c', '50', '-P', '16'], requests: 400_000 },
] as const;

const TOOL_TIMEOUT_MS = 180_000;

interface Options {
  rounds: number;
  /** Multiplies each scenario's request count (--requests N sets the unpipelined one, pipelined ×4). */
  scale: number;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { rounds: 5, scale: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--requests') opts.scale = Number(argv[++i]) / SCENARIOS[0].requests;
    else if (a === '--quick') Object.assign(opts, { rounds: 3, scale: 0.2 });
    else throw new Error(`unknown argument '${a}' (use --rounds N, --requests N, --quick)`);
  }
  if (!(opts.rounds >= 1) || !(opts.scale > 0)) throw new Error('--rounds and --requests must be positive');
  return opts;
}

interface ProxyProcess {
  name: VariantName;
  port: number;
  metricsPort: number | null;
  ours: OursProcess;
}

/** Our proxy through the real CLI, as a user runs it; resolves once the pool listens. */
async function startVariant(name: VariantName, backend: Backend): Promise<ProxyProcess> {
  const { yaml, ports } = await poolYaml({ name: 'bench', redis: true, servers: [backend] });
  const metricsPort = name === 'on' ? await freePort() : null;
  const ours = await startOurs(yaml, 1, metricsPort === null ? [] : ['--metrics-port', String(metricsPort)]);
  return { name, port: ports.bench, metricsPort, ours };
}

function runBenchmark(binary: string, port: number, args: readonly string[], requests: number): Promise<Map<string, number>> {
  const argv = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-r', '10000', '-t', 'set,get', '--csv', ...args];
  return new Promise((resolve, reject) => {
    execFile(binary, argv, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`redis-benchmark ${argv.join(' ')}: ${err.message}\n${stderr}`));
      const rows = parseRedisBenchmarkCsv(stdout);
      if (rows.length === 0) return reject(new Error(`redis-benchmark printed no results:\n${stdout}${stderr}`));
      resolve(new Map(rows.map((r) => [r.test, r.rps])));
    });
  });
}

/** Histogram observation count from the scrape: proves the `on` process really measured latencies. */
async function scrapeCount(port: number): Promise<number> {
  const { body } = await httpGet(port, '/metrics');
  const m = /^twemproxy_pool_request_duration_seconds_count\{pool="bench"\} (\d+)$/m.exec(body);
  return m ? Number(m[1]) : -1;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const binary = findBinary('redis-benchmark');
  if (binary === null) throw new Error('redis-benchmark not found on PATH');
  const redis = await startRedis();
  const procs: ProxyProcess[] = [];
  try {
    for (const v of VARIANTS) procs.push(await startVariant(v, redis));
    // scenario/test/variant → ops/s per round; scenario/cpu/variant → proxy CPU µs per request (SET and GET runs).
    const samples = new Map<string, number[]>();
    const add = (key: string, v: number): void => {
      const list = samples.get(key);
      if (list === undefined) samples.set(key, [v]);
      else list.push(v);
    };
    const med = (key: string): number => median(samples.get(key) ?? []) ?? NaN;

    // One short warm-up each, so both JITs are hot before anything is recorded.
    for (const p of procs) await runBenchmark(binary, p.port, SCENARIOS[0].args, 20_000);

    for (let round = 0; round < opts.rounds; round++) {
      // Alternate which variant goes first, so drift on a noisy machine hits both equally.
      const order = round % 2 === 0 ? procs : [...procs].reverse();
      for (const sc of SCENARIOS) {
        const n = Math.max(1000, Math.round(sc.requests * opts.scale));
        for (const p of order) {
          const before = procCpuNs([p.ours.pid]);
          const rps = await runBenchmark(binary, p.port, sc.args, n);
          const cpuUs = (procCpuNs([p.ours.pid]) - before) / 1e3;
          const perReq = cpuUs / (n * rps.size);
          for (const [test, value] of rps) add(`${sc.name}/${test}/${p.name}`, value);
          add(`${sc.name}/cpu/${p.name}`, perReq);
          process.stderr.write(`round ${round + 1}/${opts.rounds} ${sc.name} ${p.name}: ${[...rps].map(([t, r]) => `${t} ${Math.round(r)}`).join(', ')} ops/s, ${perReq.toFixed(2)} µs CPU/req\n`);
        }
      }
    }

    const on = procs.find((p) => p.name === 'on');
    const observed = on?.metricsPort != null ? await scrapeCount(on.metricsPort) : -1;
    console.log(`\nmetrics cost: ${opts.rounds} rounds, node ${process.version}; 'on' histogram observations: ${observed}`);
    console.log('scenario  test  ops/s off  ops/s on  ratio on/off');
    for (const sc of SCENARIOS) {
      for (const test of ['SET', 'GET']) {
        const off = med(`${sc.name}/${test}/off`);
        const onOps = med(`${sc.name}/${test}/on`);
        console.log(`${sc.name.padEnd(8)}  ${test.padEnd(4)}  ${Math.round(off).toString().padStart(9)}  ${Math.round(onOps).toString().padStart(8)}  ${(onOps / off).toFixed(3).padStart(12)}`);
      }
      const cOff = med(`${sc.name}/cpu/off`);
      const cOn = med(`${sc.name}/cpu/on`);
      console.log(`${sc.name.padEnd(8)}  proxy CPU µs/request: off ${cOff.toFixed(2)}, on ${cOn.toFixed(2)}, ratio on/off ${(cOn / cOff).toFixed(3)}`);
    }
  } finally {
    for (const p of procs) await p.ours.stop();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
