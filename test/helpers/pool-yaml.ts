// nutcracker.yml text for tests: pools listening on free 127.0.0.1 ports, servers written with names
// (`127.0.0.1:<port>:1 s1`) so key placement does not depend on which ports the backends got.
// Also the reverse: where each pool of a YAML text listens, for "wait until it accepts".

import { parse } from 'yaml';
import { freePort } from './ports';
import type { Target } from './processes';

export interface ServerSpec {
  host?: string;
  port: number;
  weight?: number;
  /** Default: s1, s2, ... by position. */
  name?: string;
}

export interface PoolSpec {
  name: string;
  /** Backends and fake backends fit as they are ({ host, port }). */
  servers: readonly ServerSpec[];
  /** Raw `listen:` value; default 127.0.0.1:<free port>. */
  listen?: string;
  redis?: boolean;
  /** Write servers as `host:port:weight` without a name (default false: named s1..sN). */
  unnamed?: boolean;
  /** Any other directive, written as given: hash, distribution, timeout, hash_tag, auto_eject_hosts... */
  directives?: Record<string, string | number | boolean>;
}

export interface PoolsYaml {
  yaml: string;
  /** Pool name → TCP listen port (pools with a Unix-socket or custom listen are omitted). */
  ports: Record<string, number>;
}

/** Plain YAML scalars are fine for most values; `{}`, `#`, spaces etc. need quoting (libyaml reads both). */
function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return /^[A-Za-z0-9_./-][A-Za-z0-9_.:/ -]*$/.test(value) && !value.endsWith(' ') && !value.includes(': ') ? value : JSON.stringify(value);
}

/** Build a config with one block per pool; each pool gets its own free listen port unless given one. */
export async function poolYaml(...pools: PoolSpec[]): Promise<PoolsYaml> {
  const ports: Record<string, number> = {};
  const taken = new Set<number>();
  const lines: string[] = [];
  for (const pool of pools) {
    let listen = pool.listen;
    if (listen === undefined) {
      let port = await freePort();
      while (taken.has(port)) port = await freePort();
      taken.add(port);
      ports[pool.name] = port;
      listen = `127.0.0.1:${port}`;
    }
    lines.push(`${pool.name}:`, `  listen: ${scalar(listen)}`);
    if (pool.redis !== undefined) lines.push(`  redis: ${pool.redis}`);
    for (const [key, value] of Object.entries(pool.directives ?? {})) lines.push(`  ${key}: ${scalar(value)}`);
    lines.push('  servers:');
    pool.servers.forEach((s, i) => {
      const addr = `${s.host ?? '127.0.0.1'}:${s.port}:${s.weight ?? 1}`;
      lines.push(pool.unnamed ? `    - ${addr}` : `    - ${addr} ${s.name ?? `s${i + 1}`}`);
    });
  }
  return { yaml: lines.join('\n') + '\n', ports };
}

/**
 * Where each pool of a YAML text listens, as a connect target, by nutcracker's rules (Unix path up to
 * the last space; else host:port split at the last colon). Wildcard addresses are reached on loopback.
 */
export function listenTargets(yaml: string): Target[] {
  const doc: unknown = parse(yaml);
  if (doc === null || typeof doc !== 'object') return [];
  const targets: Target[] = [];
  for (const pool of Object.values(doc as Record<string, unknown>)) {
    const listen = pool !== null && typeof pool === 'object' ? (pool as Record<string, unknown>).listen : undefined;
    if (typeof listen !== 'string') continue;
    if (listen.startsWith('/')) {
      const space = listen.lastIndexOf(' ');
      targets.push({ path: space < 0 ? listen : listen.slice(0, space) });
      continue;
    }
    const colon = listen.lastIndexOf(':');
    const host = listen.slice(0, colon);
    const port = Number(listen.slice(colon + 1));
    targets.push({ host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port });
  }
  return targets;
}
