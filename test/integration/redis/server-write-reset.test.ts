// Requests reach servers through writes straight to the connection's libuv handle (handle-write.ts),
// not through net.Socket. A write the kernel cannot take at once waits in libuv; when the server
// resets the connection meanwhile, that write and the requests behind it must fail with the
// connection's error, the client must stay usable, and the next request must get a fresh server
// connection that carries its bytes unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { connect, resp } from '../../helpers/wire';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { waitFor } from '../../helpers/processes';

const T = { timeout: 30_000 };
/** Far more than loopback socket buffers hold, so the proxy's write of it has to wait. */
const BIG = 24 * 1024 * 1024;

test('a server that resets while a large request is still being written fails it and the requests behind it; the next request gets a fresh connection', T, async (t) => {
  const sockets: Socket[] = [];
  let firstBytes = 0;
  const later: Buffer[] = [];
  const backend = createServer((sock) => {
    const index = sockets.push(sock) - 1;
    sock.on('error', () => {}); // the proxy may reset too
    if (index === 0) {
      // First connection: read one chunk of the big SET, then stop reading and reset a little later.
      sock.once('data', (chunk: Buffer) => {
        firstBytes += chunk.length;
        sock.pause();
        setTimeout(() => sock.resetAndDestroy(), 300);
      });
    } else {
      sock.on('data', (chunk: Buffer) => {
        later.push(chunk);
        sock.write('$2\r\nok\r\n');
      });
    }
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    backend.close();
  });
  const port = (backend.address() as { port: number }).port;
  const { yaml, ports } = await poolYaml({ name: 'wr', redis: true, servers: [{ host: '127.0.0.1', port }] });
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());

  const c = await connect(ports.wr);
  t.after(() => c.close());
  c.send(Buffer.concat([resp('SET', 'wr:big', Buffer.alloc(BIG, 0x62)), resp('GET', 'wr:after')]));
  const failed = (await c.readReplies(2, 'redis', 20_000)).map(String);
  assert.ok(firstBytes > 0 && firstBytes < BIG, 'the server read only part of the SET');
  assert.match(failed[0], /^-ERR (Connection reset by peer|Broken pipe)\r\n$/);
  assert.equal(failed[1], failed[0], 'the request queued behind it fails with the same error');

  const get = resp('GET', 'wr:next');
  c.send(get);
  assert.equal(String(await c.readReply('redis', 5_000)), '$2\r\nok\r\n');
  assert.equal(sockets.length, 2, 'a fresh server connection');
  assert.ok(Buffer.concat(later).equals(get), 'the fresh connection carries exactly the next request');

  const pool = proxy.proxy.snapshot().pools[0];
  assert.equal(pool.servers[0].stats.server_err, 1);
  await waitFor('queues empty', async () => {
    const s = proxy.proxy.snapshot().pools[0].servers[0].stats;
    return s.in_queue === 0 && s.out_queue === 0 && s.in_queue_bytes === 0 && s.out_queue_bytes === 0 ? true : undefined;
  });
});
