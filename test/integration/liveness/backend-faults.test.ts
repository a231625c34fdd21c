// End to end with real redis-server and memcached processes behind our proxy (in-process):
// - SIGKILL a backend under load: the proxy stays up, requests for the other servers' keys keep
//   succeeding, errors stop once the host is ejected (no request sent while it is ejected fails),
//   and the restarted backend is used again once it has answered a probe;
// - SIGSTOP a backend: its requests fail within `timeout` + 100 ms, the others are unaffected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import type { WireProtocol } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy, type RunningProxy } from '../../helpers/proxy';
import { connect, resp, type WireClient } from '../../helpers/wire';
import { ask, errorLine, type Ctx } from './liveness-kit';

const T = { timeout: 60_000 };

/** Each protocol's backend, a write and its success reply, and "does backend hold this key". */
const KINDS = {
  redis: {
    start: (): Promise<Backend> => startRedis(),
    set: (k: string, v: string): Buffer => resp('SET', k, v),
    stored: '+OK\r\n',
    exists: (k: string): Buffer => resp('EXISTS', k),
    present: ':1\r\n',
  },
  memcache: {
    start: (): Promise<Backend> => startMemcached(),
    set: (k: string, v: string): Buffer => Buffer.from(`set ${k} 0 0 ${Buffer.byteLength(v)}\r\n${v}\r\n`),
    stored: 'STORED\r\n',
    exists: (k: string): Buffer => Buffer.from(`get ${k}\r\n`),
    present: 'VALUE',
  },
} as const;

interface Cluster {
  backends: Backend[];
  proxy: RunningProxy;
  port: number;
  /** For each key, the index of the backend holding it. */
  homes: (keys: readonly string[]) => Promise<number[]>;
}

async function startCluster(t: Ctx, protocol: WireProtocol, directives: Record<string, string | number | boolean>): Promise<Cluster> {
  const kind = KINDS[protocol];
  const backends = await Promise.all([0, 1, 2].map(() => kind.start()));
  t.after(() => Promise.all(backends.map((b) => b.stop())).then(() => undefined));
  const { yaml, ports } = await poolYaml({ name: 'e2e', redis: protocol === 'redis', servers: backends, directives });
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());
  const homes = async (keys: readonly string[]): Promise<number[]> => {
    const c = await connect(ports.e2e);
    c.send(Buffer.concat(keys.map((k) => kind.set(k, 'x'))));
    await c.readReplies(keys.length, protocol);
    await c.close();
    const held = await Promise.all(
      backends.map(async (b) => {
        const d = await connect(b.port);
        d.send(Buffer.concat(keys.map((k) => kind.exists(k))));
        const replies = await d.readReplies(keys.length, protocol);
        await d.close();
        return replies.map((r) => String(r).startsWith(kind.present));
      }),
    );
    return keys.map((k, i) => {
      const at = held.flatMap((h, b) => (h[i] ? [b] : []));
      assert.equal(at.length, 1, `key ${k} is on exactly one backend`);
      return at[0];
    });
  };
  return { backends, proxy, port: ports.e2e, homes };
}

interface Outcome {
  home: number;
  ejectedAtSend: boolean;
  reply: string;
}

for (const protocol of ['redis', 'memcache'] as const) {
  test(`${protocol}: SIGKILL a backend under load: others keep working, errors stop at ejection, the restarted backend rejoins after a probe`, T, async (t) => {
    const kind = KINDS[protocol];
    const cl = await startCluster(t, protocol, { auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: 200, timeout: 1000 });
    const keys = Array.from({ length: 60 }, (_, i) => `load:${i}`);
    const homes = await cl.homes(keys);
    const victim = homes[0];
    const victimServer = cl.proxy.proxy.pools[0].servers[victim];
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async (w: number): Promise<void> => {
      const c: WireClient = await connect(cl.port);
      try {
        for (let i = w; running; i += 8) {
          const k = i % keys.length;
          const ejectedAtSend = victimServer.ejected;
          c.send(kind.set(keys[k], `v${i}`));
          outcomes.push({ home: homes[k], ejectedAtSend, reply: String(await c.readReply(protocol)) });
        }
      } finally {
        await c.close();
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));

    await delay(200);
    cl.backends[victim].kill('SIGKILL');
    await waitFor('the killed backend to be ejected', async () => (victimServer.ejected ? true : undefined));
    const ejectedFrom = outcomes.length;
    await delay(600); // several probe rounds fail meanwhile
    await cl.backends[victim].restart();
    await waitFor('the restarted backend to rejoin', async () => (victimServer.ejected ? undefined : true));
    await delay(200);
    running = false;
    await load;

    const failed = outcomes.filter((o) => o.reply !== kind.stored);
    const othersFailed = failed.filter((o) => o.home !== victim);
    assert.deepEqual(othersFailed, [], 'requests for the other servers never failed');
    // The second failure is a refused connect made for a request, which gets that error.
    assert.ok(failed.length >= 1, 'requests for the killed backend failed until it was ejected');
    assert.deepEqual(failed.filter((o) => o.ejectedAtSend), [], 'no request sent while the host was ejected failed');
    assert.ok(outcomes.length - ejectedFrom > 100, `load kept going after the ejection (${outcomes.length - ejectedFrom} requests)`);
    assert.ok(outcomes.slice(ejectedFrom).some((o) => o.home === victim && o.ejectedAtSend), 'its keys were requested while it was out');
    const stats = cl.proxy.proxy.snapshot().pools[0];
    assert.equal(stats.stats.server_ejects, 1, 'ejected once: failed probes do not count as new ejections');

    // Used again: a write for one of its keys lands on the restarted process.
    const c = await connect(cl.port);
    t.after(() => c.close());
    assert.equal(await ask(c, kind.set(keys[0], 'after'), protocol), kind.stored);
    const direct = await connect(cl.backends[victim].port);
    t.after(() => direct.close());
    assert.ok((await ask(direct, kind.exists(keys[0]), protocol)).startsWith(kind.present), 'the key was written to the restarted backend');
  });

  test(`${protocol}: SIGSTOP a backend: its requests fail within timeout + 100 ms, the others are unaffected`, T, async (t) => {
    const kind = KINDS[protocol];
    const timeout = 300;
    const cl = await startCluster(t, protocol, { timeout });
    const keys = Array.from({ length: 30 }, (_, i) => `stop:${i}`);
    const homes = await cl.homes(keys);
    const victim = homes[0];
    const stoppedKeys = keys.filter((_, i) => homes[i] === victim).slice(0, 3);
    const liveKeys = keys.filter((_, i) => homes[i] !== victim).slice(0, 6);
    cl.backends[victim].kill('SIGSTOP');
    t.after(() => cl.backends[victim].kill('SIGCONT'));

    const timed = async (k: string): Promise<{ reply: string; ms: number }> => {
      const c = await connect(cl.port);
      try {
        const start = performance.now();
        const reply = await ask(c, kind.set(k, 'v'), protocol);
        return { reply, ms: performance.now() - start };
      } finally {
        await c.close();
      }
    };
    for (let round = 0; round < 3; round++) {
      const [stopped, live] = await Promise.all([Promise.all(stoppedKeys.map(timed)), Promise.all(liveKeys.map(timed))]);
      for (const r of stopped) {
        assert.equal(r.reply, errorLine('Connection timed out', protocol));
        assert.ok(r.ms <= timeout + 100, `failed after ${Math.round(r.ms)} ms (timeout ${timeout} ms)`);
      }
      for (const r of live) assert.equal(r.reply, kind.stored);
    }
    cl.backends[victim].kill('SIGCONT');
    const c = await connect(cl.port);
    t.after(() => c.close());
    assert.equal(await ask(c, kind.set(stoppedKeys[0], 'back'), protocol), kind.stored, 'served again once resumed');
  });
}
