// The test tools' own framing (frame-length.ts) and config builder (pool-yaml.ts): every framing case
// is fed whole, byte by byte and in random splits, the way the wire client and fake backend see it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameLength, type Direction, type WireProtocol } from './frame-length';
import { listenTargets, poolYaml } from './pool-yaml';
import { chunkings } from './random';
import { resp } from './wire';

/** Accumulate chunks the way the wire client does and cut off each complete message. */
function frameStream(chunks: Buffer[], protocol: WireProtocol, direction: Direction): string[] {
  let buf = Buffer.alloc(0);
  const out: string[] = [];
  for (const chunk of chunks) {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const len = frameLength(buf, 0, protocol, direction);
      if (len < 0) break;
      out.push(buf.subarray(0, len).toString('latin1'));
      buf = buf.subarray(len);
    }
  }
  assert.equal(buf.length, 0, `bytes left unframed: ${JSON.stringify(buf.toString('latin1'))}`);
  return out;
}

/** Twenty seeded splits into chunks of 1..7 bytes: many cuts inside headers and CRLFs. */
const SPLITS = { seeds: Array.from({ length: 20 }, (_, i) => i + 1), maxChunk: 7 };

const CASES: Array<{ protocol: WireProtocol; direction: Direction; messages: string[] }> = [
  {
    protocol: 'redis',
    direction: 'reply',
    messages: [
      '+OK\r\n',
      '-ERR wrong number of arguments\r\n',
      ':-12\r\n',
      '$-1\r\n',
      '$0\r\n\r\n',
      '$5\r\nhe\r\nl\r\n', // a bulk value that contains CRLF
      '*-1\r\n',
      '*0\r\n',
      '*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n+x\r\n',
    ],
  },
  {
    protocol: 'redis',
    direction: 'request',
    messages: [resp('SET', 'k', 'v\r\n').toString('latin1'), 'PING\r\n', resp('MGET', 'a', 'b', 'c').toString('latin1')],
  },
  {
    protocol: 'memcache',
    direction: 'reply',
    messages: [
      'STORED\r\n',
      'END\r\n',
      'VALUE a 0 3\r\nx\r\n\r\nVALUE b 5 0\r\n\r\nEND\r\n',
      'VALUE a 0 1 99\r\nz\r\nEND\r\n',
      'STAT pid 1\r\nSTAT uptime 5\r\nEND\r\n',
      'VERSION 1.6.18\r\n',
      'VALUE a 0 1\r\nz\r\nSERVER_ERROR out of memory\r\n',
      '42\r\n',
    ],
  },
  {
    protocol: 'memcache',
    direction: 'request',
    messages: ['get a b c\r\n', 'set k 0 0 4\r\nab\r\n\r\n', 'cas k 1 0 1 7 noreply\r\nx\r\n', 'delete k\r\n', 'incr n 5\r\n'],
  },
];

for (const c of CASES) {
  test(`${c.protocol} ${c.direction}s are framed one by one however the bytes arrive`, () => {
    const all = Buffer.from(c.messages.join(''), 'latin1');
    for (const { how, chunks } of chunkings(all, SPLITS)) {
      assert.deepEqual(frameStream(chunks, c.protocol, c.direction), c.messages, how);
    }
  });
}

test('bytes that cannot start a RESP reply fail with the bytes in the message', () => {
  assert.throws(() => frameLength(Buffer.from('hello\r\n'), 0, 'redis', 'reply'), /not a RESP2 message.*hello/);
});

test('resp() encodes arguments as a RESP array of bulk strings, counting bytes not characters', () => {
  assert.equal(resp('SET', 'k', 'é').toString('utf8'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  assert.deepEqual(resp(Buffer.from([0, 255])), Buffer.from([...Buffer.from('*1\r\n$2\r\n'), 0, 255, 13, 10]));
});

test('poolYaml names servers s1..sN, gives each pool its own listen port, and quotes what YAML needs', async () => {
  const { yaml, ports } = await poolYaml(
    { name: 'alpha', redis: true, servers: [{ port: 7001 }, { port: 7002, weight: 3 }], directives: { hash_tag: '{}', timeout: 400 } },
    { name: 'beta', servers: [{ host: '127.0.0.2', port: 11211 }], unnamed: true },
  );
  assert.notEqual(ports.alpha, ports.beta);
  assert.equal(
    yaml,
    [
      'alpha:',
      `  listen: 127.0.0.1:${ports.alpha}`,
      '  redis: true',
      '  hash_tag: "{}"',
      '  timeout: 400',
      '  servers:',
      '    - 127.0.0.1:7001:1 s1',
      '    - 127.0.0.1:7002:3 s2',
      'beta:',
      `  listen: 127.0.0.1:${ports.beta}`,
      '  servers:',
      '    - 127.0.0.2:11211:1',
      '',
    ].join('\n'),
  );
});

test('listenTargets reads TCP, wildcard and Unix-socket listen addresses back from YAML', async () => {
  const { yaml } = await poolYaml(
    { name: 'a', listen: '0.0.0.0:22121', servers: [{ port: 1 }] },
    { name: 'b', listen: '/sockets/pool.sock 0666', servers: [{ port: 1 }] },
    { name: 'c', listen: '::1:22123', servers: [{ port: 1 }] },
  );
  assert.deepEqual(listenTargets(yaml), [{ host: '127.0.0.1', port: 22121 }, { path: '/sockets/pool.sock' }, { host: '::1', port: 22123 }]);
});
