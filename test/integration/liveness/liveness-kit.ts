// Shared set-up for the liveness tests: our proxy (in-process) in front of fault-injecting fake
// backends that answer with their own name, so a reply says which server served it; key finders;
// ejecting s2; stats read straight from the proxy; and the "everything released" check (stats
// gauges back to zero, process handles back to the count before the scenario).

import assert from 'node:assert/strict';
import type { Proxy } from '../../../src/proxy/proxy';
import type { PoolSnapshot } from '../../../src/stats/snapshot';
import { startFakeBackend, type FakeBackend, type FakeBehaviour } from '../../helpers/fake-backend';
import type { WireProtocol } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy, type RunningProxy, type ServerSpec } from '../../helpers/proxy';
import { connect, exchangeOnce, resp, type AfterHook, type WireClient } from '../../helpers/wire';

export type Directives = Record<string, string | number | boolean>;

/** Minimal test context (node:test's TestContext has more). */
export type Ctx = AfterHook;

/** A reply naming the fake that sent it: `+s2` for Redis, `VALUE <key> 0 2 / s2 / END` for memcached. */
export function identity(name: string, protocol: WireProtocol): FakeBehaviour {
  if (protocol === 'redis') return { mode: 'answer', reply: `+${name}\r\n` };
  return {
    mode: 'answer',
    reply: (req) => {
      const text = req.toString('latin1');
      if (text.startsWith('version')) return 'VERSION fake\r\n';
      const key = text.split(/[ \r]/)[1] ?? 'k';
      return `VALUE ${key} 0 ${name.length}\r\n${name}\r\nEND\r\n`;
    },
  };
}

/** Which fake served a reply made by identity(), or null for anything else (an error, say). */
export function servedBy(reply: Buffer, protocol: WireProtocol): string | null {
  const text = reply.toString('latin1');
  if (protocol === 'redis') return /^\+(s\d+)\r\n$/.exec(text)?.[1] ?? null;
  return /^VALUE \S+ 0 \d+\r\n(s\d+)\r\nEND\r\n$/.exec(text)?.[1] ?? null;
}

/** A single-key read in the protocol's wire form. */
export function getRequest(key: string, protocol: WireProtocol): Buffer {
  return protocol === 'redis' ? resp('GET', key) : Buffer.from(`get ${key}\r\n`, 'latin1');
}

/** The proxy's own error reply for an errno text, as each protocol writes it. */
export function errorLine(text: string, protocol: WireProtocol): string {
  return protocol === 'redis' ? `-ERR ${text}\r\n` : `SERVER_ERROR ${text}\r\n`;
}

export interface FakePool {
  readonly protocol: WireProtocol;
  readonly fakes: readonly FakeBackend[];
  readonly running: RunningProxy;
  readonly proxy: Proxy;
  readonly port: number;
  /** Fresh copy of the pool's stats and its servers'. */
  pool(): PoolSnapshot;
  /** Stats of server s<i+1>. */
  server(i: number): PoolSnapshot['servers'][number];
  currConnections(): number;
}

export interface FakePoolOptions {
  protocol?: WireProtocol;
  servers?: number;
  directives?: Directives;
  /** Server list to use instead of one fake each (fakes are still started for the first `servers`). */
  serverSpecs?: (fakes: readonly FakeBackend[]) => ServerSpec[];
}

/** N fakes answering identity() (s1..sN) behind our proxy; everything is stopped after the test. */
export async function startFakePool(t: Ctx, opts: FakePoolOptions = {}): Promise<FakePool> {
  const protocol = opts.protocol ?? 'redis';
  const n = opts.servers ?? 3;
  const fakes = await Promise.all(Array.from({ length: n }, (_, i) => startFakeBackend({ protocol, ...identity(`s${i + 1}`, protocol) })));
  t.after(() => Promise.all(fakes.map((f) => f.close())).then(() => undefined));
  const servers = opts.serverSpecs?.(fakes) ?? fakes.map((f, i) => ({ port: f.port, name: `s${i + 1}` }));
  const { yaml, ports } = await poolYaml({ name: 'live', redis: protocol === 'redis', servers, directives: opts.directives });
  const running = await startProxy(yaml);
  t.after(() => running.stop());
  const snap = (): PoolSnapshot => running.proxy.snapshot().pools[0];
  return {
    protocol,
    fakes,
    running,
    proxy: running.proxy,
    port: ports.live,
    pool: snap,
    server: (i) => snap().servers[i],
    currConnections: () => running.proxy.snapshot().currConnections,
  };
}

/** One request, one reply, on client `c`. */
export async function ask(c: WireClient, request: Buffer, protocol: WireProtocol, timeoutMs?: number): Promise<string> {
  c.send(request);
  return String(await c.readReply(protocol, timeoutMs));
}

/**
 * For each server name, keys the pool routes there (found by asking: every fake must be answering
 * identity()). `perServer` keys each, from candidates `<prefix>0`, `<prefix>1`, ...
 */
export async function keysByServer(fp: FakePool, perServer = 1, prefix = 'key:'): Promise<Record<string, string[]>> {
  const c = await connect(fp.port);
  try {
    const found: Record<string, string[]> = {};
    for (let i = 0; i < fp.fakes.length; i++) found[`s${i + 1}`] = [];
    for (let batch = 0; batch < 20; batch++) {
      const keys = Array.from({ length: 50 }, (_, i) => `${prefix}${batch * 50 + i}`);
      c.send(Buffer.concat(keys.map((k) => getRequest(k, fp.protocol))));
      const replies = await c.readReplies(keys.length, fp.protocol);
      replies.forEach((r, i) => {
        const s = servedBy(r, fp.protocol);
        assert.ok(s !== null, `key ${keys[i]} got ${String(r)} while finding keys`);
        if (found[s].length < perServer) found[s].push(keys[i]);
      });
      if (Object.values(found).every((ks) => ks.length >= perServer)) return found;
    }
    throw new Error(`could not find ${perServer} keys on every server: ${JSON.stringify(found)}`);
  } finally {
    await c.close();
  }
}

/**
 * Eject s2 of a pool with auto_eject_hosts and server_failure_limit 1: s2 starts resetting, one
 * request on `c` for its key `key` gets the reset error, and s2 is out. Returns how many requests s2
 * had seen by then: whatever it sees afterwards is a probe.
 */
export async function ejectS2(fp: FakePool, c: WireClient, key: string): Promise<number> {
  const s2 = fp.fakes[1];
  s2.setBehaviour({ mode: 'reset' });
  assert.equal(await ask(c, getRequest(key, fp.protocol), fp.protocol), errorLine('Connection reset by peer', fp.protocol));
  assert.equal(fp.server(1).ejected, true, 's2 is ejected after one failure');
  return s2.requests.length;
}

/** Which server each key is routed to right now (null where the reply was not an identity). */
export async function placementOf(port: number, keys: readonly string[], protocol: WireProtocol): Promise<(string | null)[]> {
  const replies = await exchangeOnce(port, Buffer.concat(keys.map((k) => getRequest(k, protocol))), keys.length, protocol);
  return replies.map((r) => servedBy(r, protocol));
}

/** Count of live handles (sockets, servers, child processes) in this process. */
export function handleCount(): number {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

/** Handles and ref'd timers, by kind, for failure messages. */
function resources(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k}×${v}`).join(', ');
}

/**
 * Wait until the proxy holds nothing for the scenario just run: no client connections, every
 * server's queues empty, curr_connections back to `baseline.curr`, and this process's handle count
 * back to `baseline.handles` (so neither the proxy nor a probe left a socket or timer behind).
 */
export async function expectReleased(fp: FakePool, baseline: Baseline): Promise<void> {
  let last = '';
  try {
    await waitFor(
      'everything released',
      async () => {
        const p = fp.pool();
        const queues = p.servers.map((s) => [s.stats.in_queue, s.stats.in_queue_bytes, s.stats.out_queue, s.stats.out_queue_bytes]).flat();
        last =
          `client_connections ${p.stats.client_connections}, queues ${queues.join(',')}, curr_connections ` +
          `${fp.currConnections()} (baseline ${baseline.curr}), handles ${handleCount()} (baseline ${baseline.handles}): ` +
          `${resources()} (baseline: ${baseline.resources})`;
        const ok = p.stats.client_connections === 0 && queues.every((q) => q === 0) && fp.currConnections() === baseline.curr && handleCount() === baseline.handles;
        return ok ? true : undefined;
      },
      { timeoutMs: 5000 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${last}`);
  }
}

export type Baseline = { curr: number; handles: number; resources: string };

/**
 * The counts to come back to. A closed server or socket leaves the handle list only on a later
 * event-loop turn, so whatever the previous test closed is given a moment to go first.
 */
export async function baselineOf(fp: FakePool): Promise<Baseline> {
  await delay(20);
  return { curr: fp.currConnections(), handles: handleCount(), resources: resources() };
}
