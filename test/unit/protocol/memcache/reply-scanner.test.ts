// The memcached reply scanner on buffers: each reply type, value lists framed as one reply, protocol
// errors, 1 MiB values as slices, and a fuzz loop. Every case runs whole, byte by byte and split.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chunkings, randomBytes, randomChunks, randomTokens, rng } from '../../../helpers/random';
import { SPLITS, scanReplies } from './scan-helpers';
import { ReplyType } from '../../../../src/protocol/memcache/reply-scanner';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
type Seen = ReturnType<typeof scanReplies>['events'];

function expectScan(input: string | Buffer, expected: Seen): void {
  const buf = typeof input === 'string' ? b(input) : input;
  for (const { how, chunks } of chunkings(buf, SPLITS)) {
    assert.deepStrictEqual(scanReplies(chunks).events, expected, `fed ${how}`);
  }
}

const reply = (type: number, bytes: string) => ({ event: 'reply' as const, type, bytes });
const protocolError = (reason: string) => ({ event: 'protocol-error' as const, reason });

describe('memcache reply scanner: reply types', () => {
  const cases: [string, string, number][] = [
    ['STORED', 'STORED\r\n', ReplyType.stored],
    ['NOT_STORED', 'NOT_STORED\r\n', ReplyType.notStored],
    ['EXISTS', 'EXISTS\r\n', ReplyType.exists],
    ['NOT_FOUND', 'NOT_FOUND\r\n', ReplyType.notFound],
    ['DELETED', 'DELETED\r\n', ReplyType.deleted],
    ['TOUCHED', 'TOUCHED\r\n', ReplyType.touched],
    ['VERSION', 'VERSION 1.6.18\r\n', ReplyType.version],
    ['an incr result', '18446744073709551615\r\n', ReplyType.number],
    ['ERROR', 'ERROR\r\n', ReplyType.error],
    ['ERROR with text', 'ERROR Too many open connections\r\n', ReplyType.error],
    ['CLIENT_ERROR', 'CLIENT_ERROR bad data chunk\r\n', ReplyType.clientError],
    ['SERVER_ERROR', 'SERVER_ERROR out of memory storing object\r\n', ReplyType.serverError],
    ['a bare END (a miss)', 'END\r\n', ReplyType.valueList],
    ['one VALUE block', 'VALUE k 0 5\r\nhello\r\nEND\r\n', ReplyType.valueList],
    ['a VALUE block with cas', 'VALUE k 12 5 99\r\nhello\r\nEND\r\n', ReplyType.valueList],
    ['an empty value', 'VALUE k 0 0\r\n\r\nEND\r\n', ReplyType.valueList],
    ['a value holding CRLF, VALUE and END', 'VALUE k 0 18\r\nEND\r\nVALUE x 0 1\r\n\r\nEND\r\n', ReplyType.valueList],
    ['three VALUE blocks', 'VALUE a 0 1\r\n1\r\nVALUE b 0 2\r\n22\r\nVALUE c 0 3\r\n333\r\nEND\r\n', ReplyType.valueList],
  ];
  for (const [title, input, type] of cases) {
    test(`${title} is one reply`, () => expectScan(input, [reply(type, input)]));
  }

  test('an error line ends an unfinished value list, as memcached sends it on out of memory', () => {
    const list = 'VALUE a 0 1\r\n1\r\nSERVER_ERROR out of memory writing get response\r\n';
    expectScan(list + 'STORED\r\n', [reply(ReplyType.serverError, list), reply(ReplyType.stored, 'STORED\r\n')]);
  });

  test('pipelined replies come out one by one, in order, with exact bytes', () => {
    const all = cases.map((c) => c[1]);
    expectScan(all.join(''), all.map((s, i) => reply(cases[i][2], s)));
  });
});

describe('memcache reply scanner: protocol errors', () => {
  const cases: [string, string][] = [
    ['an unknown line', 'HELLO\r\n'],
    ['an empty line', '\r\n'],
    ['STORED followed by text', 'STORED now\r\n'],
    ['a number followed by text', '12abc\r\n'],
    ['a VALUE line without a length', 'VALUE k 0\r\nEND\r\n'],
    ['a VALUE line with a bad length', 'VALUE k 0 x\r\nEND\r\n'],
    ['a VALUE line with a bad cas', 'VALUE k 0 1 x\r\n1\r\nEND\r\n'],
    ['a value list interrupted by STORED', 'VALUE k 0 1\r\n1\r\nSTORED\r\n'],
    ['a value list interrupted by a number', 'VALUE k 0 1\r\n1\r\n12\r\n'],
  ];
  for (const [title, input] of cases) {
    test(`${title} is a protocol error`, () => expectScan(input + 'STORED\r\n', [protocolError('unexpected reply line')]));
  }

  test('value data not followed by CRLF is a protocol error', () => {
    expectScan('VALUE k 0 2\r\nabc\r\nEND\r\n', [protocolError('value data not followed by CRLF')]);
    expectScan('VALUE k 0 3\r\nabc\rXEND\r\n', [protocolError('value data not followed by CRLF')]);
  });

  test('an endless line is a protocol error', () => {
    expectScan(`SERVER_ERROR ${'x'.repeat(9000)}`, [protocolError('reply line too long')]);
  });

  test('replies before a protocol error are delivered', () => {
    expectScan('STORED\r\nEND\r\nWAT\r\nSTORED\r\n', [
      reply(ReplyType.stored, 'STORED\r\n'),
      reply(ReplyType.valueList, 'END\r\n'),
      protocolError('unexpected reply line'),
    ]);
  });
});

describe('memcache reply scanner: large values and fuzzing', () => {
  test('a 1 MiB value in random chunks is one reply made of slices of those chunks', () => {
    const data = randomBytes(rng(5), 1 << 20);
    const input = Buffer.concat([b(`VALUE big 0 ${data.length}\r\n`), data, b('\r\nEND\r\nSTORED\r\n')]);
    for (const seed of [4, 5, 6]) {
      const chunks = randomChunks(input, seed, 65536);
      const rec = scanReplies(chunks);
      assert.equal(rec.replies.length, 2);
      const r = rec.replies[0];
      assert.equal(r.type, ReplyType.valueList);
      assert.ok(Buffer.concat(r.parts).equals(input.subarray(0, input.length - 8)));
      assert.ok(r.parts.every((p) => p.buffer === input.buffer), 'no part is a copy');
      assert.ok(r.parts.length <= chunks.length);
    }
  });

  test('random bytes never throw and scan the same however they are split', () => {
    const rnd = rng(77);
    const words = ['VALUE ', 'k', ' 0', ' 1', ' 3', 'x', 'END', 'STORED', 'ERROR', 'SERVER_ERROR ', '12', '\r\n', '\r', '\n', ' '];
    for (let iter = 0; iter < 300; iter++) {
      const input = randomTokens(rnd, words, 1 + Math.floor(rnd() * 25), 0.8);
      const whole = scanReplies([input]).events;
      for (const { how, chunks } of chunkings(input, { seeds: [iter], maxChunk: 6 }).slice(1)) {
        assert.deepStrictEqual(scanReplies(chunks).events, whole, `iteration ${iter}, ${how}: ${JSON.stringify(input.toString('latin1'))}`);
      }
      const errAt = whole.findIndex((e) => e.event === 'protocol-error');
      assert.ok(errAt === -1 || errAt === whole.length - 1, 'nothing is reported after a protocol error');
    }
  });
});
