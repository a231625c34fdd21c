// Everything the scenarios run against: 2 redis-server + 2 memcached backends, Debian's nutcracker and
// our proxy (one instance per worker count asked for), all configured from the same pool definitions
// (a redis pool and a memcached pool, fnv1a_64 / ketama, named servers) and differing only in their
// listen ports. "direct" is the first backend of each pool: the load tools talk to one server.

import { startMemcached, startRedis, type Backend } from '../test/helpers/backends';
import { startNutcracker, type Nutcracker } from '../test/helpers/nutcracker';
import { poolYaml } from '../test/helpers/pool-yaml';
import { freePort } from '../test/helpers/ports';
import { processAlive } from '../test/helpers/processes';
import { startOurs, type OursProcess } from './ours-process';
import type { PoolKind } from './scenarios';

/** The three kinds of thing measured, in the order every round runs them. */
export const VARIANT_KINDS = ['direct', 'nutcracker', 'ours'] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];

export interface Endpoint {
  host: string;
  port: number;
}

export interface Variant {
  /** 'direct', 'nutcracker', 'ours' (the `--workers` instance) or 'ours-w<N>' (a scaling instance). */
  readonly id: string;
  readonly kind: VariantKind;
  readonly workers: number | null;
  readonly endpoints: Readonly<Record<PoolKind, Endpoint>>;
  /** The process whose CPU and RSS are sampled; null for direct (a backend is not what we measure). */
  pid(): number | null;
  /** Why this variant cannot be measured (failed to start, or died), or null. */
  problem(): string | null;
}

export interface BenchSetup {
  readonly direct: Variant;
  readonly nutcracker: Variant;
  /** Our proxy by worker count. */
  readonly ours: ReadonlyMap<number, Variant>;
  readonly yaml: string;
  stop(): Promise<void>;
}

const HASHING = { hash: 'fnv1a_64', distribution: 'ketama' } as const;

/** The config every proxy gets: identical except for the two listen ports. */
export async function benchYaml(redis: readonly Backend[], memcache: readonly Backend[], listen: Record<PoolKind, number>): Promise<string> {
  const { yaml } = await poolYaml(
    { name: 'bench_redis', listen: `127.0.0.1:${listen.redis}`, redis: true, directives: HASHING, servers: redis },
    { name: 'bench_memcache', listen: `127.0.0.1:${listen.memcache}`, directives: HASHING, servers: memcache },
  );
  return yaml;
}

/** Two distinct free ports for one proxy's pools, none of them in `taken`. */
async function listenPorts(taken: Set<number>): Promise<Record<PoolKind, number>> {
  const pick = async (): Promise<number> => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  return { redis: await pick(), memcache: await pick() };
}

function endpoints(ports: Record<PoolKind, number>): Record<PoolKind, Endpoint> {
  return { redis: { host: '127.0.0.1', port: ports.redis }, memcache: { host: '127.0.0.1', port: ports.memcache } };
}

function oursVariant(id: string, workers: number, ports: Record<PoolKind, number>, started: OursProcess | Error): Variant {
  return {
    id,
    kind: 'ours',
    workers,
    endpoints: endpoints(ports),
    pid: () => (started instanceof Error ? null : started.pid),
    problem: () => {
      if (started instanceof Error) return `failed to start: ${started.message.split('\n').slice(0, 6).join(' | ')}`;
      return started.isRunning() ? null : `exited: ${started.log().split('\n').slice(-6).join(' | ')}`;
    },
  };
}

/** Start all of it; `workers` lists the worker counts of our proxy (the first is the main `ours`). */
export async function startBenchSetup(workers: readonly number[]): Promise<BenchSetup> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    const redis = await Promise.all([startRedis(), startRedis()]);
    const memcache = await Promise.all([startMemcached(), startMemcached()]);
    for (const b of [...redis, ...memcache]) stoppers.push(() => b.stop());

    const taken = new Set<number>();
    const ncPorts = await listenPorts(taken);
    const yaml = await benchYaml(redis, memcache, ncPorts);
    // nutcracker's helper asks for a 100 ms stats interval (for tests); the bench uses the default 30 s
    // for both proxies so neither pays for frequent stats aggregation.
    const nc: Nutcracker = await startNutcracker(yaml, { extraArgs: ['-i', '30000'] });
    stoppers.push(() => nc.stop());

    const ours = new Map<number, Variant>();
    for (const [i, n] of [...new Set(workers)].entries()) {
      const ports = await listenPorts(taken);
      const started = await startOurs(await benchYaml(redis, memcache, ports), n).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      );
      if (!(started instanceof Error)) stoppers.push(() => started.stop());
      ours.set(n, oursVariant(i === 0 ? 'ours' : `ours-w${n}`, n, ports, started));
    }

    const direct: Variant = {
      id: 'direct',
      kind: 'direct',
      workers: null,
      endpoints: { redis: { host: redis[0].host, port: redis[0].port }, memcache: { host: memcache[0].host, port: memcache[0].port } },
      pid: () => null,
      problem: () => null,
    };
    const nutcracker: Variant = {
      id: 'nutcracker',
      kind: 'nutcracker',
      workers: null,
      endpoints: endpoints(ncPorts),
      pid: () => nc.pid,
      problem: () => (processAlive(nc.pid) ? null : `exited: ${nc.log().split('\n').slice(-6).join(' | ')}`),
    };
    return { direct, nutcracker, ours, yaml, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
