// The processes behind the placement differential test: real redis-servers and memcacheds, ONE
// Debian nutcracker and ONE of ours, both loaded with the same many-pool configuration (only the
// listen ports differ, since both run at once). Plus the I/O the test needs: pipelined exchanges with
// a pool or a backend, flushing backends, and each proxy's stats JSON.

import { hasNutcracker, startMemcached, startNutcracker, startRedis, type Backend, type Nutcracker } from '../helpers/backends';
import { freePort } from '../helpers/ports';
import { poolYaml, startProxy, type PoolSpec, type RunningProxy } from '../helpers/proxy';
import { exchangeOnce, readAll, resp, type WireProtocol } from '../helpers/wire';

export const PROXIES = { nutcracker: "Debian's nutcracker 0.5.0", ours: 'twemproxy-ts (in-process)' } as const;
export type ProxyName = keyof typeof PROXIES;

export interface RigServer {
  /** Index into the rig's backend list (redis-servers first, then memcacheds). */
  backend: number;
  weight: number;
  /** Written as `host:port:weight name`; without it the server's name is `127.0.0.1:<port>`. */
  name?: string;
}

export interface RigPool {
  name: string;
  redis: boolean;
  servers: readonly RigServer[];
  directives: Record<string, string | number | boolean>;
}

export interface RigOptions {
  redis: number;
  memcached: number;
  pools: readonly RigPool[];
}

export interface PlacementRig {
  /** redis-servers (indexes 0..redis-1), then memcacheds. */
  readonly backends: readonly Backend[];
  /** The pool's listen port on one proxy. */
  port(proxy: ProxyName, pool: string): number;
  /** Send requests pipelined on one fresh connection; one reply each, in order. */
  exchange(port: number, requests: readonly Buffer[], protocol: WireProtocol): Promise<Buffer[]>;
  /** Empty these backends (FLUSHALL / flush_all), talking to them directly. */
  flush(backends: readonly number[]): Promise<void>;
  /** The proxy's stats document, parsed. */
  stats(proxy: ProxyName): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Why the test cannot run here, or false. */
export const RIG_SKIP: string | false = hasNutcracker() ? false : 'Debian nutcracker not found on PATH (apt-get install nutcracker)';

const EXCHANGE_TIMEOUT_MS = 20_000;

function exchange(port: number, requests: readonly Buffer[], protocol: WireProtocol): Promise<Buffer[]> {
  return exchangeOnce(port, Buffer.concat(requests), requests.length, protocol, EXCHANGE_TIMEOUT_MS);
}

/** `count` distinct free ports (two proxies' listeners must never collide). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function startPlacementRig(opts: RigOptions): Promise<PlacementRig> {
  const started: Backend[] = [];
  let nutcracker: Nutcracker | null = null;
  let ours: RunningProxy | null = null;
  const stopAll = async (): Promise<void> => {
    await ours?.stop();
    await nutcracker?.stop();
    await Promise.all(started.map((b) => b.stop()));
  };
  try {
    const redis = await Promise.all(Array.from({ length: opts.redis }, () => startRedis()));
    started.push(...redis);
    const memcached = await Promise.all(Array.from({ length: opts.memcached }, () => startMemcached()));
    started.push(...memcached);
    const backends = [...redis, ...memcached];

    const listen = await distinctPorts(2 * opts.pools.length);
    const ports: Record<ProxyName, Map<string, number>> = { nutcracker: new Map(), ours: new Map() };
    const specs = (proxy: ProxyName, offset: number): PoolSpec[] =>
      opts.pools.map((pool, i) => {
        ports[proxy].set(pool.name, listen[offset + i]);
        const unnamed = pool.servers.every((s) => s.name === undefined);
        if (!unnamed && pool.servers.some((s) => s.name === undefined)) throw new Error(`pool ${pool.name}: name all servers or none`);
        return {
          name: pool.name,
          listen: `127.0.0.1:${listen[offset + i]}`,
          redis: pool.redis,
          unnamed,
          directives: pool.directives,
          servers: pool.servers.map((s) => ({ port: backends[s.backend].port, weight: s.weight, name: s.name })),
        };
      });
    nutcracker = await startNutcracker((await poolYaml(...specs('nutcracker', 0))).yaml);
    ours = await startProxy((await poolYaml(...specs('ours', opts.pools.length))).yaml);
    const statsPorts: Record<ProxyName, number> = { nutcracker: nutcracker.statsPort, ours: ours.statsPort };

    return {
      backends,
      port(proxy, pool) {
        const port = ports[proxy].get(pool);
        if (port === undefined) throw new Error(`no pool named ${pool}`);
        return port;
      },
      exchange,
      async flush(which) {
        await Promise.all(
          which.map(async (i) => {
            const b = backends[i];
            const [reply] = b.kind === 'redis' ? await exchange(b.port, [resp('FLUSHALL')], 'redis') : await exchange(b.port, [Buffer.from('flush_all\r\n')], 'memcache');
            if (!/^(\+OK|OK)\r\n$/.test(reply.toString('latin1'))) throw new Error(`flush of ${b.kind} :${b.port} answered ${reply.toString('latin1')}`);
          }),
        );
      },
      async stats(proxy) {
        return JSON.parse((await readAll(statsPorts[proxy])).toString('utf8')) as Record<string, unknown>;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
