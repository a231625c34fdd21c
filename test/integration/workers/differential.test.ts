// `--workers 2` against `--workers 1`, both through the real executable, each with its own fresh
// backends behind the same server names: the same pipelined Redis and memcached streams (fragments,
// errors, large values; sent whole, in random splits and byte by byte, on several connections at
// once) must get the same bytes back, and the stats JSON must have the same shape and counters.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import { poolYaml } from '../../helpers/pool-yaml';
import { waitFor } from '../../helpers/processes';
import { connect } from '../../helpers/wire';
import { memcacheWire as mc } from '../memcache/memcache-wire';
import { mixedStream } from '../memcache/mixed-stream';
import { redisStream } from './redis-stream';
import { startCliProxy, type CliProxy, type StatsJson } from './workers-kit';

/** How each connection of a run sends its stream. */
const SENDS = [
  { how: 'whole', requests: 400, seed: undefined },
  { how: 'whole', requests: 400, seed: undefined },
  { how: 'random splits', requests: 300, seed: 7 },
  { how: 'random splits', requests: 300, seed: 8 },
  { how: 'byte by byte', requests: 40, seed: 9 },
] as const;

interface Side {
  backends: Backend[];
  proxy: CliProxy;
  ports: Record<string, number>;
}

const sides: Record<'one' | 'two', Side | null> = { one: null, two: null };

async function startSide(workers: number): Promise<Side> {
  const backends = await Promise.all([startRedis(), startRedis(), startMemcached(), startMemcached()]);
  const conf = await poolYaml(
    { name: 'alpha', redis: true, servers: backends.slice(0, 2) },
    { name: 'beta', servers: backends.slice(2, 4) },
  );
  return { backends, proxy: await startCliProxy(conf.yaml, { workers }), ports: conf.ports };
}

before(async () => {
  [sides.one, sides.two] = await Promise.all([startSide(1), startSide(2)]);
});

after(async () => {
  for (const side of Object.values(sides)) {
    if (side === null) continue;
    await side.proxy.stop();
    await Promise.all(side.backends.map((b) => b.stop()));
  }
});

function side(name: 'one' | 'two'): Side {
  const s = sides[name];
  assert.ok(s, `the --workers ${name} side started`);
  return s;
}

/** Send a stream as SENDS[i] says, half-close, and return every byte until the proxy closes. */
async function streamUntilClose(port: number, bytes: Buffer, i: number): Promise<Buffer> {
  const send = SENDS[i];
  const c = await connect(port);
  try {
    if (send.seed === undefined) c.send(bytes);
    else await mc.sendInChunks(c, bytes, send.seed, send.how === 'byte by byte' ? 1 : Math.max(64, Math.ceil(bytes.length / 50)));
    c.socket.end();
    return await c.readUntilClose(20_000);
  } finally {
    await c.close();
  }
}

/** Every stream of a protocol on its own connection, all at once; each connection's bytes back. */
function runStreams(port: number, streams: readonly Buffer[]): Promise<Buffer[]> {
  return Promise.all(streams.map((bytes, i) => streamUntilClose(port, bytes, i)));
}

function compare(label: string, ones: Buffer[], twos: Buffer[]): void {
  ones.forEach((one, i) => {
    assert.ok(one.length > 0, `${label} connection ${i}: some reply`);
    // Buffer equality first: a diff of two long binary strings is unreadable.
    if (!one.equals(twos[i])) {
      let at = 0;
      while (at < one.length && one[at] === twos[i][at]) at++;
      assert.fail(
        `${label} connection ${i} (${SENDS[i].how}): replies differ at byte ${at} of ${one.length}/${twos[i].length}:\n` +
          `  --workers 1: ${JSON.stringify(one.subarray(at, at + 80).toString('latin1'))}\n` +
          `  --workers 2: ${JSON.stringify(twos[i].subarray(at, at + 80).toString('latin1'))}`,
      );
    }
  });
}

test('a pipelined Redis stream gets the same bytes back through --workers 2 as through --workers 1', async () => {
  // Streams sent whole end with a request the proxy cannot parse: it answers what came before, then
  // closes. (Sent in pieces, the proxy may close before the last piece is written.)
  const streams = SENDS.map((s, i) =>
    Buffer.concat([
      redisStream(s.requests, 100 + i, `c${i}:`, s.how !== 'byte by byte').bytes,
      s.seed === undefined ? Buffer.from('*1\r\n$x\r\n') : Buffer.alloc(0),
    ]),
  );
  const [ones, twos] = await Promise.all([runStreams(side('one').ports.alpha, streams), runStreams(side('two').ports.alpha, streams)]);
  compare('redis', ones, twos);
  assert.match(ones[0].toString('latin1'), /-ERR Protocol error[^\r]*\r\n$/, 'the unparsable request is answered last');
});

test('a pipelined memcached stream gets the same bytes back through --workers 2 as through --workers 1', async () => {
  const streams = SENDS.map((s, i) =>
    Buffer.concat([mixedStream(s.requests, 200 + i, `c${i}:`).bytes, mc.line('bogus'), mc.line('get'), mc.line('version')]),
  );
  const [ones, twos] = await Promise.all([runStreams(side('one').ports.beta, streams), runStreams(side('two').ports.beta, streams)]);
  compare('memcached', ones, twos);
  assert.match(ones[0].toString('latin1'), /ERROR\r\nCLIENT_ERROR [^\r]*\r\nVERSION [^\r]*\r\n$/, 'error replies come in order');
});

/** The stats document as key paths in order: what "same shape" means. */
function shape(doc: unknown, path = ''): string[] {
  if (doc === null || typeof doc !== 'object') return [path];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) => shape(v, `${path}/${k}`));
}

/** Values that depend on the process layout or the clock, not on the traffic. */
const PER_PROCESS = new Set(['uptime', 'timestamp', 'total_connections', 'curr_connections', 'server_connections', 'source']);

function counters(doc: unknown, path = ''): Record<string, unknown> {
  if (doc === null || typeof doc !== 'object') return { [path]: doc };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!PER_PROCESS.has(k)) Object.assign(out, counters(v, `${path}/${k}`));
  }
  return out;
}

async function settledStats(s: Side): Promise<StatsJson> {
  return waitFor('every client connection closed in the stats', async () => {
    const doc = await s.proxy.stats();
    const open = ['alpha', 'beta'].map((p) => (doc[p] as Record<string, number>).client_connections);
    return open.every((n) => n === 0) ? doc : undefined;
  });
}

test('after the same traffic, the stats of --workers 2 have the shape and the counters of --workers 1', async () => {
  const [one, two] = await Promise.all([settledStats(side('one')), settledStats(side('two'))]);
  assert.deepEqual(shape(two), shape(one));
  assert.deepEqual(counters(two), counters(one));
  const alpha = one.alpha as Record<string, Record<string, number>>;
  assert.ok(alpha.s1.requests > 0 && alpha.s2.requests > 0, 'the traffic reached both Redis servers');
  assert.ok((one.alpha as Record<string, number>).fragments > 0, 'multi-key requests were split');
  // Both sides' servers were connected, once per worker that used them.
  assert.ok((two.alpha as Record<string, Record<string, number>>).s1.server_connections >= alpha.s1.server_connections);
});
