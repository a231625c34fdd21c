// Connection-level liveness: `client_connections` is enforced (nutcracker ignores it) with an error
// reply and a close; `tcpkeepalive` sets SO_KEEPALIVE on client sockets only (spec §3.7, §8.2),
// seen from outside in /proc/net/tcp; and server connections are re-established after a real
// backend restarts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import type { WireProtocol } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { clientFor, connect, resp } from '../../helpers/wire';
import { ask, errorLine, handleCount, startFakePool } from './liveness-kit';

const T = { timeout: 20_000 };
const PING: Record<WireProtocol, string> = { redis: '*1\r\n$4\r\nPING\r\n', memcache: 'version\r\n' };

for (const protocol of ['redis', 'memcache'] as const) {
  test(`${protocol}: over client_connections a client gets an error reply and is closed; a freed slot is reused`, T, async (t) => {
    const fp = await startFakePool(t, { protocol, servers: 1, directives: { client_connections: 3 } });
    const held = await Promise.all([0, 1, 2].map(() => clientFor(t, fp.port)));
    // Each one is really being served (not just accepted by the kernel).
    for (const c of held) assert.ok((await ask(c, Buffer.from(PING[protocol]), protocol)).length > 0);
    const refused = await clientFor(t, fp.port);
    assert.equal(String(await refused.readUntilClose()), errorLine('max number of clients reached', protocol));
    assert.equal(fp.pool().stats.client_connections, 3, 'the refused connection was never a client');
    await held[0].close();
    await waitFor('the slot to be freed', async () => (fp.pool().stats.client_connections === 2 ? true : undefined));
    const next = await clientFor(t, fp.port);
    assert.ok((await ask(next, Buffer.from(PING[protocol]), protocol)).length > 0);
    assert.equal(next.closed, false);
  });
}

test('a refused client that never closes its side does not keep a socket open in the proxy', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { client_connections: 1 } });
  const first = await clientFor(t, fp.port);
  assert.equal(await ask(first, resp('PING'), 'redis'), '+PONG\r\n');
  await delay(20);
  const before = handleCount();
  // allowHalfOpen: our side stays open after the proxy's FIN, as a careless client's would.
  const sock: Socket = netConnect({ port: fp.port, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => void sock.destroy());
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  await new Promise<void>((resolve) => sock.once('end', () => resolve()));
  assert.equal(got, '-ERR max number of clients reached\r\n');
  // Ours: one socket more than before. The proxy's side of it must be gone.
  await waitFor(`handles back to ${before + 1}`, async () => (handleCount() === before + 1 ? true : undefined), { timeoutMs: 3000 }).catch((err: Error) => {
    throw new Error(`${err.message}: now ${handleCount()}: ${process.getActiveResourcesInfo().join(', ')}`);
  });
});

/** The `tr` (timer kind) column of /proc/net/tcp for the socket local:remote, as a number. */
function tcpTimer(localPort: number, remotePort: number): number | null {
  const hex = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !f[1].endsWith(`:${hex(localPort)}`) || !f[2].endsWith(`:${hex(remotePort)}`)) continue;
    return Number(f[5].split(':')[0]); // 2: the keepalive timer is pending (net/ipv4/tcp_ipv4.c)
  }
  return null;
}

const KEEPALIVE_TIMER = 2;

for (const keepalive of [true, false]) {
  test(`tcpkeepalive: ${keepalive} ${keepalive ? 'sets' : 'leaves off'} SO_KEEPALIVE on accepted client sockets, never on server sockets`, T, async (t) => {
    const fp = await startFakePool(t, { servers: 1, directives: { tcpkeepalive: keepalive } });
    const c = await clientFor(t, fp.port);
    assert.equal(await ask(c, resp('GET', 'k'), 'redis'), '+s1\r\n'); // also opens the server connection
    const clientSide = tcpTimer(fp.port, c.socket.localPort as number);
    assert.notEqual(clientSide, null, 'the proxy side of the client connection is in /proc/net/tcp');
    assert.equal(clientSide === KEEPALIVE_TIMER, keepalive);
    const toServer = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      // Established only (st 01): a TIME_WAIT left by an earlier test on the same port number is not ours.
      .filter((l) => {
        const f = l.trim().split(/\s+/);
        return f[3] === '01' && f[2]?.endsWith(`:${fp.fakes[0].port.toString(16).toUpperCase().padStart(4, '0')}`);
      });
    assert.equal(toServer.length, 1, 'one proxy→server connection');
    assert.notEqual(Number(toServer[0].trim().split(/\s+/)[5].split(':')[0]), KEEPALIVE_TIMER, 'no keepalive towards servers');
  });
}

test('a reload that turns tcpkeepalive on keeps the listener and sets SO_KEEPALIVE on clients accepted after it', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { tcpkeepalive: false } });
  const before = await clientFor(t, fp.port);
  assert.equal(await ask(before, resp('GET', 'k'), 'redis'), '+s1\r\n');
  const { yaml } = await poolYaml({ name: 'live', redis: true, listen: `127.0.0.1:${fp.port}`, servers: [{ port: fp.fakes[0].port, name: 's1' }], directives: { tcpkeepalive: true } });
  const r = await fp.running.reload(yaml);
  assert.equal(r.ok, true, r.message);
  const after = await clientFor(t, fp.port);
  assert.equal(await ask(after, resp('GET', 'k'), 'redis'), '+s1\r\n');
  assert.equal(tcpTimer(fp.port, after.socket.localPort as number), KEEPALIVE_TIMER, 'accepted after the reload: keepalive on');
  assert.notEqual(tcpTimer(fp.port, before.socket.localPort as number), KEEPALIVE_TIMER, 'accepted before: unchanged');
});

const BACKENDS: Record<WireProtocol, { start: () => Promise<Backend>; set: Buffer; get: Buffer; stored: string; value: string }> = {
  redis: { start: () => startRedis(), set: resp('SET', 'rk', 'v1'), get: resp('GET', 'rk'), stored: '+OK\r\n', value: '$2\r\nv1\r\n' },
  memcache: {
    start: () => startMemcached(),
    set: Buffer.from('set rk 0 0 2\r\nv1\r\n'),
    get: Buffer.from('get rk\r\n'),
    stored: 'STORED\r\n',
    value: 'VALUE rk 0 2\r\nv1\r\nEND\r\n',
  },
};

for (const protocol of ['redis', 'memcache'] as const) {
  for (const how of ['SIGTERM', 'SIGKILL'] as const) {
    test(`${protocol}: after the backend is restarted (${how}) the next request gets a new server connection`, T, async (t) => {
      const kind = BACKENDS[protocol];
      const backend = await kind.start();
      t.after(() => backend.stop());
      const { yaml, ports } = await poolYaml({ name: 'rs', redis: protocol === 'redis', servers: [backend], directives: { timeout: 2000 } });
      const proxy = await startProxy(yaml);
      t.after(() => proxy.stop());
      const c = await clientFor(t, ports.rs);
      assert.equal(await ask(c, kind.set, protocol), kind.stored);
      const stats = () => proxy.proxy.snapshot().pools[0].servers[0].stats;
      assert.equal(stats().server_connections, 1);
      if (how === 'SIGKILL') backend.kill('SIGKILL');
      await backend.restart();
      // The old connection saw the server go (EOF); the data went with the process.
      await waitFor('the old server connection to be closed', async () => (stats().server_connections === 0 ? true : undefined));
      assert.equal(await ask(c, kind.get, protocol), protocol === 'redis' ? '$-1\r\n' : 'END\r\n');
      assert.equal(await ask(c, kind.set, protocol), kind.stored);
      assert.equal(await ask(c, kind.get, protocol), kind.value);
      assert.equal(stats().server_connections, 1);
      assert.equal(c.closed, false, 'the client connection survived the restart');
      const direct = await connect(backend.port);
      t.after(() => direct.close());
      assert.equal(await ask(direct, kind.get, protocol), kind.value, 'the value is on the restarted server');
    });
  }
}
