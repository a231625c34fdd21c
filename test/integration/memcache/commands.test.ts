// Every memcached command through our proxy to three real memcached servers, with and without noreply:
// the reply the client reads is memcached's own, and the effect is visible afterwards (through the
// proxy and, where it matters, on the backend that holds the key). Also quit, half-close and the
// requests the proxy answers itself without losing the connection.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../helpers/wire';
import { startMemcacheCluster, type MemcacheCluster } from './memcache-cluster';
import { memcacheWire as mc } from './memcache-wire';

const T = { timeout: 20_000 };
let cluster: MemcacheCluster;

before(async () => {
  // md5 spreads look-alike keys (nrp:0, nrp:1, ...) over all servers; the default fnv1a_64 does not.
  cluster = await startMemcacheCluster({ directives: { hash: 'md5' } });
});
after(() => cluster?.stop());

/** Send one pipelined stream on a fresh connection and read `n` replies, as strings. */
async function talk(stream: Buffer | string, n: number): Promise<string[]> {
  return (await mc.exchange(cluster.port, stream, n)).map((r) => r.toString('latin1'));
}

test('set, add, replace, append and prepend answer as memcached and store what get returns', T, async () => {
  const stream = Buffer.concat([
    mc.store('set', 'st:a', 'middle', { flags: 7 }),
    mc.store('add', 'st:a', 'nope'),
    mc.store('add', 'st:b', 'added'),
    mc.store('replace', 'st:missing', 'nope'),
    mc.store('replace', 'st:b', 'replaced', { flags: 3 }),
    mc.store('append', 'st:a', '>>'),
    mc.store('prepend', 'st:a', '<<'),
    mc.store('append', 'st:missing', 'nope'),
    mc.store('prepend', 'st:missing', 'nope'),
    mc.line('get', 'st:a'),
    mc.line('get', 'st:b'),
    mc.line('get', 'st:missing'),
  ]);
  assert.deepEqual(await talk(stream, 12), [
    'STORED\r\n',
    'NOT_STORED\r\n',
    'STORED\r\n',
    'NOT_STORED\r\n',
    'STORED\r\n',
    'STORED\r\n',
    'STORED\r\n',
    'NOT_STORED\r\n',
    'NOT_STORED\r\n',
    'VALUE st:a 7 10\r\n<<middle>>\r\nEND\r\n',
    'VALUE st:b 3 8\r\nreplaced\r\nEND\r\n',
    'END\r\n',
  ]);
  const [where] = await cluster.holders(['st:a']);
  assert.notEqual(where, -1, 'the key is on one of the backends');
  assert.equal(String((await cluster.direct(where, 'get st:a\r\n'))[0]), 'VALUE st:a 7 10\r\n<<middle>>\r\nEND\r\n');
});

test('gets returns the backend cas unique; cas succeeds once with it, then EXISTS; a missing key is NOT_FOUND', T, async () => {
  const [stored, gets] = await talk(Buffer.concat([mc.store('set', 'cas:a', 'v1'), mc.line('gets', 'cas:a')]), 2);
  assert.equal(stored, 'STORED\r\n');
  const unique = mc.casOf(Buffer.from(gets, 'latin1'));
  const [where] = await cluster.holders(['cas:a']);
  assert.equal(String((await cluster.direct(where, 'gets cas:a\r\n'))[0]), gets, 'the proxy passes the cas unique through');
  const replies = await talk(
    Buffer.concat([
      mc.store('cas', 'cas:a', 'v2', { cas: unique }),
      mc.store('cas', 'cas:a', 'v3', { cas: unique }),
      mc.store('cas', 'cas:missing', 'v', { cas: unique }),
      mc.line('get', 'cas:a'),
    ]),
    4,
  );
  assert.deepEqual(replies, ['STORED\r\n', 'EXISTS\r\n', 'NOT_FOUND\r\n', 'VALUE cas:a 0 2\r\nv2\r\nEND\r\n']);
});

test('incr and decr return the new value, decr stops at 0, incr wraps at 2^64, bad targets get memcached errors', T, async () => {
  const replies = await talk(
    Buffer.concat([
      mc.store('set', 'num:a', '10'),
      mc.line('incr', 'num:a', 5),
      mc.line('decr', 'num:a', 3),
      mc.line('decr', 'num:a', 100),
      mc.store('set', 'num:max', '18446744073709551615'),
      mc.line('incr', 'num:max', 2),
      mc.line('incr', 'num:missing', 1),
      mc.store('set', 'num:text', 'abc'),
      mc.line('incr', 'num:text', 1),
      mc.line('get', 'num:a'),
    ]),
    10,
  );
  assert.deepEqual(replies, [
    'STORED\r\n',
    '15\r\n',
    '12\r\n',
    '0\r\n',
    'STORED\r\n',
    '1\r\n',
    'NOT_FOUND\r\n',
    'STORED\r\n',
    'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
    // memcached's decr rewrites the number in place, padding with spaces instead of shrinking it.
    'VALUE num:a 0 2\r\n0 \r\nEND\r\n',
  ]);
});

test('touch, gat and gats change expiry: a negative exptime expires the key at once', T, async () => {
  const replies = await talk(
    Buffer.concat([
      mc.store('set', 'tt:a', 'A'),
      mc.store('set', 'tt:b', 'B', { flags: 9 }),
      mc.store('set', 'tt:c', 'C'),
      mc.line('touch', 'tt:a', 1000),
      mc.line('touch', 'tt:missing', 1000),
      mc.line('gat', 1000, 'tt:b'),
      mc.line('touch', 'tt:a', -1),
      mc.line('gat', -1, 'tt:b'),
      mc.line('get', 'tt:a'),
      mc.line('get', 'tt:b'),
      mc.line('gat', 0, 'tt:missing'),
    ]),
    11,
  );
  assert.deepEqual(replies, [
    'STORED\r\n',
    'STORED\r\n',
    'STORED\r\n',
    'TOUCHED\r\n',
    'NOT_FOUND\r\n',
    'VALUE tt:b 9 1\r\nB\r\nEND\r\n',
    'TOUCHED\r\n',
    'VALUE tt:b 9 1\r\nB\r\nEND\r\n',
    'END\r\n',
    'END\r\n',
    'END\r\n',
  ]);
  const [gats] = await talk(mc.line('gats', 100, 'tt:c'), 1);
  assert.match(gats, /^VALUE tt:c 0 1 \d+\r\nC\r\nEND\r\n$/);
});

test('delete removes a key, NOT_FOUND when missing; the legacy "delete <key> 0" form is accepted', T, async () => {
  const replies = await talk(
    Buffer.concat([
      mc.store('set', 'del:a', 'x'),
      mc.store('set', 'del:b', 'y'),
      mc.line('delete', 'del:a'),
      mc.line('delete', 'del:a'),
      mc.line('delete', 'del:b', 0),
      mc.line('get', 'del:a'),
      mc.line('get', 'del:b'),
    ]),
    7,
  );
  assert.deepEqual(replies, ['STORED\r\n', 'STORED\r\n', 'DELETED\r\n', 'NOT_FOUND\r\n', 'DELETED\r\n', 'END\r\n', 'END\r\n']);
});

test('version is answered by a backend with its own version line', T, async () => {
  const [direct] = await cluster.direct(0, 'version\r\n');
  assert.match(String(direct), /^VERSION \d+\.\d+\.\d+/);
  assert.deepEqual(await talk('version\r\n', 1), [String(direct)]);
});

/** [command, what is set up first, the noreply request, the get that shows its effect]. */
const NOREPLY_CASES: [string, Buffer[], Buffer, string][] = [
  ['set', [], mc.store('set', 'nr:set', 'v', { noreply: true }), 'VALUE nr:set 0 1\r\nv\r\nEND\r\n'],
  ['add', [], mc.store('add', 'nr:add', 'v', { flags: 2, noreply: true }), 'VALUE nr:add 2 1\r\nv\r\nEND\r\n'],
  ['replace', [mc.store('set', 'nr:rep', 'old')], mc.store('replace', 'nr:rep', 'new', { noreply: true }), 'VALUE nr:rep 0 3\r\nnew\r\nEND\r\n'],
  ['append', [mc.store('set', 'nr:app', 'a')], mc.store('append', 'nr:app', 'b', { noreply: true }), 'VALUE nr:app 0 2\r\nab\r\nEND\r\n'],
  ['prepend', [mc.store('set', 'nr:pre', 'a')], mc.store('prepend', 'nr:pre', 'b', { noreply: true }), 'VALUE nr:pre 0 2\r\nba\r\nEND\r\n'],
  ['incr', [mc.store('set', 'nr:inc', '41')], mc.line('incr', 'nr:inc', 1, 'noreply'), 'VALUE nr:inc 0 2\r\n42\r\nEND\r\n'],
  ['decr', [mc.store('set', 'nr:dec', '43')], mc.line('decr', 'nr:dec', 1, 'noreply'), 'VALUE nr:dec 0 2\r\n42\r\nEND\r\n'],
  ['touch', [mc.store('set', 'nr:tou', 'v')], mc.line('touch', 'nr:tou', -1, 'noreply'), 'END\r\n'],
  ['delete', [mc.store('set', 'nr:del', 'v')], mc.line('delete', 'nr:del', 'noreply'), 'END\r\n'],
  ['delete with hold time 0', [mc.store('set', 'nr:del0', 'v')], mc.line('delete', 'nr:del0', 0, 'noreply'), 'END\r\n'],
  // Failing noreply requests are silent too (memcached suppresses NOT_STORED / NOT_FOUND).
  ['add of an existing key', [mc.store('set', 'nr:add2', 'kept')], mc.store('add', 'nr:add2', 'lost', { noreply: true }), 'VALUE nr:add2 0 4\r\nkept\r\nEND\r\n'],
  ['replace of a missing key', [], mc.store('replace', 'nr:rep2', 'v', { noreply: true }), 'END\r\n'],
  ['delete of a missing key', [], mc.line('delete', 'nr:del2', 'noreply'), 'END\r\n'],
];

for (const [name, setup, request, expected] of NOREPLY_CASES) {
  test(`${name} with noreply gets no reply, and a get shows its outcome`, T, async () => {
    const key = request.toString('latin1').split(' ')[1];
    const c = await connect(cluster.port);
    if (setup.length) {
      c.send(Buffer.concat(setup));
      await c.readReplies(setup.length, 'memcache');
    }
    // If the noreply request were answered, that answer would be read here instead of the get's.
    c.send(Buffer.concat([request, mc.line('get', key)]));
    assert.equal(String(await c.readReply('memcache')), expected);
    c.send('version\r\n');
    assert.match(String(await c.readReply('memcache')), /^VERSION /);
    assert.equal(c.pending.length, 0, 'nothing else arrived');
    await c.close();
  });
}

test('cas with noreply gets no reply and takes effect', T, async () => {
  const c = await connect(cluster.port);
  c.send(Buffer.concat([mc.store('set', 'nr:cas', 'v1'), mc.line('gets', 'nr:cas')]));
  const [, gets] = await c.readReplies(2, 'memcache');
  c.send(Buffer.concat([mc.store('cas', 'nr:cas', 'v2', { cas: mc.casOf(gets), noreply: true }), mc.line('get', 'nr:cas')]));
  assert.equal(String(await c.readReply('memcache')), 'VALUE nr:cas 0 2\r\nv2\r\nEND\r\n');
  await c.close();
});

test('a pipeline of noreply requests to every server is followed by exactly the replies of the rest', T, async () => {
  const keys = Array.from({ length: 30 }, (_, i) => `nrp:${i}`);
  const sets = Buffer.concat([...keys.map((k) => mc.store('set', k, `v${k}`, { noreply: true })), ...keys.map((k) => mc.line('get', k))]);
  const got = await talk(sets, keys.length);
  assert.deepEqual(got, keys.map((k) => String(mc.values(mc.value(k, `v${k}`)))));
  assert.equal(new Set(await cluster.holders(keys)).size, 3, 'the keys are spread over all three backends');
  const deletes = Buffer.concat([...keys.map((k) => mc.line('delete', k, 'noreply')), mc.line('get', ...keys)]);
  assert.deepEqual(await talk(deletes, 1), ['END\r\n']);
  assert.deepEqual(await cluster.holders(keys), keys.map(() => -1), 'the noreply deletes reached every backend');
});

test('quit delivers the replies before it, then closes and ignores what follows', T, async () => {
  const c = await connect(cluster.port);
  c.send(Buffer.concat([mc.store('set', 'q:a', 'x'), mc.line('get', 'q:a'), mc.line('quit'), mc.store('set', 'q:a', 'after quit')]));
  assert.equal(String(await c.readUntilClose()), 'STORED\r\nVALUE q:a 0 1\r\nx\r\nEND\r\n');
  assert.deepEqual(await talk('get q:a\r\n', 1), ['VALUE q:a 0 1\r\nx\r\nEND\r\n']);
});

test('a client that half-closes still gets every reply, then the proxy closes', T, async () => {
  const stream = Buffer.concat([mc.store('set', 'hc:a', '1'), mc.line('incr', 'hc:a', 1), mc.line('get', 'hc:a', 'hc:none')]);
  const all = await mc.streamUntilClose(cluster.port, stream);
  assert.equal(all.toString('latin1'), 'STORED\r\n2\r\nVALUE hc:a 0 1\r\n2\r\nEND\r\n');
});

test('requests the proxy cannot forward are answered by the proxy and the connection stays usable', T, async () => {
  const replies = await talk(
    Buffer.concat([
      mc.line('bogus', 'x'),
      mc.line('GET', 'a'),
      Buffer.from('\r\n'),
      mc.line('stats'),
      mc.line('flush_all'),
      mc.line('get'),
      mc.line('get', 'k'.repeat(251)),
      mc.line('get', Buffer.from('a\0b', 'latin1')),
      mc.line('incr', 'x', -1),
      // A bad flags field: refused, and its data block is skipped rather than read as a command.
      mc.store('set', 'bad:flags', 'get bad:flags', { flags: 'x' }),
      mc.line('version'),
    ]),
    11,
  );
  assert.deepEqual(replies.slice(0, 10), [
    'ERROR\r\n',
    'ERROR\r\n',
    'ERROR\r\n',
    "SERVER_ERROR unsupported command 'stats'\r\n",
    "SERVER_ERROR unsupported command 'flush_all'\r\n",
    'CLIENT_ERROR bad command line format\r\n',
    'CLIENT_ERROR key too long\r\n',
    'CLIENT_ERROR key contains a control character\r\n',
    'CLIENT_ERROR invalid numeric delta argument\r\n',
    'CLIENT_ERROR bad command line format\r\n',
  ]);
  assert.match(replies[10], /^VERSION /);
});

test('keys may hold any byte memcached takes (control bytes, high bytes) and 250 bytes', T, async () => {
  const keys = [
    Buffer.from([0x10, 0x10, 0x11, 0x1f, 0x61]), // memcaslap-style raw prefix
    Buffer.from('tab\there', 'latin1'),
    Buffer.from([0x7f, 0x80, 0xfe, 0xff]),
    Buffer.from('k'.repeat(250)),
  ];
  const stream = Buffer.concat([...keys.map((k, i) => mc.store('set', k, `v${i}`)), mc.line('get', ...keys)]);
  const replies = await mc.exchange(cluster.port, stream, keys.length + 1);
  assert.deepEqual(replies.slice(0, keys.length).map(String), keys.map(() => 'STORED\r\n'));
  assert.deepEqual(replies[keys.length], mc.values(...keys.map((k, i) => mc.value(k, `v${i}`))));
  assert.ok((await cluster.holders(keys)).every((h) => h >= 0), 'each key is stored under its exact bytes');
});
