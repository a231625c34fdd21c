// 5,000 concurrent client connections through one proxy to a real redis-server: every connection
// is served, all are counted while held, the proxy stays responsive, and every one is released
// when they close. The proxy and the clients run as child processes started with a raised
// `ulimit -n`, since node cannot raise its own limit and the test process may not have enough.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startRedis } from '../../helpers/backends';
import { findBinary, spawnTracked, stopProcess, waitFor } from '../../helpers/processes';
import { poolYaml } from '../../helpers/proxy';
import { connect, resp } from '../../helpers/wire';
import { ask } from './liveness-kit';
import { fdLimits, poolStats, startChildProxy } from './child-proxy';

const CLIENTS = 5000;
/** Per process: the connections plus the proxy's own sockets, files and node's internals. */
const NOFILE = CLIENTS + 1000;
const { hard } = fdLimits();

test(`${CLIENTS} concurrent client connections are all served, counted and released`, { timeout: 90_000, skip: hard < NOFILE && `hard open-files limit ${hard} < ${NOFILE}` }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const { yaml, ports } = await poolYaml({ name: 'many', redis: true, servers: [redis], directives: { timeout: 5000, backlog: 1024 } });
  const proxy = await startChildProxy(yaml, { nofile: NOFILE });
  t.after(() => proxy.stop());

  const script = join(__dirname, 'hold-connections.js');
  const holder = spawnTracked(findBinary('bash') ?? 'bash', ['-c', `ulimit -n ${NOFILE} && exec "${process.execPath}" "${script}" ${ports.many} ${CLIENTS}`]);
  t.after(() => stopProcess(holder).then(() => undefined));
  const lines = createInterface({ input: holder.child.stdout as NodeJS.ReadableStream });
  const [ready] = (await once(lines, 'line')) as [string];
  const [, ok, failed, open, firstError] = /^ready (\d+) (\d+) (\d+) (.*)$/.exec(ready) ?? [];
  assert.equal(Number(failed), 0, `failures, first: ${firstError}`);
  assert.equal(Number(ok), CLIENTS);
  assert.equal(Number(open), CLIENTS, 'every connection is still open');

  const held = await proxy.stats();
  assert.equal(poolStats(held, 'many').client_connections, CLIENTS);
  // Listener + clients + the one server connection.
  assert.equal(held.curr_connections, CLIENTS + 2);
  const c = await connect(ports.many);
  assert.equal(await ask(c, resp('PING'), 'redis'), '+PONG\r\n', 'responsive with all of them held');
  await c.close();

  await stopProcess(holder); // the kernel closes its 5,000 sockets
  await waitFor('every client connection to be released', async () => {
    const s = await proxy.stats();
    return poolStats(s, 'many').client_connections === 0 && s.curr_connections === 2 ? true : undefined;
  });
  const after = poolStats(await proxy.stats(), 'many');
  assert.equal(after.client_eof + after.client_err, CLIENTS + 1);
});
