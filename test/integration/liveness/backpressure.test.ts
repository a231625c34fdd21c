// Backpressure, measured on the proxy as a child process (its RSS from /proc): a client that sends
// but never reads is paused rather than buffered for; a server that stops reading makes its clients
// pause at a bounded amount of queued request bytes; a client that stops reading during large MGETs
// is closed at the per-client limit of unread reply bytes, with a log line, while others carry on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { CLIENT_LIMITS } from '../../../src/proxy/client-conn';
import { startRedis, type Backend } from '../../helpers/backends';
import { startFakeBackend } from '../../helpers/fake-backend';
import { frameLength } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml } from '../../helpers/proxy';
import { connect, resp } from '../../helpers/wire';
import { ask, type Ctx } from './liveness-kit';
import { poolStats, startChildProxy, type ChildProxy } from './child-proxy';

const T = { timeout: 60_000 };
const MiB = 1024 * 1024;

async function childProxyFor(t: Ctx, yaml: string): Promise<ChildProxy> {
  const p = await startChildProxy(yaml);
  t.after(() => p.stop());
  return p;
}

function rawClient(t: Ctx, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    t.after(() => void s.destroy());
  });
}

/**
 * Write batches from `next` until `cap` requests are sent or the socket stays full: no 'drain' for
 * `stallMs`, i.e. nobody is reading from the other end any more. Returns how many were sent.
 */
async function writeUntilStalled(sock: Socket, next: (i: number) => Buffer, batch: number, cap: number, stallMs = 2000): Promise<{ sent: number; stalled: boolean }> {
  let sent = 0;
  while (sent < cap) {
    const bufs: Buffer[] = [];
    for (let i = 0; i < batch; i++) bufs.push(next(sent + i));
    sent += batch;
    if (!sock.write(Buffer.concat(bufs))) {
      const drained = await Promise.race([once(sock, 'drain').then(() => true), delay(stallMs).then(() => false)]);
      if (!drained) return { sent, stalled: true };
    }
  }
  return { sent, stalled: false };
}

/** Read `n` framed replies from a raw socket, calling `check(reply, i)` on each. */
async function readReplies(sock: Socket, n: number, check: (reply: Buffer, i: number) => void): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  let i = 0;
  sock.resume();
  for await (const chunk of sock) {
    buf = buf.length === 0 ? (chunk as Buffer) : Buffer.concat([buf, chunk as Buffer]);
    let pos = 0;
    for (;;) {
      const len = frameLength(buf, pos, 'redis', 'reply');
      if (len < 0) break;
      check(buf.subarray(pos, pos + len), i++);
      pos += len;
    }
    buf = buf.subarray(pos);
    if (i >= n) return;
  }
  throw new Error(`connection closed after ${i} of ${n} replies`);
}

test('a client that sends but never reads is paused: the proxy stops reading it, and it gets every reply once it reads', T, async (t) => {
  // Requests carry a 200-byte key so the kernel's socket buffers fill after tens of thousands, not
  // millions; every reply is 1 KiB and names its key, so order can be checked.
  const KEY_PAD = 'k'.repeat(190);
  const key = (i: number): string => `${KEY_PAD}${String(i).padStart(10, '0')}`;
  const fake = await startFakeBackend({
    mode: 'answer',
    reply: (req) => {
      const k = req.toString('latin1', req.length - 202, req.length - 2);
      return `$1024\r\n${k.padEnd(1024, '.')}\r\n`;
    },
  });
  t.after(() => fake.close());
  const { yaml, ports } = await poolYaml({ name: 'bp', redis: true, servers: [fake] });
  const proxy = await childProxyFor(t, yaml);
  const idle = proxy.memory().rssKb;
  const sock = await rawClient(t, ports.bp);
  sock.pause();
  // Without backpressure the proxy would read all 400k requests and hold ~400 MB of replies.
  const cap = 400_000;
  const { sent, stalled } = await writeUntilStalled(sock, (i) => resp('GET', key(i)), 500, cap);
  assert.ok(stalled, `the proxy kept reading: ${sent} requests sent without a stall`);
  const forwarded = fake.requests.length;
  assert.ok(forwarded < sent / 2, `the proxy stopped forwarding: ${forwarded} of ${sent} requests forwarded`);
  const { hwmKb } = proxy.memory();
  assert.ok(hwmKb - idle < 96 * 1024, `proxy peak RSS grew by ${Math.round((hwmKb - idle) / 1024)} MiB (idle ${Math.round(idle / 1024)} MiB)`);

  await readReplies(sock, sent, (reply, i) => {
    if (!reply.subarray(7, 7 + 200).equals(Buffer.from(key(i), 'latin1'))) {
      assert.fail(`reply ${i} is for another key: ${reply.toString('latin1', 0, 40)}`);
    }
  });
  assert.equal(fake.requests.length, sent, 'every request was forwarded in the end');
});

test('a server that stops reading holds only a bounded amount of queued requests: their clients are paused', T, async (t) => {
  const redis: Backend = await startRedis();
  t.after(() => redis.stop());
  const { yaml, ports } = await poolYaml({ name: 'bp', redis: true, servers: [redis] });
  const proxy = await childProxyFor(t, yaml);
  const idle = proxy.memory().rssKb;
  redis.kill('SIGSTOP');
  t.after(() => redis.kill('SIGCONT'));
  const sock = await rawClient(t, ports.bp);
  const value = Buffer.alloc(64 * 1024, 0x76);
  // 4096 requests of 64 KiB (the pending-request limit alone) would be 256 MiB inside the proxy.
  const { sent, stalled } = await writeUntilStalled(sock, (i) => resp('SET', `big:${i % 100}`, value), 16, 20_000);
  assert.ok(stalled, `the proxy kept reading: ${sent} requests sent without a stall`);
  const { hwmKb } = proxy.memory();
  assert.ok(hwmKb - idle < 96 * 1024, `proxy peak RSS grew by ${Math.round((hwmKb - idle) / 1024)} MiB for ${sent} requests of 64 KiB`);
  redis.kill('SIGCONT');
  await readReplies(sock, sent, (reply, i) => assert.equal(reply.toString('latin1'), '+OK\r\n', `reply ${i}`));
});

test('a client that stops reading during large MGETs is closed at the unread-bytes limit with a log line; RSS stays bounded', T, async (t) => {
  const backends = await Promise.all([startRedis(), startRedis()]);
  t.after(() => Promise.all(backends.map((b) => b.stop())).then(() => undefined));
  const { yaml, ports } = await poolYaml({ name: 'bp', redis: true, servers: backends, directives: { hash: 'md5' } });
  const proxy = await childProxyFor(t, yaml);
  const keys = Array.from({ length: 64 }, (_, i) => `mget:${i}`);
  const value = Buffer.alloc(MiB, 0x78);
  const loader = await connect(ports.bp);
  t.after(() => loader.close());
  loader.send(Buffer.concat(keys.map((k) => resp('SET', k, value))));
  assert.deepEqual(new Set((await loader.readReplies(keys.length, 'redis', 30_000)).map(String)), new Set(['+OK\r\n']));
  await loader.close();
  const idle = proxy.memory().rssKb;

  // 16 MGETs of 64 MiB each: 1 GiB of replies, twice the per-client limit.
  const greedy = await rawClient(t, ports.bp);
  greedy.pause();
  const mget = resp('MGET', ...keys);
  greedy.write(Buffer.concat(Array.from({ length: 16 }, () => mget)));
  // Meanwhile another client is served normally.
  const other = await connect(ports.bp);
  t.after(() => other.close());
  let rounds = 0;
  for (;;) {
    const s = await proxy.stats();
    if (poolStats(s, 'bp').client_connections === 1 && rounds > 0) break;
    assert.equal(await ask(other, resp('SET', `other:${rounds}`, String(rounds)), 'redis', 30_000), '+OK\r\n');
    assert.equal(await ask(other, resp('GET', `other:${rounds}`), 'redis', 30_000), `$${String(rounds).length}\r\n${rounds}\r\n`);
    rounds++;
    if (rounds > 2000) assert.fail('the greedy client was never closed');
    await delay(5);
  }
  await waitFor('the log line', async () => (/reply bytes unread/.test(proxy.log()) ? true : undefined));
  const { hwmKb } = proxy.memory();
  const limitKb = CLIENT_LIMITS.maxUnreadBytes / 1024;
  assert.ok(hwmKb - idle < limitKb + 256 * 1024, `proxy peak RSS grew by ${Math.round((hwmKb - idle) / 1024)} MiB; the limit is ${limitKb / 1024} MiB`);
  assert.ok(proxy.isRunning());
});
