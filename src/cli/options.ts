// The command line: one table of options (nutcracker 0.5.0's flags, spec §3.1, plus our long-only
// ones) from which parsing, the usage text and the docs derive. Parsing follows getopt_long as
// nutcracker uses it: clustered short flags (`-tV`), attached or separate values (`-v5`, `-v 5`,
// `--verbose=5`, `--verbose 5`), unique long prefixes (`--conf`), non-options ignored, `--` ends
// options, the first error wins. Messages are nutcracker's with our program name.

import { parseMbufSize } from '../config/mbuf-size';
import { DEFAULT_PROXY_OPTIONS } from '../proxy/proxy-options';
import { PROGRAM, VERSION } from './version';

const WORKERS_MAX = 256;
/** Node timers cannot wait longer than 2^31-1 ms; nutcracker accepts any interval, so we clamp. */
const INTERVAL_MAX = 2147483647;
const LEVEL_MAX = 11;

type Parsed = { value: string | number } | { error: string };

/**
 * How each kind of option value is checked. `flag` is how messages name the option: `-s` even when
 * the user wrote `--stats-port`, as nutcracker does; long-only options by their long name.
 */
export const ARG_KINDS = {
  none: { meta: '', missing: (_flag: string) => '', parse: (v: string, _flag: string): Parsed => ({ value: v }) },
  level: {
    meta: 'N',
    missing: (flag: string) => `option ${flag} requires a number`,
    parse: (v: string, flag: string): Parsed =>
      isDigits(v) ? { value: Math.min(Number(v), LEVEL_MAX) } : { error: `option ${flag} requires a number` },
  },
  file: {
    meta: 'S',
    missing: (flag: string) => `option ${flag} requires a file name`,
    parse: (v: string): Parsed => ({ value: v }),
  },
  string: {
    meta: 'S',
    missing: (flag: string) => `option ${flag} requires a string`,
    parse: (v: string): Parsed => ({ value: v }),
  },
  port: {
    meta: 'N',
    missing: (flag: string) => `option ${flag} requires a number`,
    parse: (v: string, flag: string): Parsed => {
      if (!isDigits(v)) return { error: `option ${flag} requires a number` };
      const n = Number(v);
      return n >= 1 && n <= 65535 ? { value: n } : { error: `option ${flag} value ${v} is not a valid port` };
    },
  },
  msec: {
    meta: 'N',
    missing: (flag: string) => `option ${flag} requires a number`,
    parse: (v: string, flag: string): Parsed =>
      isDigits(v) ? { value: Math.min(Number(v), INTERVAL_MAX) } : { error: `option ${flag} requires a number` },
  },
  mbuf: {
    meta: 'N',
    missing: (flag: string) => `option ${flag} requires a number`,
    // nutcracker's own rules (C int wrap-around included), shared with the config module.
    parse: (v: string, flag: string): Parsed => {
      const n = parseMbufSize(v);
      if (typeof n === 'number') return { value: n };
      return { error: n.error.replace('option -m', `option ${flag}`) };
    },
  },
  count: {
    meta: 'N',
    missing: (flag: string) => `option ${flag} requires a number`,
    parse: (v: string, flag: string): Parsed => {
      if (!isDigits(v)) return { error: `option ${flag} requires a number` };
      const n = Number(v);
      return n >= 1 && n <= WORKERS_MAX ? { value: n } : { error: `option ${flag} value ${v} must be between 1 and ${WORKERS_MAX}` };
    },
  },
} as const;

export type ArgKind = keyof typeof ARG_KINDS;

/** Every option, in help order. `usage` is the bracketed placeholder of the usage synopsis. */
export const OPTIONS = [
  { key: 'help', short: 'h', long: 'help', arg: 'none', default: false, usage: '', help: 'this help' },
  { key: 'version', short: 'V', long: 'version', arg: 'none', default: false, usage: '', help: 'show version and exit' },
  { key: 'testConf', short: 't', long: 'test-conf', arg: 'none', default: false, usage: '', help: 'test configuration for syntax errors and exit' },
  { key: 'daemonize', short: 'd', long: 'daemonize', arg: 'none', default: false, usage: '', help: 'run as a daemon' },
  { key: 'describeStats', short: 'D', long: 'describe-stats', arg: 'none', default: false, usage: '', help: 'print stats description and exit' },
  { key: 'verbose', short: 'v', long: 'verbose', arg: 'level', default: 5, usage: 'verbosity level', help: 'set logging level (default: {default}, min: 0, max: 11)' },
  { key: 'output', short: 'o', long: 'output', arg: 'file', default: null, usage: 'output file', help: 'set logging file (default: stderr)' },
  { key: 'confFile', short: 'c', long: 'conf-file', arg: 'file', default: DEFAULT_PROXY_OPTIONS.confFile, usage: 'conf file', help: 'set configuration file (default: {default})' },
  { key: 'statsPort', short: 's', long: 'stats-port', arg: 'port', default: DEFAULT_PROXY_OPTIONS.statsPort, usage: 'stats port', help: 'set stats monitoring port (default: {default})' },
  { key: 'statsAddr', short: 'a', long: 'stats-addr', arg: 'string', default: DEFAULT_PROXY_OPTIONS.statsAddr, usage: 'stats addr', help: 'set stats monitoring ip (default: {default})' },
  { key: 'statsInterval', short: 'i', long: 'stats-interval', arg: 'msec', default: DEFAULT_PROXY_OPTIONS.statsInterval, usage: 'stats interval', help: 'set stats aggregation interval in msec (default: {default} msec)' },
  { key: 'pidFile', short: 'p', long: 'pid-file', arg: 'file', default: null, usage: 'pid file', help: 'set pid file (default: off)' },
  { key: 'mbufSize', short: 'm', long: 'mbuf-size', arg: 'mbuf', default: DEFAULT_PROXY_OPTIONS.mbufSize, usage: 'mbuf size', help: 'set size of mbuf chunk in bytes (default: {default} bytes)' },
  { key: 'workers', short: null, long: 'workers', arg: 'count', default: DEFAULT_PROXY_OPTIONS.workers, usage: 'N', help: 'set number of worker processes (default: {default}, max: 256)' },
  { key: 'metricsPort', short: null, long: 'metrics-port', arg: 'port', default: null, usage: 'N', help: 'set Prometheus metrics HTTP port (default: off)' },
  { key: 'metricsAddr', short: null, long: 'metrics-addr', arg: 'string', default: null, usage: 'S', help: 'set Prometheus metrics ip (default: the stats ip)' },
  { key: 'reload', short: null, long: 'reload', arg: 'none', default: false, usage: '', help: 'make the process in the pid file reload its configuration and exit' },
] as const satisfies readonly {
  key: string;
  short: string | null;
  long: string;
  arg: ArgKind;
  default: string | number | boolean | null;
  usage: string;
  help: string;
}[];

export type OptionSpec = (typeof OPTIONS)[number];

export interface CliOptions {
  help: boolean;
  version: boolean;
  testConf: boolean;
  daemonize: boolean;
  describeStats: boolean;
  /** Log level as given, already clamped to 0..11. */
  verbose: number;
  /** Log file; null or '' = stderr. */
  output: string | null;
  confFile: string;
  statsPort: number;
  statsAddr: string;
  statsInterval: number;
  pidFile: string | null;
  mbufSize: number;
  workers: number;
  metricsPort: number | null;
  /** null = use statsAddr. */
  metricsAddr: string | null;
  reload: boolean;
}

export type ParseResult = { options: CliOptions } | { error: string };

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

function flagOf(o: OptionSpec): string {
  return o.short !== null ? `-${o.short}` : `--${o.long}`;
}

export function defaultOptions(): CliOptions {
  const o: Record<string, unknown> = {};
  for (const spec of OPTIONS) o[spec.key] = spec.default;
  return o as unknown as CliOptions;
}

/** One option found on the command line, with where it was (to rewrite argv for the daemon child). */
interface Hit {
  spec: OptionSpec;
  value: string | undefined;
  token: number;
  /** Index of the letter inside a short cluster, -1 for a long option. */
  char: number;
}

type ScanEvent = Hit | { error: string };

function findLong(name: string): OptionSpec | { error: string } {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const prefixed = name === '' ? [] : OPTIONS.filter((o) => o.long.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  if (prefixed.length === 0) return { error: `unrecognized option '--${name}'` };
  return { error: `option '--${name}' is ambiguous; possibilities: ${prefixed.map((o) => `'--${o.long}'`).join(' ')}` };
}

/** getopt_long's walk over argv: yields each option with its raw value, or the first error. */
function* scan(argv: readonly string[]): Generator<ScanEvent> {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--') return;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const found = findLong(eq < 0 ? tok.slice(2) : tok.slice(2, eq));
      if ('error' in found) {
        yield found;
        return;
      }
      const token = i;
      let value: string | undefined;
      if (found.arg === 'none') {
        if (eq >= 0) {
          yield { error: `option '--${found.long}' doesn't allow an argument` };
          return;
        }
      } else if (eq >= 0) value = tok.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      yield { spec: found, value, token, char: -1 };
    } else if (tok.length > 1 && tok[0] === '-') {
      const token = i;
      for (let j = 1; j < tok.length; j++) {
        const spec = OPTIONS.find((o) => o.short === tok[j]);
        if (!spec) {
          yield { error: `invalid option -- '${tok[j]}'` };
          return;
        }
        if (spec.arg === 'none') {
          yield { spec, value: undefined, token, char: j };
          continue;
        }
        let value: string | undefined;
        if (j + 1 < tok.length) value = tok.slice(j + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        yield { spec, value, token, char: j };
        break;
      }
    }
    // Anything else is a non-option argument: nutcracker ignores those.
  }
}

/** Parse argv (without node and the script). Errors come back as the message to print, unprefixed. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const options = defaultOptions();
  const out = options as unknown as Record<string, unknown>;
  for (const ev of scan(argv)) {
    if ('error' in ev) return { error: ev.error };
    const { spec } = ev;
    if (spec.arg === 'none') {
      out[spec.key] = true;
      continue;
    }
    const kind = ARG_KINDS[spec.arg];
    if (ev.value === undefined) return { error: kind.missing(flagOf(spec)) };
    const parsed = kind.parse(ev.value, flagOf(spec));
    if ('error' in parsed) return { error: parsed.error };
    out[spec.key] = parsed.value;
  }
  return { options };
}

/** argv with every -d / --daemonize removed, for the re-spawned daemon child. */
export function withoutDaemonize(argv: readonly string[]): string[] {
  const drop = new Map<number, Set<number>>();
  for (const ev of scan(argv)) {
    if ('error' in ev) break;
    if (ev.spec.key !== 'daemonize') continue;
    let chars = drop.get(ev.token);
    if (!chars) drop.set(ev.token, (chars = new Set()));
    chars.add(ev.char);
  }
  const out: string[] = [];
  argv.forEach((tok, i) => {
    const chars = drop.get(i);
    if (!chars) out.push(tok);
    else if (!chars.has(-1)) {
      const rest = [...tok].filter((_, j) => !chars.has(j)).join('');
      if (rest !== '-') out.push(rest);
    }
  });
  return out;
}

/** `This is twemproxy-ts-<version>` block printed by -V, -h and -D (spec §3.2, `\n` line ends). */
export function versionText(): string {
  return `This is ${PROGRAM}-${VERSION}\nasync event backend: libuv (node ${process.version})\n\n`;
}

const USAGE_WIDTH = 80;

/** The usage synopsis and the option list, nutcracker's layout with plain `\n` line ends. */
export function usageText(): string {
  const lead = `Usage: ${PROGRAM} `;
  const items = [
    `[-${OPTIONS.filter((o) => o.short !== null && o.arg === 'none').map((o) => o.short).join('')}]`,
    ...OPTIONS.filter((o) => o.short !== null && o.arg !== 'none').map((o) => `[-${o.short} ${o.usage}]`),
    ...OPTIONS.filter((o) => o.short === null).map((o) => (o.arg === 'none' ? `[--${o.long}]` : `[--${o.long} ${o.usage}]`)),
  ];
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line !== '' && lead.length + line.length + 1 + item.length > USAGE_WIDTH) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? item : `${line} ${item}`;
  }
  lines.push(line);
  const synopsis = lines.map((l, i) => (i === 0 ? lead : ' '.repeat(lead.length)) + l).join('\n');

  const left = OPTIONS.map((o) => {
    const flag = o.short !== null ? `  -${o.short}, ` : '      ';
    const meta = ARG_KINDS[o.arg].meta;
    return `${flag}--${o.long}${meta ? `=${meta}` : ''}`;
  });
  const width = Math.max(...left.map((l) => l.length));
  const optionLines = OPTIONS.map((o, i) => `${left[i].padEnd(width)} : ${o.help.replace('{default}', String(o.default))}`);
  return `${synopsis}\n\nOptions:\n${optionLines.join('\n')}\n\n`;
}
