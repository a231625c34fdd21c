// Differential test against Debian's nutcracker 0.5.0: both proxies front the same three memcached
// backends with the same pool config and get the same command streams, each from empty caches. Where
// we do not differ on purpose, replies must be byte-identical (streams sent whole and in random chunks).
// Where we do (we answer what nutcracker drops by closing, support gat/gats, keep multi-get values in
// key order) our reply is asserted and nutcracker is checked to close (or reorder) as the spec says.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker } from '../helpers/backends';
import { accepts, waitFor } from '../helpers/processes';
import { randomBytes, rng } from '../helpers/random';
import { connect } from '../helpers/wire';
import { startMemcacheCluster, type MemcacheCluster } from '../integration/memcache/memcache-cluster';
import { memcacheWire as mc } from '../integration/memcache/memcache-wire';
import { mixedStream } from '../integration/memcache/mixed-stream';

const T = { timeout: 30_000 };
const skip = hasNutcracker() ? false : 'nutcracker (Debian 0.5.0) is not installed: apt-get install nutcracker';

describe('memcached pool: nutcracker and ours answer the same streams the same way', { skip }, () => {
  let cluster: MemcacheCluster;
  /** Keys known to live on backend 0, 1, 2. */
  const byServer: string[][] = [[], [], []];

  before(async () => {
    cluster = await startMemcacheCluster({ nutcracker: true, directives: { hash: 'md5', timeout: 400 } });
    const candidates = Array.from({ length: 60 }, (_, i) => `d:${i}`);
    await mc.exchange(cluster.port, Buffer.concat(candidates.map((k) => mc.store('set', k, '-'))), candidates.length);
    (await cluster.holders(candidates)).forEach((s, i) => byServer[s]?.push(candidates[i]));
    assert.ok(byServer.every((keys) => keys.length >= 4), 'keys on every server');
    await cluster.flushAll();
  });
  after(() => cluster?.stop());

  /** Fresh backends: flush_all, or a restart when cas uniques must also start from scratch. */
  async function reset(restart: boolean): Promise<void> {
    if (!restart) return cluster.flushAll();
    for (const b of cluster.backends) b.kill('SIGKILL');
    await Promise.all(cluster.backends.map((b) => b.restart()));
  }

  /** The stream through nutcracker, then through ours, each from fresh backends; bytes must match. */
  async function sameReplies(stream: Buffer, opts: { restart?: boolean; seed?: number } = {}): Promise<string> {
    await reset(opts.restart ?? false);
    const theirs = await mc.streamUntilClose(cluster.nutPort, stream, opts.seed);
    await reset(opts.restart ?? false);
    const ours = await mc.streamUntilClose(cluster.port, stream, opts.seed);
    assert.equal(ours.toString('latin1'), theirs.toString('latin1'));
    return ours.toString('latin1');
  }

  const k = (server: number, i: number): string => byServer[server][i];

  /** Streams built once the key placement is known. */
  const SAME: [string, () => Buffer, { restart?: boolean }?][] = [
    [
      'storage commands and get',
      () =>
        Buffer.concat([
          mc.store('set', 'a', 'one', { flags: 5 }),
          mc.store('add', 'a', 'two'),
          mc.store('add', 'b', 'two', { exptime: 1000 }),
          mc.store('replace', 'c', 'three'),
          mc.store('replace', 'b', 'bee', { flags: 4294967295 }),
          mc.store('append', 'a', '+'),
          mc.store('prepend', 'a', '-'),
          mc.store('append', 'none', 'x'),
          mc.line('get', 'a'),
          mc.line('get', 'b'),
          mc.line('get', 'c'),
        ]),
    ],
    [
      'noreply storage, incr, touch and delete, then gets',
      () =>
        Buffer.concat([
          mc.store('set', 'n1', '10', { noreply: true }),
          mc.store('add', 'n1', 'no', { noreply: true }),
          mc.line('incr', 'n1', 5, 'noreply'),
          mc.line('decr', 'n1', 1, 'noreply'),
          mc.store('set', 'n2', 'x', { noreply: true }),
          mc.line('touch', 'n2', 1000, 'noreply'),
          mc.line('delete', 'n2', 'noreply'),
          mc.line('delete', 'n3', 'noreply'),
          mc.line('get', 'n1'),
          mc.line('get', 'n2'),
        ]),
    ],
    [
      'incr and decr: values, wrap-around, floor at 0, non-numeric values, a negative delta',
      () =>
        Buffer.concat([
          mc.store('set', 'c1', '5'),
          mc.line('incr', 'c1', 10),
          mc.line('decr', 'c1', 100),
          mc.store('set', 'c2', '18446744073709551615'),
          mc.line('incr', 'c2', 1),
          mc.line('incr', 'none', 1),
          mc.store('set', 'c3', 'text'),
          mc.line('incr', 'c3', 1),
          mc.line('incr', 'c1', -1),
          mc.line('get', 'c1'),
        ]),
    ],
    [
      'touch and delete, present and missing',
      () =>
        Buffer.concat([
          mc.store('set', 't1', 'x'),
          mc.line('touch', 't1', 1000),
          mc.line('touch', 't1', -1),
          mc.line('touch', 'none', 10),
          mc.line('get', 't1'),
          mc.store('set', 't2', 'y'),
          mc.line('delete', 't2'),
          mc.line('delete', 't2'),
        ]),
    ],
    [
      'multi-get across three servers, every key present, with duplicates',
      () => {
        const keys = [k(0, 0), k(1, 0), k(2, 0), k(0, 1), k(1, 1)];
        return Buffer.concat([
          ...keys.map((key, i) => mc.store('set', key, `value ${i}`, { flags: i })),
          mc.line('get', ...keys),
          mc.line('get', keys[2], keys[0], keys[2], keys[2]),
        ]);
      },
    ],
    [
      'multi-get with missing keys that do not precede a present key of their server',
      () =>
        Buffer.concat([
          mc.store('set', k(0, 0), 'A'),
          mc.store('set', k(1, 0), 'B'),
          mc.line('get', k(0, 0), k(0, 1), k(1, 0), k(2, 0), k(2, 1)),
          mc.line('get', k(2, 2), k(2, 3)),
        ]),
    ],
    [
      'gets and cas from fresh servers (same cas uniques)',
      () =>
        Buffer.concat([
          mc.store('set', k(0, 0), 'v1'),
          mc.store('set', k(1, 0), 'w1'),
          mc.line('gets', k(0, 0)),
          mc.store('cas', k(0, 0), 'v2', { cas: 1 }),
          mc.store('cas', k(0, 0), 'v3', { cas: 2 }),
          mc.store('cas', k(0, 0), 'v4', { cas: 999 }),
          mc.store('cas', 'none', 'x', { cas: 1 }),
          mc.store('cas', k(1, 0), 'w2', { cas: 1, noreply: true }),
          mc.line('gets', k(0, 0), k(1, 0)),
        ]),
      { restart: true },
    ],
    ['version', () => mc.line('version')],
    ['quit in the middle of a pipeline', () => Buffer.concat([mc.store('set', 'q', 'x'), mc.line('get', 'q'), mc.line('quit'), mc.line('get', 'q')])],
    [
      'leading and repeated spaces between tokens',
      () => Buffer.from('set  sp  0  0  2\r\nab\r\n   get sp\r\nget   sp   none   \r\nincr  sp  1\r\ndelete   sp\r\n', 'latin1'),
    ],
    [
      'a 100 KB binary value and a 250-byte key',
      () => {
        const value = randomBytes(rng(9), 100_000);
        const key = 'L'.repeat(250);
        return Buffer.concat([mc.store('set', key, value), mc.line('get', key), mc.store('append', key, '\r\nEND\r\n'), mc.line('get', key)]);
      },
    ],
    [
      'keys with control bytes and high bytes',
      () => {
        const keys = [Buffer.from([0x10, 0x10, 0x10, 0x61]), Buffer.from('t\tab', 'latin1'), Buffer.from([0xc3, 0xa9, 0xff, 0x7f])];
        return Buffer.concat([...keys.map((key, i) => mc.store('set', key, `v${i}`)), ...keys.map((key) => mc.line('get', key))]);
      },
    ],
    [
      "a value over memcached's item size limit",
      () => Buffer.concat([mc.store('set', 'big', Buffer.alloc(2 * 1024 * 1024, 1)), mc.line('get', 'big')]),
    ],
  ];

  for (const [title, build, opts] of SAME) {
    test(`same replies: ${title}`, T, async () => {
      const stream = build();
      const whole = await sameReplies(stream, opts);
      assert.ok(whole.length > 0 && !whole.includes('SERVER_ERROR Connection'), `a meaningful exchange: ${JSON.stringify(whole.slice(0, 200))}`);
      const split = await sameReplies(stream, { ...opts, seed: 17 });
      assert.equal(split, whole, 'the same replies when the stream arrives in random chunks');
    });
  }

  test('same replies: 2,000 mixed single-key requests with noreply variants and binary values', T, async () => {
    const stream = mixedStream(2000, 99, 'mix:', { multiGet: false, gat: false });
    const replies = await sameReplies(stream.bytes);
    assert.ok(replies.split('STORED\r\n').length > 300, 'many stores succeeded');
  });

  test('same replies when the client writes one byte at a time', T, async () => {
    const stream = Buffer.concat([mc.store('set', 'bb', 'x\r\ny'), mc.line('get', 'bb'), mc.line('delete', 'bb')]);
    await reset(false);
    const theirs = await drip(cluster.nutPort, stream);
    await reset(false);
    assert.equal(await drip(cluster.port, stream), theirs);
    assert.equal(theirs, 'STORED\r\nVALUE bb 0 4\r\nx\r\ny\r\nEND\r\nDELETED\r\n');
  });

  async function drip(port: number, stream: Buffer): Promise<string> {
    const c = await connect(port);
    await mc.sendInChunks(c, stream, 1, 1);
    c.socket.end();
    return (await c.readUntilClose()).toString('latin1');
  }

  /**
   * One request each (so nutcracker has nothing earlier to answer before it closes): nutcracker drops
   * the connection; ours answers, and closes only when it cannot tell where the next request starts.
   */
  const DIFFERENT: [string, Buffer | string, string[], boolean][] = [
    ['an unknown command', 'bogus x\r\n', ['ERROR\r\n'], false],
    ['an uppercase command name', 'GET a\r\n', ['ERROR\r\n'], false],
    ['an empty line', '\r\n', ['ERROR\r\n'], false],
    ['stats', 'stats\r\n', ["SERVER_ERROR unsupported command 'stats'\r\n"], false],
    ['flush_all', 'flush_all\r\n', ["SERVER_ERROR unsupported command 'flush_all'\r\n"], false],
    ['verbosity', 'verbosity 1\r\n', ["SERVER_ERROR unsupported command 'verbosity'\r\n"], false],
    ['a meta get', 'mg a v\r\n', ["SERVER_ERROR unsupported command 'mg'\r\n"], false],
    ['get without a key', 'get\r\n', ['CLIENT_ERROR bad command line format\r\n'], false],
    ['a 251-byte key', `get ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR key too long\r\n'], false],
    ['delete with a non-zero hold time', 'delete a 5\r\n', ['CLIENT_ERROR bad command line format\r\n'], false],
    ['touch without an exptime', 'touch a\r\n', ['CLIENT_ERROR bad command line format\r\n'], false],
    ['a storage line with an extra token', 'set a 0 0 1 noreply x\r\nx\r\n', ['CLIENT_ERROR bad command line format\r\n'], false],
    ['the legacy "delete <key> 0" (forwarded)', 'delete a 0\r\n', ['NOT_FOUND\r\n'], false],
    ['a negative exptime on set (forwarded)', 'set a 0 -1 1\r\nx\r\n', ['STORED\r\n'], false],
    ['gat (forwarded)', 'gat 100 a\r\n', ['END\r\n'], false],
    ['gats (forwarded)', 'gats 100 a b\r\n', ['END\r\n'], false],
    ['a data block not ended by CRLF', 'set a 0 0 1\r\nxy\r\n', ['CLIENT_ERROR bad data chunk\r\n'], true],
  ];

  for (const [title, stream, expected, oursCloses] of DIFFERENT) {
    const answer = expected.map((r) => r.trim()).join(', ');
    test(`on purpose: ${title}: ours answers ${answer}${oursCloses ? ' and closes' : ''}, nutcracker closes`, T, async () => {
      await cluster.flushAll();
      const n = await connect(cluster.nutPort);
      n.send(stream);
      assert.equal(String(await n.readUntilClose()), '', 'nutcracker closes without a reply');

      await cluster.flushAll();
      const c = await connect(cluster.port);
      c.send(stream);
      assert.deepEqual((await c.readReplies(expected.length, 'memcache')).map(String), expected);
      if (oursCloses) {
        assert.equal(String(await c.readUntilClose()), '', 'framing is lost: we close after the reply');
      } else {
        c.send('get after\r\n');
        assert.equal(String(await c.readReply('memcache')), 'END\r\n', 'the connection stays usable');
        await c.close();
      }
    });
  }

  test('on purpose: a multi-get with a missing key keeps key order; nutcracker reorders by server', T, async () => {
    // The missing key shares a server with the last key: nutcracker gives its turn to that key's value.
    const [missing, other, sameServer] = [k(0, 0), k(1, 0), k(0, 1)];
    const stream = Buffer.concat([mc.store('set', other, 'B'), mc.store('set', sameServer, 'C'), mc.line('get', missing, other, sameServer)]);
    const stored = 'STORED\r\nSTORED\r\n';
    await cluster.flushAll();
    const theirs = (await mc.streamUntilClose(cluster.nutPort, stream)).toString('latin1');
    await cluster.flushAll();
    const ours = (await mc.streamUntilClose(cluster.port, stream)).toString('latin1');
    assert.equal(ours, stored + String(mc.values(mc.value(other, 'B'), mc.value(sameServer, 'C'))));
    assert.equal(theirs, stored + String(mc.values(mc.value(sameServer, 'C'), mc.value(other, 'B'))));
  });

  test('both close at once, with no reply, on a binary-protocol request', T, async () => {
    const request = Buffer.alloc(24);
    request[0] = 0x80; // binary protocol magic, opcode 0 (get)
    for (const port of [cluster.nutPort, cluster.port]) {
      const c = await connect(port);
      c.send(request);
      assert.equal((await c.readUntilClose()).length, 0);
    }
  });

  test('same replies when a backend is down: SERVER_ERROR Connection refused, noreply silent', T, async () => {
    const dead = cluster.backends[1];
    dead.kill('SIGKILL');
    await waitFor('backend to stop accepting', async () => ((await accepts({ host: dead.host, port: dead.port })) ? undefined : true));
    try {
      const stream = Buffer.concat([
        mc.store('set', k(0, 0), 'live'),
        mc.line('get', k(1, 0)),
        mc.store('set', k(1, 0), 'x'),
        mc.store('set', k(1, 1), 'x', { noreply: true }),
        mc.line('delete', k(1, 0)),
        mc.line('get', k(0, 0)),
      ]);
      const theirs = (await mc.streamUntilClose(cluster.nutPort, stream)).toString('latin1');
      const ours = (await mc.streamUntilClose(cluster.port, stream)).toString('latin1');
      assert.equal(ours, theirs);
      const refused = 'SERVER_ERROR Connection refused\r\n';
      assert.equal(ours, `STORED\r\n${refused}${refused}${refused}VALUE ${k(0, 0)} 0 4\r\nlive\r\nEND\r\n`);
    } finally {
      await dead.restart();
    }
  });

  test('same replies when every backend is down: single-key requests fail in turn, a multi-get fails and closes', T, async () => {
    for (const b of cluster.backends) {
      b.kill('SIGKILL');
      await waitFor('backend to stop accepting', async () => ((await accepts({ host: b.host, port: b.port })) ? undefined : true));
    }
    try {
      const singles = Buffer.concat([mc.line('get', k(0, 0)), mc.store('set', k(1, 0), 'x'), mc.line('delete', k(2, 0), 'noreply'), mc.line('incr', k(2, 0), 1)]);
      const theirs = (await mc.streamUntilClose(cluster.nutPort, singles)).toString('latin1');
      const ours = (await mc.streamUntilClose(cluster.port, singles)).toString('latin1');
      assert.equal(ours, theirs);
      assert.equal(ours, 'SERVER_ERROR Connection refused\r\n'.repeat(3));
      // A failed multi-get closes the connection by itself. (How much of what is pipelined behind it
      // is answered first is a race in nutcracker, so it is sent alone.)
      const multi = async (port: number): Promise<string> => {
        const c = await connect(port);
        c.send(mc.line('get', k(0, 0), k(1, 0), k(2, 0)));
        return (await c.readUntilClose()).toString('latin1');
      };
      assert.equal(await multi(cluster.port), await multi(cluster.nutPort));
      assert.equal(await multi(cluster.port), 'SERVER_ERROR Connection refused\r\n');
    } finally {
      await Promise.all(cluster.backends.map((b) => b.restart()));
    }
  });

  test('same replies when a backend hangs: SERVER_ERROR Connection timed out after the pool timeout', T, async () => {
    const hung = cluster.backends[2];
    await cluster.flushAll();
    await mc.exchange(cluster.port, mc.store('set', k(0, 0), 'ok'));
    hung.kill('SIGSTOP');
    try {
      const stream = Buffer.concat([mc.line('get', k(2, 0)), mc.line('get', k(0, 0))]);
      const theirs = (await mc.streamUntilClose(cluster.nutPort, stream)).toString('latin1');
      const ours = (await mc.streamUntilClose(cluster.port, stream)).toString('latin1');
      assert.equal(ours, theirs);
      assert.equal(ours, `SERVER_ERROR Connection timed out\r\nVALUE ${k(0, 0)} 0 2\r\nok\r\nEND\r\n`);
    } finally {
      hung.kill('SIGCONT');
    }
  });
});
