// A memcached pool for the memcache end-to-end tests: real memcached backends on free ports, our proxy
// in-process in front of them and, when asked, Debian's nutcracker with the same pool on its own port.
// Also the views behind the proxies the tests need: a request straight to one backend, flush_all on all
// of them, and which backend holds a key (so tests never depend on a hash function's output).

import { hasNutcracker, startMemcached, startNutcracker, type Backend, type Nutcracker } from '../../helpers/backends';
import { poolYaml, startProxy, type RunningProxy } from '../../helpers/proxy';
import { exchangeOnce } from '../../helpers/wire';

export interface ClusterOptions {
  /** Number of memcached backends (named s1..sN in the pool); default 3. */
  servers?: number;
  /** Pool directives for both proxies (hash, distribution, timeout, auto_eject_hosts, ...). */
  directives?: Record<string, string | number | boolean>;
  /** Extra memcached flags, e.g. ['-I', '2m'] for items over 1 MiB. */
  memcachedArgs?: string[];
  /** Also start nutcracker on the same backends (throws if it is not installed: check first). */
  nutcracker?: boolean;
}

export interface MemcacheCluster {
  readonly backends: readonly Backend[];
  readonly proxy: RunningProxy;
  /** Our proxy's listen port. */
  readonly port: number;
  readonly nutcracker: Nutcracker | null;
  /** nutcracker's listen port (-1 without nutcracker). */
  readonly nutPort: number;
  /** The YAML both proxies were given (listen ports aside). */
  readonly yaml: string;
  /** Send bytes straight to backend `i` and read `replies` memcached replies. */
  direct(i: number, request: Buffer | string, replies?: number): Promise<Buffer[]>;
  /** flush_all on every backend: the next stream starts from empty caches. */
  flushAll(): Promise<void>;
  /** For each key, the index of the backend that holds it (-1: none); fails if two hold it. */
  holders(keys: readonly (Buffer | string)[]): Promise<number[]>;
  /** Stop the proxies, then the backends. Safe to call twice. */
  stop(): Promise<void>;
}

const bytes = (b: Buffer | string): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

export async function startMemcacheCluster(opts: ClusterOptions = {}): Promise<MemcacheCluster> {
  const n = opts.servers ?? 3;
  const extraArgs = opts.memcachedArgs ?? [];
  const started = await Promise.allSettled(Array.from({ length: n }, () => startMemcached({ extraArgs })));
  const backends = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  let proxy: RunningProxy | null = null;
  let nut: Nutcracker | null = null;
  const stopAll = async (): Promise<void> => {
    await proxy?.stop();
    await nut?.stop();
    // memcached takes about a second to act on SIGTERM; these caches hold nothing worth a clean exit.
    for (const b of backends) b.kill('SIGKILL');
    await Promise.all(backends.map((b) => b.stop()));
  };
  try {
    if (failed) throw failed.reason;
    const pool = { name: 'mc', servers: backends, directives: opts.directives };
    const ours = await poolYaml(pool);
    proxy = await startProxy(ours.yaml);
    let nutPort = -1;
    if (opts.nutcracker) {
      if (!hasNutcracker()) throw new Error('nutcracker not found on PATH (apt-get install nutcracker)');
      const theirs = await poolYaml(pool);
      nut = await startNutcracker(theirs.yaml);
      nutPort = theirs.ports.mc;
    }
    const running = proxy;
    let stopped = false;
    const direct = (i: number, request: Buffer | string, replies = 1): Promise<Buffer[]> =>
      exchangeOnce(backends[i].port, bytes(request), replies, 'memcache');
    return {
      backends,
      proxy: running,
      port: ours.ports.mc,
      nutcracker: nut,
      nutPort,
      yaml: ours.yaml,
      direct,
      async flushAll() {
        const replies = await Promise.all(backends.map((_, i) => direct(i, 'flush_all\r\n')));
        for (const [r] of replies) if (String(r) !== 'OK\r\n') throw new Error(`flush_all answered ${JSON.stringify(String(r))}`);
      },
      async holders(keys) {
        // One pipelined single-key get per key on every backend: a VALUE reply means "held here".
        const request = Buffer.concat(keys.map((k) => Buffer.concat([Buffer.from('get '), bytes(k), Buffer.from('\r\n')])));
        const seen = await Promise.all(backends.map((_, i) => (keys.length ? direct(i, request, keys.length) : [])));
        return keys.map((k, ki) => {
          const where = seen.flatMap((replies, bi) => (replies[ki].subarray(0, 6).toString() === 'VALUE ' ? [bi] : []));
          if (where.length > 1) throw new Error(`key ${JSON.stringify(bytes(k).toString('latin1'))} is on backends ${where.join(', ')}`);
          return where.length ? where[0] : -1;
        });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
