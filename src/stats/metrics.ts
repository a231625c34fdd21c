// The metric table: every pool and server metric nutcracker reports, in its output order (spec §4.3,
// §4.6). The stats JSON, `-D` text, Prometheus output and docs are all derived from these two tables.

export const POOL_METRICS = [
  { name: 'client_eof', kind: 'counter', description: '# eof on client connections' },
  { name: 'client_err', kind: 'counter', description: '# errors on client connections' },
  { name: 'client_connections', kind: 'gauge', description: '# active client connections' },
  { name: 'server_ejects', kind: 'counter', description: '# times backend server was ejected' },
  { name: 'forward_error', kind: 'counter', description: '# times we encountered a forwarding error' },
  { name: 'fragments', kind: 'counter', description: '# fragments created from a multi-vector request' },
] as const;

export const SERVER_METRICS = [
  { name: 'server_eof', kind: 'counter', description: '# eof on server connections' },
  { name: 'server_err', kind: 'counter', description: '# errors on server connections' },
  { name: 'server_timedout', kind: 'counter', description: '# timeouts on server connections' },
  { name: 'server_connections', kind: 'gauge', description: '# active server connections' },
  { name: 'server_ejected_at', kind: 'timestamp', description: 'timestamp when server was ejected in usec since epoch' },
  { name: 'requests', kind: 'counter', description: '# requests' },
  { name: 'request_bytes', kind: 'counter', description: 'total request bytes' },
  { name: 'responses', kind: 'counter', description: '# responses' },
  { name: 'response_bytes', kind: 'counter', description: 'total response bytes' },
  { name: 'in_queue', kind: 'gauge', description: '# requests in incoming queue' },
  { name: 'in_queue_bytes', kind: 'gauge', description: 'current request bytes in incoming queue' },
  { name: 'out_queue', kind: 'gauge', description: '# requests in outgoing queue' },
  { name: 'out_queue_bytes', kind: 'gauge', description: 'current request bytes in outgoing queue' },
] as const;

export type PoolMetricName = (typeof POOL_METRICS)[number]['name'];
export type ServerMetricName = (typeof SERVER_METRICS)[number]['name'];

/** Live counters of one pool: plain numeric fields, incremented directly on the data path. */
export type PoolStats = Record<PoolMetricName, number>;
/** Live counters of one server. */
export type ServerStats = Record<ServerMetricName, number>;

export function newPoolStats(): PoolStats {
  const s = {} as PoolStats;
  for (const m of POOL_METRICS) s[m.name] = 0;
  return s;
}

export function newServerStats(): ServerStats {
  const s = {} as ServerStats;
  for (const m of SERVER_METRICS) s[m.name] = 0;
  return s;
}
