// A sharded Redis setup for the Redis end-to-end tests: N real redis-servers on free ports, fronted by
// our proxy (in-process), Debian's nutcracker, or both, from one pool definition (servers named s1..sN,
// so both proxies place keys alike). Tests talk to the proxies through the wire client and check
// what really landed where by asking each backend directly (`direct`, `locate`).

import type { ProxyOptions } from '../../../src/proxy/proxy';
import { startNutcracker, startRedis, type Backend, type BackendOptions, type Nutcracker } from '../../helpers/backends';
import { poolYaml, startProxy, type RunningProxy, type ServerSpec } from '../../helpers/proxy';
import { frameLength } from '../../helpers/frame-length';
import { connect, resp } from '../../helpers/wire';

/** Which proxies to put in front of the backends. */
export const FRONTS = { ours: 'our proxy, in-process', nutcracker: "Debian's nutcracker 0.5.0" } as const;
export type Front = keyof typeof FRONTS;

export interface ShardedRedisOptions {
  /** Number of redis-servers; default 3. */
  servers?: number;
  /** Options for every backend (e.g. password). */
  backend?: BackendOptions;
  /** Front these already running backends instead of starting new ones (stop() leaves them running). */
  useBackends?: readonly Backend[];
  /** Pool directives besides `redis: true` (hash, distribution, hash_tag, redis_auth, redis_db...). */
  directives?: Record<string, string | number | boolean>;
  /** Servers listed after the real backends (e.g. a port nothing listens on). */
  extraServers?: readonly ServerSpec[];
  /** Default ['ours']. */
  fronts?: readonly Front[];
  proxyOptions?: Partial<ProxyOptions>;
}

export interface DirectOptions {
  /** SELECT this database first (its reply is dropped). */
  db?: number;
}

export interface ShardedRedis {
  readonly backends: readonly Backend[];
  /** Listen port of each front that was started. */
  readonly ports: Readonly<Partial<Record<Front, number>>>;
  /** Our proxy's pool port (throws if ours was not started). */
  readonly port: number;
  readonly proxy: RunningProxy | null;
  readonly nutcracker: Nutcracker | null;
  /** Pipelined requests straight to backend i (bypassing the proxies); one reply each. */
  directMany(i: number, requests: readonly Buffer[], opts?: DirectOptions): Promise<Buffer[]>;
  /** One command straight to backend i; the reply as text (latin1). */
  direct(i: number, ...args: (string | Buffer)[]): Promise<string>;
  /** For each key, the index of the one backend that holds it, or -1; throws if a key is on several. */
  locate(keys: readonly (string | Buffer)[], opts?: DirectOptions): Promise<number[]>;
  /** FLUSHALL on every backend. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/** Send requests pipelined on a fresh connection and read one reply per request. */
export async function exchange(port: number, requests: readonly Buffer[], timeoutMs = 10_000): Promise<Buffer[]> {
  const c = await connect(port);
  try {
    c.send(Buffer.concat(requests));
    return await c.readReplies(requests.length, 'redis', timeoutMs);
  } finally {
    await c.close();
  }
}

/** The elements of a RESP array reply, each as its own bytes (for order-insensitive comparisons). */
export function arrayElements(reply: Buffer): Buffer[] {
  if (reply[0] !== 42) throw new Error(`not an array reply: ${reply.subarray(0, 40).toString('latin1')}`);
  const eol = reply.indexOf('\r\n', 0, 'latin1');
  const n = Number(reply.toString('latin1', 1, eol));
  const out: Buffer[] = [];
  let pos = eol + 2;
  for (let i = 0; i < n; i++) {
    const len = frameLength(reply, pos, 'redis', 'reply');
    if (len < 0) throw new Error('truncated array reply');
    out.push(reply.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

/**
 * A COMMAND reply reduced to its sorted command names: Redis lists commands (and their subcommands)
 * in hash-table order, which differs between redis-server processes.
 */
export function commandNames(reply: Buffer): string {
  return arrayElements(reply)
    .map((entry) => arrayElements(entry)[0].toString('latin1'))
    .sort()
    .join(' ');
}

/** `$<len>\r\n<bytes>\r\n`, or `$-1\r\n` for null: how a reply carries a value. */
export function bulk(value: string | Buffer | null): Buffer {
  if (value === null) return Buffer.from('$-1\r\n');
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
}

const LISTEN_ATTEMPTS = 3;
const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;

/**
 * Start several servers at once. If any fails, the others are stopped before the error is rethrown:
 * a server left running would keep the test process alive after its last test.
 */
export async function startAll<T extends readonly Promise<{ stop(): Promise<void> }>[]>(
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
  await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw failed.reason;
}

/** Start the backends and the fronts; stop() undoes it all (also done here if anything fails). */
export async function startShardedRedis(opts: ShardedRedisOptions = {}): Promise<ShardedRedis> {
  const count = opts.servers ?? 3;
  const fronts = opts.fronts ?? ['ours'];
  const backends: Backend[] = [...(opts.useBackends ?? [])];
  const owned = opts.useBackends === undefined;
  let proxy: RunningProxy | null = null;
  let nutcracker: Nutcracker | null = null;
  const ports: Partial<Record<Front, number>> = {};

  const stop = async (): Promise<void> => {
    await proxy?.stop();
    await nutcracker?.stop();
    if (owned) await Promise.all(backends.map((b) => b.stop()));
  };

  try {
    if (owned) backends.push(...(await startAll(Array.from({ length: count }, () => startRedis(opts.backend ?? {})))));
    const listed: ServerSpec[] = [...backends.map((b) => ({ host: b.host, port: b.port })), ...(opts.extraServers ?? [])];
    const servers = listed.map((s, i) => ({ ...s, name: s.name ?? `s${i + 1}` }));
    // Each front gets its own YAML (same servers, its own listen port). The free port can be taken by
    // someone else before the front binds it: then try again with another one.
    for (const front of fronts) {
      for (let attempt = 1; ; attempt++) {
        const { yaml, ports: p } = await poolYaml({ name: 'shard', redis: true, servers, directives: opts.directives });
        try {
          if (front === 'ours') proxy = await startProxy(yaml, opts.proxyOptions);
          else nutcracker = await startNutcracker(yaml);
          ports[front] = p.shard;
          break;
        } catch (err) {
          if (attempt >= LISTEN_ATTEMPTS || !ADDRESS_IN_USE.test(String(err))) throw err;
        }
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const password = opts.backend?.password;
  const directMany = async (i: number, requests: readonly Buffer[], o: DirectOptions = {}): Promise<Buffer[]> => {
    const prelude: Buffer[] = [];
    if (password !== undefined) prelude.push(resp('AUTH', password));
    if (o.db !== undefined) prelude.push(resp('SELECT', String(o.db)));
    const replies = await exchange(backends[i].port, [...prelude, ...requests], 30_000);
    return replies.slice(prelude.length);
  };

  return {
    backends,
    ports,
    get port(): number {
      if (ports.ours === undefined) throw new Error('our proxy was not started');
      return ports.ours;
    },
    proxy,
    nutcracker,
    directMany,
    async direct(i, ...args) {
      const [reply] = await directMany(i, [resp(...args)]);
      return reply.toString('latin1');
    },
    async locate(keys, o = {}) {
      const perBackend = await Promise.all(backends.map((_, i) => directMany(i, keys.map((k) => resp('EXISTS', k)), o)));
      return keys.map((key, k) => {
        const holders = perBackend.flatMap((replies, i) => (replies[k].toString('latin1') === ':1\r\n' ? [i] : []));
        if (holders.length > 1) throw new Error(`key ${JSON.stringify(String(key))} is on backends ${holders.join(', ')}`);
        return holders.length === 0 ? -1 : holders[0];
      });
    },
    async flushAll() {
      await Promise.all(backends.map((_, i) => directMany(i, [resp('FLUSHALL')])));
    },
    stop,
  };
}
