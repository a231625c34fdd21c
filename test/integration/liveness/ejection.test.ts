// `auto_eject_hosts`, `server_failure_limit` and their counting rules (spec §8.4), and what ejection
// does to placement (§5.6): failures are consecutive closes of the server's connections, any good
// reply resets the count, the request that makes the last failure still gets its error, and then
// keys are placed on the ring without the ejected server — exactly as if it were not configured.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WireProtocol } from '../../helpers/frame-length';
import { hasNutcracker, startNutcracker } from '../../helpers/backends';
import { poolYaml } from '../../helpers/proxy';
import { clientFor, connect } from '../../helpers/wire';
import { ask, errorLine, getRequest, identity, keysByServer, placementOf, startFakePool, type FakePool } from './liveness-kit';

const T = { timeout: 20_000 };
/** Long enough that no probe (nor nutcracker's blind retry) happens during a test. */
const NO_RETRY = 60_000;
const RESET = 'Connection reset by peer';

async function failingS2(t: Parameters<typeof startFakePool>[0], directives: Record<string, string | number | boolean>, protocol: WireProtocol = 'redis') {
  const fp = await startFakePool(t, { protocol, directives: { server_retry_timeout: NO_RETRY, ...directives } });
  const keys = await keysByServer(fp);
  fp.fakes[1].setBehaviour({ mode: 'reset' });
  const c = await clientFor(t, fp.port);
  return { fp, c, k2: keys.s2[0] };
}

for (const protocol of ['redis', 'memcache'] as const) {
  test(`${protocol}: a server is ejected at server_failure_limit; the failing requests get errors, then its keys are served elsewhere`, T, async (t) => {
    const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: true, server_failure_limit: 2 }, protocol);
    const seen = fp.fakes[1].requests.length;
    assert.equal(await ask(c, getRequest(k2, protocol), protocol), errorLine(RESET, protocol));
    assert.equal(fp.server(1).ejected, false, 'one failure of two');
    assert.equal(await ask(c, getRequest(k2, protocol), protocol), errorLine(RESET, protocol), 'the request making the last failure still fails');
    const s = fp.server(1);
    assert.equal(s.ejected, true);
    assert.ok(s.stats.server_ejected_at > 0, 'server_ejected_at is set');
    assert.equal(fp.pool().stats.server_ejects, 1);
    const served = await ask(c, getRequest(k2, protocol), protocol);
    assert.match(served, protocol === 'redis' ? /^\+s[13]\r\n$/ : /\r\ns[13]\r\nEND\r\n$/);
    assert.equal(fp.fakes[1].requests.length - seen, 2, 'nothing more reached the ejected server');
  });
}

test('failures count only while consecutive: a good reply in between resets the count', T, async (t) => {
  const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: true, server_failure_limit: 2 });
  const s2 = fp.fakes[1];
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
  s2.setBehaviour(identity('s2', 'redis'));
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), '+s2\r\n');
  s2.setBehaviour({ mode: 'reset' });
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
  assert.equal(fp.server(1).ejected, false, 'fail, ok, fail is one failure in a row');
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
  assert.equal(fp.server(1).ejected, true, 'the second failure in a row ejects');
});

test('every kind of connection close counts: timeout, FIN mid-reply, refused connect', T, async (t) => {
  const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: true, server_failure_limit: 3, timeout: 150 });
  const s2 = fp.fakes[1];
  s2.setBehaviour({ mode: 'silent' });
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine('Connection timed out', 'redis'));
  s2.setBehaviour({ mode: 'close-mid-reply', reply: '$10\r\n0123456789\r\n' });
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), '-ERR unknown\r\n');
  assert.equal(fp.server(1).ejected, false);
  s2.setBehaviour({ mode: 'answer', reply: '?not resp\r\n' });
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine('Invalid argument', 'redis'), 'a protocol error from the server');
  const stats = fp.server(1).stats;
  assert.equal(fp.server(1).ejected, true);
  assert.deepEqual([stats.server_timedout, stats.server_eof, stats.server_err], [1, 1, 1]);
});

test('server_failure_limit 0 acts like 1', T, async (t) => {
  const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: true, server_failure_limit: 0 });
  assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
  assert.equal(fp.server(1).ejected, true);
  assert.match(await ask(c, getRequest(k2, 'redis'), 'redis'), /^\+s[13]\r\n$/);
});

test('without auto_eject_hosts a failing server is never ejected: each request fails and tries a fresh connection', T, async (t) => {
  const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: false, server_failure_limit: 1 });
  const before = fp.fakes[1].connections;
  for (let i = 0; i < 5; i++) assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
  // The first request used the connection opened while finding keys; each later one a new connection.
  assert.equal(fp.fakes[1].connections - before, 4, 'one new connection per request, no back-off');
  assert.equal(fp.server(1).ejected, false);
  assert.equal(fp.pool().stats.server_ejects, 0);
});

for (const distribution of ['ketama', 'modula'] as const) {
  test(`${distribution}: after an ejection keys are placed exactly as by a pool configured without that server`, T, async (t) => {
    const { fp, c, k2 } = await failingS2(t, { auto_eject_hosts: true, server_failure_limit: 1, distribution, hash: 'md5' });
    const keys = Array.from({ length: 200 }, (_, i) => `place:${i}`);
    fp.fakes[1].setBehaviour(identity('s2', 'redis'));
    const before = await placementOf(fp.port, keys, 'redis');
    fp.fakes[1].setBehaviour({ mode: 'reset' });
    assert.equal(await ask(c, getRequest(k2, 'redis'), 'redis'), errorLine(RESET, 'redis'));
    assert.equal(fp.server(1).ejected, true);
    const after = await placementOf(fp.port, keys, 'redis');

    // The same fakes (same names s1, s3) in a pool that never had s2.
    const without = await startFakePool(t, {
      servers: 0,
      directives: { distribution, hash: 'md5' },
      serverSpecs: () => [
        { port: fp.fakes[0].port, name: 's1' },
        { port: fp.fakes[2].port, name: 's3' },
      ],
    });
    assert.deepEqual(after, await placementOf(without.port, keys, 'redis'));
    assert.ok(!after.includes('s2'));
    if (distribution === 'ketama') {
      // Consistent hashing: only the ejected server's keys moved.
      keys.forEach((k, i) => {
        if (before[i] !== 's2') assert.equal(after[i], before[i], `key ${k} stayed on ${before[i]}`);
      });
    }
  });
}

test('when every server is ejected requests fail at once with Connection refused, without touching any server', T, async (t) => {
  const fp: FakePool = await startFakePool(t, { servers: 2, directives: { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: NO_RETRY } });
  const keys = await keysByServer(fp);
  for (const f of fp.fakes) f.setBehaviour({ mode: 'reset' });
  const c = await clientFor(t, fp.port);
  assert.equal(await ask(c, getRequest(keys.s1[0], 'redis'), 'redis'), errorLine(RESET, 'redis'));
  assert.equal(await ask(c, getRequest(keys.s2[0], 'redis'), 'redis'), errorLine(RESET, 'redis'));
  const seen = fp.fakes.map((f) => [f.connections, f.requests.length]);
  for (const k of ['a', 'b', keys.s1[0], keys.s2[0]]) assert.equal(await ask(c, getRequest(k, 'redis'), 'redis'), errorLine('Connection refused', 'redis'));
  assert.deepEqual(
    fp.fakes.map((f) => [f.connections, f.requests.length]),
    seen,
  );
  assert.equal(fp.pool().stats.server_ejects, 2);
});

test('nutcracker and our proxy count failures alike: same replies for the same fault script', { ...T, skip: !hasNutcracker() && 'nutcracker not installed' }, async (t) => {
  const directives = { auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: NO_RETRY };
  const { fp, k2 } = await failingS2(t, directives);
  const servers = fp.fakes.map((f, i) => ({ port: f.port, name: `s${i + 1}` }));
  const { yaml, ports } = await poolYaml({ name: 'nc', redis: true, servers, directives });
  const nc = await startNutcracker(yaml);
  t.after(() => nc.stop());
  const s2 = fp.fakes[1];
  // fail, ok (resets the count), fail, fail (ejects), then served by a live server.
  const script: { mode: 'reset' | 'ok' }[] = [{ mode: 'reset' }, { mode: 'ok' }, { mode: 'reset' }, { mode: 'reset' }, { mode: 'reset' }];
  const run = async (port: number): Promise<string[]> => {
    const c = await connect(port);
    const out: string[] = [];
    try {
      for (const step of script) {
        s2.setBehaviour(step.mode === 'ok' ? identity('s2', 'redis') : { mode: 'reset' });
        out.push(await ask(c, getRequest(k2, 'redis'), 'redis'));
      }
      return out;
    } finally {
      await c.close();
    }
  };
  const theirs = await run(ports.nc);
  const mine = await run(fp.port);
  assert.deepEqual(mine, theirs);
  assert.deepEqual(mine.slice(0, 4), [errorLine(RESET, 'redis'), '+s2\r\n', errorLine(RESET, 'redis'), errorLine(RESET, 'redis')]);
  assert.match(mine[4], /^\+s[13]\r\n$/);
});
