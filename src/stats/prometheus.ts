// Prometheus text exposition (format 0.0.4) of a stats snapshot. Family names, types and help texts
// are derived from the metric tables in metrics.ts: `twemproxy_pool_<metric>` and
// `twemproxy_server_<metric>` (a leading "server_" is not repeated), counters suffixed `_total`,
// server_ejected_at exported in seconds. Latencies are histograms in seconds. Process metrics use the
// conventional unprefixed `process_*` names so standard dashboards find them.

import { POOL_METRICS, SERVER_METRICS } from './metrics';
import { HISTOGRAM_BOUNDS_US } from './histogram';
import type { HistogramData } from './histogram';
import type { StatsSnapshot } from './snapshot';
import type { ProcessInfo } from './process-info';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const PROMETHEUS_PREFIX = 'twemproxy_';

/** How each metric kind of the tables is exported. */
const KINDS = {
  counter: { type: 'counter', suffix: '_total', scale: 1, unit: '' },
  gauge: { type: 'gauge', suffix: '', scale: 1, unit: '' },
  // Stored in microseconds (as nutcracker reports it); Prometheus convention is seconds.
  timestamp: { type: 'gauge', suffix: '_seconds', scale: 1e-6, unit: 'seconds' },
} as const;

export interface PrometheusOptions {
  /** HELP text for `extra` gauges, by key. */
  extraHelp?: Readonly<Record<string, string>>;
}

// Bucket bounds as `le` label values, in seconds, computed once.
const LE = [...HISTOGRAM_BOUNDS_US.map((us) => String(us / 1e6)), '+Inf'];

function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

function value(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** nutcracker's "# requests" reads as "Number of requests"; units are restated for rescaled kinds. */
function help(description: string, unit: string): string {
  const text = description.startsWith('# ') ? `Number of ${description.slice(2)}` : description;
  return unit === '' ? text : text.replace('usec', unit);
}

/** A metric name with every character outside [a-zA-Z0-9_:] replaced, not starting with a digit. */
function sanitizeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function header(name: string, helpText: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(helpText)}\n# TYPE ${name} ${type}\n`;
}

function histogram(name: string, labels: string, h: HistogramData): string {
  let out = '';
  let cum = 0;
  for (let i = 0; i < LE.length; i++) {
    cum += h.counts[i] ?? 0;
    out += `${name}_bucket{${labels},le="${LE[i]}"} ${value(cum)}\n`;
  }
  return out + `${name}_sum{${labels}} ${value(h.sum / 1e6)}\n${name}_count{${labels}} ${value(h.count)}\n`;
}

/** Render a snapshot (and this process's, or the merged workers', process figures) as exposition text. */
export function renderPrometheus(snap: StatsSnapshot, proc: ProcessInfo | null, opts: PrometheusOptions = {}): string {
  const P = PROMETHEUS_PREFIX;
  let out = header(`${P}connections_total`, 'Connections ever created: pool listeners, clients and servers', 'counter');
  out += `${P}connections_total ${value(snap.totalConnections)}\n`;
  out += header(`${P}connections`, 'Connections open now: pool listeners, clients and servers', 'gauge');
  out += `${P}connections ${value(snap.currConnections)}\n`;

  const poolLabels = snap.pools.map((p) => `pool="${escapeLabel(p.name)}"`);
  for (const m of POOL_METRICS) {
    const k = KINDS[m.kind];
    const name = `${P}pool_${m.name}${k.suffix}`;
    out += header(name, help(m.description, k.unit), k.type);
    snap.pools.forEach((p, i) => (out += `${name}{${poolLabels[i]}} ${value(p.stats[m.name] * k.scale)}\n`));
  }
  const reqName = `${P}pool_request_duration_seconds`;
  out += header(reqName, 'Request latency measured by the proxy: client request read to reply written', 'histogram');
  snap.pools.forEach((p, i) => (out += histogram(reqName, poolLabels[i], p.latency)));

  const serverLabels = snap.pools.map((p, i) =>
    p.servers.map((s) => `${poolLabels[i]},server="${escapeLabel(s.name)}"`),
  );
  for (const m of SERVER_METRICS) {
    const k = KINDS[m.kind];
    const short = m.name.startsWith('server_') ? m.name.slice('server_'.length) : m.name;
    const name = `${P}server_${short}${k.suffix}`;
    out += header(name, help(m.description, k.unit), k.type);
    snap.pools.forEach((p, i) =>
      p.servers.forEach((s, j) => (out += `${name}{${serverLabels[i][j]}} ${value(s.stats[m.name] * k.scale)}\n`)),
    );
  }
  const ejName = `${P}server_ejected`;
  out += header(ejName, '1 if the server is currently ejected from its pool, else 0', 'gauge');
  snap.pools.forEach((p, i) => p.servers.forEach((s, j) => (out += `${ejName}{${serverLabels[i][j]}} ${s.ejected ? 1 : 0}\n`)));
  const rspName = `${P}server_response_duration_seconds`;
  out += header(rspName, 'Server response time: request written to the server to its response read', 'histogram');
  snap.pools.forEach((p, i) => p.servers.forEach((s, j) => (out += histogram(rspName, serverLabels[i][j], s.latency))));

  if (snap.extra !== undefined) {
    for (const [key, v] of Object.entries(snap.extra)) {
      const name = P + sanitizeName(key);
      // A family may be declared once: an extra key that clashes with ours (or with an earlier extra
      // after sanitizing) is dropped rather than making the whole scrape invalid.
      if (out.includes(`# TYPE ${name} `)) continue;
      const type = key.endsWith('_total') ? 'counter' : 'gauge';
      out += header(name, opts.extraHelp?.[key] ?? `twemproxy ${key}`, type) + `${name} ${value(v)}\n`;
    }
  }

  if (proc !== null) out += renderProcess(proc);
  return out;
}

function renderProcess(proc: ProcessInfo): string {
  const rows: [string, string, string, number | undefined][] = [
    ['process_cpu_seconds_total', 'Total user and system CPU time spent in seconds', 'counter', proc.cpuSeconds],
    ['process_resident_memory_bytes', 'Resident memory size in bytes', 'gauge', proc.residentBytes],
    ['process_virtual_memory_bytes', 'Virtual memory size in bytes', 'gauge', proc.virtualBytes],
    ['process_start_time_seconds', 'Start time of the process since unix epoch in seconds', 'gauge', proc.startTimeSeconds],
    ['process_open_fds', 'Number of open file descriptors', 'gauge', proc.openFds],
    ['process_max_fds', 'Maximum number of open file descriptors', 'gauge', proc.maxFds],
  ];
  let out = '';
  for (const [name, text, type, v] of rows) {
    if (v !== undefined) out += header(name, text, type) + `${name} ${value(v)}\n`;
  }
  return out;
}
