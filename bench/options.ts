// Command line of `npm run bench` (node dist/bench/run.js): one table of flags, from which both the
// parser and the --help text come. Errors are returned, not thrown, so run.ts prints them with the
// usage and exits 1.

import { SCENARIOS } from './scenarios';

export interface BenchOptions {
  rounds: number;
  quick: boolean;
  workers: number;
  scaling: boolean;
  /** JSON destination; default .bench-results/<date>.json under the repository. */
  out: string | null;
  /** Scenario ids to run; empty = all. */
  only: string[];
  help: boolean;
}

export const BENCH_FLAGS = [
  { flag: '--rounds', arg: 'N', help: 'rounds per scenario, each running direct, nutcracker, ours (default 3; 1 with --quick)' },
  { flag: '--quick', arg: null, help: 'short runs (about a minute in all), for a smoke check rather than numbers to quote' },
  { flag: '--workers', arg: 'N', help: 'run our proxy with --workers N (default 1)' },
  { flag: '--scaling', arg: null, help: 'also run the redis GET -P 16 scenario with 1 and 2 workers (and N) and report the scaling' },
  { flag: '--out', arg: 'FILE', help: 'append the JSON result to FILE instead of .bench-results/<date>.json' },
  { flag: '--only', arg: 'IDS', help: `comma-separated scenario ids: ${SCENARIOS.map((s) => s.id).join(', ')}` },
  { flag: '--help', arg: null, help: 'this text' },
] as const;

export function benchUsage(): string {
  const width = Math.max(...BENCH_FLAGS.map((f) => f.flag.length + (f.arg === null ? 0 : f.arg.length + 1)));
  const lines = BENCH_FLAGS.map((f) => `  ${(f.arg === null ? f.flag : `${f.flag} ${f.arg}`).padEnd(width)}  ${f.help}`);
  return `Usage: node dist/bench/run.js [options]\n${lines.join('\n')}\n`;
}

function positiveInt(text: string | undefined, flag: string, max: number): number | string {
  if (text === undefined || !/^\d+$/.test(text)) return `${flag} needs a whole number`;
  const n = Number(text);
  return n >= 1 && n <= max ? n : `${flag} must be between 1 and ${max}`;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | { error: string } {
  const o: BenchOptions = { rounds: 0, quick: false, workers: 1, scaling: false, out: null, only: [], help: false };
  let rounds: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const flag = eq > 0 && argv[i].startsWith('--') ? argv[i].slice(0, eq) : argv[i];
    const spec = BENCH_FLAGS.find((f) => f.flag === flag);
    if (spec === undefined) return { error: `unknown option ${argv[i]}` };
    if (spec.arg === null && flag !== argv[i]) return { error: `${flag} takes no value` };
    let value: string | undefined;
    if (spec.arg !== null) value = eq > 0 && flag !== argv[i] ? argv[i].slice(eq + 1) : argv[++i];
    switch (spec.flag) {
      case '--rounds': {
        const n = positiveInt(value, flag, 100);
        if (typeof n === 'string') return { error: n };
        rounds = n;
        break;
      }
      case '--workers': {
        const n = positiveInt(value, flag, 256);
        if (typeof n === 'string') return { error: n };
        o.workers = n;
        break;
      }
      case '--quick':
        o.quick = true;
        break;
      case '--scaling':
        o.scaling = true;
        break;
      case '--out':
        if (value === undefined || value === '') return { error: '--out needs a file name' };
        o.out = value;
        break;
      case '--only': {
        const ids = (value ?? '').split(',').filter(Boolean);
        const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
        if (ids.length === 0 || unknown.length > 0) return { error: `--only: unknown scenario ${unknown.join(', ') || '(none given)'}` };
        o.only = ids;
        break;
      }
      case '--help':
        o.help = true;
        break;
    }
  }
  o.rounds = rounds ?? (o.quick ? 1 : 3);
  return o;
}
