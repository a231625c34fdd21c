// What a Redis client sees when a server fails (spec §8.5, §6.6): exactly one reply per request, in
// request order, with nutcracker's error texts: a dead backend gives -ERR Connection refused (PING is
// still answered), ejection moves keys to a live server, and scripted fake backends give timeouts,
// EOF mid-reply, resets and the -OOM/-BUSY/-LOADING replies that count as server failures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeBackend, type FakeBackendOptions } from '../../helpers/fake-backend';
import { freePort } from '../../helpers/ports';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { connect, resp } from '../../helpers/wire';
import { exchange, startShardedRedis } from './sharded-redis';

const T = { timeout: 30_000 };
const REFUSED = '-ERR Connection refused\r\n';

test('keys on a dead backend get -ERR Connection refused, one reply per request in order, PING still answered', T, async () => {
  const shard = await startShardedRedis({ servers: 1, extraServers: [{ port: await freePort() }], directives: { hash: 'md5' } });
  try {
    const keys = Array.from({ length: 60 }, (_, i) => `dead:${i}`);
    // A PING before every tenth SET: answered locally, in its own place among the errors.
    const isPing = keys.flatMap((_, i) => (i % 10 === 0 ? [true, false] : [false]));
    let k = 0;
    const requests = isPing.map((ping) => (ping ? resp('PING') : resp('SET', keys[k++], 'v')));
    const replies = (await exchange(shard.port, requests)).map(String);
    assert.equal(replies.length, requests.length);
    assert.deepEqual(replies.filter((_, i) => isPing[i]), Array(6).fill('+PONG\r\n'));
    const setReplies = replies.filter((_, i) => !isPing[i]);
    for (const r of setReplies) assert.ok(r === '+OK\r\n' || r === REFUSED, `unexpected ${JSON.stringify(r)}`);
    const stored = keys.filter((_, i) => setReplies[i] === '+OK\r\n');
    const refused = keys.filter((_, i) => setReplies[i] === REFUSED);
    assert.ok(stored.length > 0 && refused.length > 0, `${stored.length} stored, ${refused.length} refused`);
    // A key answered +OK is on the live backend; a refused key is nowhere. Asking again gives the same split.
    assert.deepEqual(await shard.locate(keys), setReplies.map((r) => (r === '+OK\r\n' ? 0 : -1)));
    const again = (await exchange(shard.port, keys.map((k) => resp('GET', k)))).map(String);
    assert.deepEqual(again, setReplies.map((r) => (r === '+OK\r\n' ? '$1\r\nv\r\n' : REFUSED)));
  } finally {
    await shard.stop();
  }
});

test('with every server down: single-key and DEL requests get refused and the connection stays; MGET is refused and closes', T, async () => {
  const { yaml, ports } = await poolYaml({ name: 'down', redis: true, servers: [{ port: await freePort() }, { port: await freePort() }] });
  const proxy = await startProxy(yaml);
  try {
    const c = await connect(ports.down);
    c.send(Buffer.concat([resp('GET', 'a'), resp('PING'), resp('SET', 'b', '1'), resp('DEL', 'a', 'b', 'c', 'd'), resp('MSET', 'a', '1', 'b', '2')]));
    assert.deepEqual((await c.readReplies(5, 'redis')).map(String), [REFUSED, '+PONG\r\n', REFUSED, REFUSED, REFUSED]);
    // nutcracker's behaviour, kept: a failed MGET closes the connection after its error reply. (What
    // happens to requests pipelined behind it is compared with nutcracker in compat/redis-differential.)
    c.send(resp('MGET', 'a', 'b', 'c', 'd'));
    assert.equal((await c.readUntilClose()).toString(), REFUSED);
  } finally {
    await proxy.stop();
  }
});

test('with auto_eject_hosts a dead server is ejected after server_failure_limit failures and its keys move', T, async () => {
  const shard = await startShardedRedis({
    servers: 1,
    extraServers: [{ port: await freePort() }],
    directives: { hash: 'md5', auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: 60000 },
  });
  try {
    const c = await connect(shard.port);
    let key = '';
    for (let i = 0; i < 50 && key === ''; i++) {
      c.send(resp('SET', `eject:${i}`, 'v'));
      if ((await c.readReply('redis')).toString() === REFUSED) key = `eject:${i}`;
    }
    assert.notEqual(key, '', 'some key maps to the dead server');
    const answers: string[] = [];
    for (let i = 0; i < 2; i++) {
      c.send(resp('SET', key, 'moved'));
      answers.push((await c.readReply('redis')).toString());
    }
    assert.deepEqual(answers, [REFUSED, '+OK\r\n'], 'second failure ejects; the next request goes to the live server');
    assert.deepEqual(await shard.locate([key]), [0]);
    await c.close();
  } finally {
    await shard.stop();
  }
});

/** A one-server pool in front of a fake backend; `body` gets a connected wire client. */
async function throughFake(
  fakeOpts: FakeBackendOptions,
  directives: Record<string, string | number | boolean>,
  body: (c: Awaited<ReturnType<typeof connect>>) => Promise<void>,
): Promise<void> {
  const fake = await startFakeBackend(fakeOpts);
  try {
    const { yaml, ports } = await poolYaml({ name: 'fake', redis: true, servers: [fake], directives });
    const proxy = await startProxy(yaml);
    try {
      const c = await connect(ports.fake);
      try {
        await body(c);
      } finally {
        await c.close();
      }
    } finally {
      await proxy.stop();
    }
  } finally {
    await fake.close();
  }
}

test('a server that does not answer times out every request in flight on its connection, PING keeps its place', T, () =>
  throughFake({ mode: 'silent' }, { timeout: 200 }, async (c) => {
    c.send(Buffer.concat([resp('GET', 'a'), resp('SET', 'b', '1'), resp('PING'), resp('GET', 'c')]));
    const timedOut = '-ERR Connection timed out\r\n';
    assert.deepEqual((await c.readReplies(4, 'redis')).map(String), [timedOut, timedOut, '+PONG\r\n', timedOut]);
  }));

test('a server that closes in the middle of a reply gives -ERR unknown', T, () =>
  throughFake({ mode: 'close-mid-reply', reply: '$10\r\n0123456789\r\n' }, {}, async (c) => {
    c.send(resp('GET', 'a'));
    assert.equal((await c.readReply('redis')).toString(), '-ERR unknown\r\n');
  }));

test('a server that resets the connection gives -ERR Connection reset by peer', T, () =>
  throughFake({ mode: 'reset' }, {}, async (c) => {
    c.send(resp('GET', 'a'));
    assert.equal((await c.readReply('redis')).toString(), '-ERR Connection reset by peer\r\n');
  }));

test('-OOM, -BUSY and -LOADING count as server failures and become -ERR Invalid argument; other errors pass through', T, () => {
  const errorFor = (request: Buffer): string => {
    const key = /\$\d+\r\n([a-z]+)\r\n$/.exec(request.toString())?.[1] ?? '';
    const errors: Record<string, string> = {
      oom: '-OOM command not allowed when used memory > maxmemory\r\n',
      busy: '-BUSY Redis is busy running a script\r\n',
      loading: '-LOADING Redis is loading the dataset in memory\r\n',
      wrongtype: '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
      busykey: '-BUSYKEY Target key name already exists.\r\n',
      bare: '-ERR\r\n',
    };
    return errors[key] ?? '+OK\r\n';
  };
  return throughFake({ mode: 'answer', reply: errorFor }, {}, async (c) => {
    const expected: [string, string][] = [
      ['oom', '-ERR Invalid argument\r\n'], ['busy', '-ERR Invalid argument\r\n'], ['loading', '-ERR Invalid argument\r\n'],
      ['wrongtype', errorFor(resp('GET', 'wrongtype'))], ['busykey', errorFor(resp('GET', 'busykey'))], ['bare', '-ERR\r\n'], ['fine', '+OK\r\n'],
    ];
    // One at a time: a failure closes the server connection and fails whatever else is in flight on it.
    for (const [key, reply] of expected) {
      c.send(resp('GET', key));
      assert.equal((await c.readReply('redis')).toString(), reply, key);
    }
  });
});
