// Shared rig of the reload tests (issue 9): continuous load from several raw Redis clients that checks
// every reply and notices every dropped connection, and the placement probe that finds out which
// backend each key lands on through a proxy, so our proxy after a reload can be compared with
// Debian's nutcracker started fresh with the same file.

import { startNutcracker, type Backend } from '../../helpers/backends';
import { freePort } from '../../helpers/ports';
import { poolYaml, type PoolSpec } from '../../helpers/proxy';
import { waitFor } from '../../helpers/processes';
import { connect, exchangeOnce, resp, type WireClient } from '../../helpers/wire';

/** Long enough for a reply delayed by a reload; a hung proxy still fails the test. */
const REPLY_TIMEOUT_MS = 10_000;

export interface LoadReport {
  /** Pipelined rounds (SET, GET, MGET) answered, over all clients. */
  rounds: number;
  /** Every wrong reply or lost connection, described. */
  failures: string[];
  /** Connections the proxy closed. */
  dropped: number;
  /** GETs that found nothing because a reload moved the key between its SET and its GET. */
  moved: number;
}

export interface Load {
  report(): LoadReport;
  /** Resolves once every client still connected has answered `n` more rounds than when called. */
  progress(n: number): Promise<void>;
  /** Stop sending, let the rounds in flight finish, close the clients. */
  stop(): Promise<LoadReport>;
}

export interface LoadOptions {
  /** Key prefix; keys never repeat, so a GET can only return the value just set, or nothing. */
  name: string;
  clients: number;
  /** The pool is going away: a closed connection is expected, not a failure (wrong replies still are). */
  mayClose?: boolean;
}

const ok = '+OK\r\n';
const nil = '$-1\r\n';
const bulk = (v: string): string => `$${Buffer.byteLength(v)}\r\n${v}\r\n`;

/** Continuous load on one Redis pool: each client loops SET k v, GET k, MGET k previous-k, pipelined. */
export async function startLoad(port: number, opts: LoadOptions): Promise<Load> {
  const report: LoadReport = { rounds: 0, failures: [], dropped: 0, moved: 0 };
  const perClient = new Array<number>(opts.clients).fill(0);
  const live = new Array<boolean>(opts.clients).fill(true);
  let stopping = false;
  const clients: WireClient[] = await Promise.all(Array.from({ length: opts.clients }, () => connect(port)));

  const run = async (i: number): Promise<void> => {
    const c = clients[i];
    let prevKey = `${opts.name}:${i}:none`;
    let prevValue: string | null = null;
    for (let round = 1; !stopping; round++) {
      const key = `${opts.name}:${i}:${round}`;
      const value = `v${round}-${i}-${'x'.repeat(round % 40)}`;
      let replies: string[];
      try {
        c.send(Buffer.concat([resp('SET', key, value), resp('GET', key), resp('MGET', key, prevKey)]));
        replies = (await c.readReplies(3, 'redis', REPLY_TIMEOUT_MS)).map((r) => r.toString('latin1'));
      } catch (err) {
        if (c.closed) {
          report.dropped++;
          if (!opts.mayClose) report.failures.push(`${opts.name} client ${i} round ${round}: connection closed: ${(err as Error).message}`);
        } else {
          report.failures.push(`${opts.name} client ${i} round ${round}: ${(err as Error).message}`);
        }
        live[i] = false;
        return;
      }
      const [set, get, mget] = replies;
      const where = `${opts.name} client ${i} round ${round}`;
      if (set !== ok) report.failures.push(`${where}: SET answered ${JSON.stringify(set)}`);
      if (get === nil) report.moved++;
      else if (get !== bulk(value)) report.failures.push(`${where}: GET answered ${JSON.stringify(get)}, want ${JSON.stringify(bulk(value))}`);
      // Either key may have moved since it was set (a reload in between), never hold another value.
      const seconds = prevValue === null ? [nil] : [bulk(prevValue), nil];
      const mgetOk = [bulk(value), nil].flatMap((a) => seconds.map((b) => `*2\r\n${a}${b}`));
      if (!mgetOk.includes(mget)) report.failures.push(`${where}: MGET answered ${JSON.stringify(mget)}`);
      prevKey = key;
      prevValue = value;
      report.rounds++;
      perClient[i]++;
    }
  };
  const running = clients.map((_, i) => run(i));

  return {
    report: () => ({ ...report, failures: [...report.failures] }),
    async progress(n) {
      const target = perClient.map((r) => r + n);
      await waitFor(`${opts.name}: ${n} more rounds from every client`, async () => (perClient.every((r, i) => !live[i] || r >= target[i]) ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 5,
      });
    },
    async stop() {
      stopping = true;
      await Promise.all(running);
      await Promise.all(clients.map((c) => c.close()));
      return { ...report, failures: [...report.failures] };
    },
  };
}

/** One pipelined exchange on a fresh connection. */
export async function exchange(port: number, requests: readonly Buffer[]): Promise<string[]> {
  return (await exchangeOnce(port, Buffer.concat(requests), requests.length, 'redis', REPLY_TIMEOUT_MS)).map((r) => r.toString('latin1'));
}

/** SET every key (value "placed") on one connection; throws unless every reply is +OK. */
export async function setKeys(c: WireClient, keys: readonly string[]): Promise<void> {
  c.send(Buffer.concat(keys.map((k) => resp('SET', k, 'placed'))));
  const replies = (await c.readReplies(keys.length, 'redis', REPLY_TIMEOUT_MS)).map((r) => r.toString('latin1'));
  const bad = replies.filter((r) => r !== ok);
  if (bad.length > 0) throw new Error(`placement probe: ${bad.length} SETs failed, e.g. ${JSON.stringify(bad[0])}`);
}

/**
 * Which backend holds each key, asked directly; the keys are deleted there afterwards. Returns the
 * backend index per key (-1: on none, or on several).
 */
export async function locateKeys(keys: readonly string[], backends: readonly Backend[]): Promise<number[]> {
  const where = new Array<number>(keys.length).fill(-1);
  for (let b = 0; b < backends.length; b++) {
    const found = await exchange(
      backends[b].port,
      keys.map((k) => resp('EXISTS', k)),
    );
    found.forEach((r, i) => {
      if (r === ':1\r\n') where[i] = where[i] === -1 ? b : -2;
    });
    await exchange(backends[b].port, [resp('DEL', ...keys)]);
  }
  return where.map((w) => (w < 0 ? -1 : w));
}

/** Where each key lands when written through the proxy on `port`. Nothing else may write the keys. */
export async function placementThrough(port: number, keys: readonly string[], backends: readonly Backend[]): Promise<number[]> {
  const c = await connect(port);
  try {
    await setKeys(c, keys);
  } finally {
    await c.close();
  }
  return locateKeys(keys, backends);
}

/** Where each key lands through pool `pool` of a Debian nutcracker started fresh with `pools`. */
export async function nutcrackerPlacement(pools: readonly PoolSpec[], pool: string, keys: readonly string[], backends: readonly Backend[]): Promise<number[]> {
  const ports: Record<string, number> = {};
  for (const p of pools) {
    let port = await freePort();
    while (Object.values(ports).includes(port)) port = await freePort();
    ports[p.name] = port;
  }
  const nutcracker = await startNutcracker(await yamlWithListens(pools, ports));
  try {
    const where = await placementThrough(ports[pool], keys, backends);
    if (where.includes(-1)) throw new Error(`nutcracker left probe keys unplaced: ${nutcracker.log()}`);
    return where;
  } finally {
    await nutcracker.stop();
  }
}

/** `n` distinct placement-probe keys, some with a `{tag}` so hash_tag pools are exercised too. */
export function probeKeys(tag: string, n = 200): string[] {
  return Array.from({ length: n }, (_, i) => (i % 5 === 0 ? `probe:${tag}:{t${i % 7}}:${i}` : `probe:${tag}:${i}`));
}

/** The same pools on other listen ports (a second proxy running beside the first). */
export async function yamlWithListens(pools: readonly PoolSpec[], ports: Readonly<Record<string, number>>): Promise<string> {
  return (await poolYaml(...pools.map((p) => ({ ...p, listen: `127.0.0.1:${ports[p.name]}` })))).yaml;
}

/** Clients connected to a redis-server right now, not counting the connection that asks. */
export async function redisClients(backend: Backend): Promise<number> {
  const [list] = await exchange(backend.port, [resp('CLIENT', 'LIST')]);
  const body = list.slice(list.indexOf('\r\n') + 2);
  return body.split('\n').filter((l) => l.startsWith('id=')).length - 1;
}

/** Poll until the backend has exactly `n` clients besides the asker. */
export async function waitRedisClients(backend: Backend, n: number, what: string): Promise<void> {
  await waitFor(`${what}: ${n} client(s) on redis :${backend.port}`, async () => ((await redisClients(backend)) === n ? true : undefined), {
    timeoutMs: 10_000,
  });
}
