// The memcached request scanner, black-box on buffers: every command with and without noreply, the
// local replies for bad input, framing errors, large and binary values, and a bounded fuzz loop.
// Every case runs whole, byte by byte and in random splits, and must give the same result each way.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chunkings, randomBytes, randomChunks, randomTokens, rng } from '../../../helpers/random';
import { SPLITS, fwd, local, scanRequests, split, type SeenEvent } from './scan-helpers';
import { RequestScanner } from '../../../../src/protocol/memcache/request-scanner';
import { MultiGet } from '../../../../src/protocol/memcache/multi-get';
import { MsgAction } from '../../../../src/proxy/msg';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function expectScan(input: string | Buffer, expected: SeenEvent[]): void {
  const buf = typeof input === 'string' ? b(input) : input;
  for (const { how, chunks } of chunkings(buf, SPLITS)) {
    assert.deepStrictEqual(scanRequests(chunks).events, expected, `fed ${how}`);
  }
}

const CLIENT = (reason: string): string => `CLIENT_ERROR ${reason}\r\n`;
const BAD_FORMAT = CLIENT('bad command line format');
/** A request after a refused one proves the connection is still usable and in step. */
const TAIL = 'get after\r\n';
const TAIL_EVENT = fwd('get', TAIL, 'after');

describe('memcache request scanner: commands', () => {
  const cases: [string, string, SeenEvent[]][] = [
    ['get with one key is forwarded by that key', 'get foo\r\n', [fwd('get', 'get foo\r\n', 'foo')]],
    ['gets with one key is forwarded by that key', 'gets foo\r\n', [fwd('gets', 'gets foo\r\n', 'foo')]],
    ['get with three keys is split in key order', 'get a b c\r\n', [split('get', 'get a b c\r\n', ['a', 'b', 'c'])]],
    ['gets with two keys is split', 'gets a b\r\n', [split('gets', 'gets a b\r\n', ['a', 'b'])]],
    ['noreply is an ordinary key in get', 'get a noreply\r\n', [split('get', 'get a noreply\r\n', ['a', 'noreply'])]],
    ['gat with one key is forwarded by the key, not the exptime', 'gat 100 k\r\n', [fwd('gat', 'gat 100 k\r\n', 'k')]],
    ['gats with two keys is split', 'gats -1 a b\r\n', [split('gats', 'gats -1 a b\r\n', ['a', 'b'])]],
    ['runs of spaces and leading spaces are accepted', '  get   a    b  \r\n', [split('get', '  get   a    b  \r\n', ['a', 'b'])]],
    ['incr is forwarded', 'incr n 5\r\n', [fwd('incr', 'incr n 5\r\n', 'n')]],
    ['incr noreply is forwarded as noreply', 'incr n 5 noreply\r\n', [fwd('incr', 'incr n 5 noreply\r\n', 'n', true)]],
    ['decr is forwarded', 'decr n 18446744073709551615\r\n', [fwd('decr', 'decr n 18446744073709551615\r\n', 'n')]],
    ['decr noreply is forwarded as noreply', 'decr n 1 noreply\r\n', [fwd('decr', 'decr n 1 noreply\r\n', 'n', true)]],
    ['touch is forwarded', 'touch k 10\r\n', [fwd('touch', 'touch k 10\r\n', 'k')]],
    ['touch noreply is forwarded as noreply', 'touch k -1 noreply\r\n', [fwd('touch', 'touch k -1 noreply\r\n', 'k', true)]],
    ['delete is forwarded', 'delete k\r\n', [fwd('delete', 'delete k\r\n', 'k')]],
    ['delete noreply is forwarded as noreply', 'delete k noreply\r\n', [fwd('delete', 'delete k noreply\r\n', 'k', true)]],
    ['delete with a zero hold time is forwarded', 'delete k 0\r\n', [fwd('delete', 'delete k 0\r\n', 'k')]],
    ['delete with zero hold time and noreply', 'delete k 0 noreply\r\n', [fwd('delete', 'delete k 0 noreply\r\n', 'k', true)]],
    ['version is routed by the key placeholder', 'version\r\n', [fwd('version', 'version\r\n', 'placeholder')]],
    ['version accepts trailing spaces', 'version  \r\n', [fwd('version', 'version  \r\n', 'placeholder')]],
  ];
  for (const name of ['set', 'add', 'replace', 'append', 'prepend']) {
    const line = `${name} k 1 2 5\r\nhello\r\n`;
    cases.push([`${name} is forwarded with its data block`, line, [fwd(name, line, 'k')]]);
    const quiet = `${name} k 1 2 5 noreply\r\nhello\r\n`;
    cases.push([`${name} noreply is forwarded as noreply`, quiet, [fwd(name, quiet, 'k', true)]]);
  }
  cases.push(['cas is forwarded with its data block', 'cas k 0 0 3 99\r\nabc\r\n', [fwd('cas', 'cas k 0 0 3 99\r\nabc\r\n', 'k')]]);
  cases.push(['cas noreply is forwarded as noreply', 'cas k 0 0 3 99 noreply\r\nabc\r\n', [fwd('cas', 'cas k 0 0 3 99 noreply\r\nabc\r\n', 'k', true)]]);
  cases.push(['set with an empty value', 'set k 0 0 0\r\n\r\n', [fwd('set', 'set k 0 0 0\r\n\r\n', 'k')]]);
  cases.push(['set accepts a negative exptime', 'set k 0 -1 1\r\nx\r\n', [fwd('set', 'set k 0 -1 1\r\nx\r\n', 'k')]]);
  cases.push(['a 250-byte key is accepted', `get ${'k'.repeat(250)}\r\n`, [fwd('get', `get ${'k'.repeat(250)}\r\n`, 'k'.repeat(250))]]);
  cases.push(['keys may hold bytes above 0x7f', 'get caf\xe9\r\n', [fwd('get', 'get caf\xe9\r\n', 'caf\xe9')]]);
  // The scanner keeps the first 32 tokens of a line and finds later keys again: cross that boundary.
  const many = Array.from({ length: 40 }, (_, i) => `key${i}`);
  const manyLine = `get ${many.map((k, i) => (i % 7 === 3 ? `  ${k}` : k)).join(' ')} \r\n`;
  cases.push(['a multi-get of 40 keys keeps every key in order, with runs of spaces', manyLine, [split('get', manyLine, many)]]);
  const gatLine = `gat 100 ${many.join(' ')}\r\n`;
  cases.push(['gat with 40 keys splits by every key, not the exptime', gatLine, [split('gat', gatLine, many)]]);
  const withLong = many.map((k, i) => (i === 35 ? 'k'.repeat(251) : k));
  cases.push(['a key over 250 bytes after the 32nd token refuses the multi-get', `get ${withLong.join(' ')}\r\n`, [local('get', CLIENT('key too long'))]]);
  const withNul = many.map((k, i) => (i === 36 ? 'a\0b' : k));
  cases.push(['a NUL in a key after the 32nd token refuses the multi-get', `get ${withNul.join(' ')}\r\n`, [local('get', CLIENT('key contains a control character'))]]);

  for (const [title, input, expected] of cases) test(title, () => expectScan(input, expected));

  test('values are binary-safe: CRLF and command text inside data are data', () => {
    const data = 'a\r\nget evil\r\nEND\r\n\x00\xff';
    const line = `set k 0 0 ${data.length}\r\n${data}\r\n`;
    expectScan(line + TAIL, [fwd('set', line, 'k'), TAIL_EVENT]);
  });

  test('quit asks to close and everything after it is ignored', () => {
    expectScan('get a\r\nquit\r\nget b\r\nbogus\r\n', [
      fwd('get', 'get a\r\n', 'a'),
      { event: 'request', action: 'quit', cmd: 'quit', key: null, keys: null, noreply: false, wire: '', reply: null },
    ]);
  });

  test('a pipeline mixing noreply requests keeps every request in order', () => {
    const reqs: SeenEvent[] = [
      fwd('set', 'set a 0 0 1 noreply\r\n1\r\n', 'a', true),
      fwd('get', 'get a\r\n', 'a'),
      fwd('incr', 'incr a 1 noreply\r\n', 'a', true),
      split('gets', 'gets a b\r\n', ['a', 'b']),
      fwd('delete', 'delete b noreply\r\n', 'b', true),
      fwd('touch', 'touch a 5\r\n', 'a'),
      fwd('version', 'version\r\n', 'placeholder'),
    ];
    expectScan(reqs.map((r) => (r as { wire: string }).wire).join(''), reqs);
  });

  test('a split request carries its verb and, for gat, the exptime bytes', () => {
    const rec = scanRequests([b('gat 300 x y\r\n')]);
    const msg = rec.msgs[0];
    assert.equal(msg.action, MsgAction.split);
    assert.ok(msg.proto instanceof MultiGet);
    assert.equal(msg.proto.exptime?.toString(), '300');
  });
});

describe('memcache request scanner: refused requests keep the connection usable', () => {
  const long = 'k'.repeat(251);
  const cases: [string, string, SeenEvent[]][] = [
    ['an unknown command gets ERROR', 'foo bar\r\n', [local(null, 'ERROR\r\n')]],
    ['command names are lowercase only', 'GET a\r\n', [local(null, 'ERROR\r\n')]],
    ['an empty line gets ERROR', '\r\n', [local(null, 'ERROR\r\n')]],
    ['a line of spaces gets ERROR', '   \r\n', [local(null, 'ERROR\r\n')]],
    ['stats is unsupported', 'stats\r\n', [local('stats', "SERVER_ERROR unsupported command 'stats'\r\n")]],
    ['flush_all is unsupported', 'flush_all 10\r\n', [local('flush_all', "SERVER_ERROR unsupported command 'flush_all'\r\n")]],
    ['a meta get is unsupported', 'mg foo v\r\n', [local('mg', "SERVER_ERROR unsupported command 'mg'\r\n")]],
    ['a meta set is unsupported and its data is skipped', 'ms foo 5 T0\r\nget x\r\n', [local('ms', "SERVER_ERROR unsupported command 'ms'\r\n")]],
    ['get without a key is refused', 'get\r\n', [local('get', BAD_FORMAT)]],
    ['get with a key over 250 bytes is refused', `get ${long}\r\n`, [local('get', CLIENT('key too long'))]],
    ['one bad key refuses the whole multi-get', `get a ${long} b\r\n`, [local('get', CLIENT('key too long'))]],
    // memcached and nutcracker take other control bytes in keys, and memcaslap relies on it.
    ['a key with a tab is forwarded', 'get a\tb\r\n', [fwd('get', 'get a\tb\r\n', 'a\tb')]],
    ['a key with DEL is forwarded', 'delete a\x7f\r\n', [fwd('delete', 'delete a\x7f\r\n', 'a\x7f')]],
    ['a key with NUL is refused: memcached would cut the line there', 'get a\0b\r\n', [local('get', CLIENT('key contains a control character'))]],
    ['a bare LF is not a line end: it ends up inside a key', 'get a\nget b\r\n', [local('get', CLIENT('key contains a control character'))]],
    ['a NUL in the third key of a multi-get refuses it all', 'get a b c\0d e\r\n', [local('get', CLIENT('key contains a control character'))]],
    ['other control bytes are ordinary key bytes, also in a multi-get', 'get a\tb \x10c\r\n', [split('get', 'get a\tb \x10c\r\n', ['a\tb', '\x10c'])]],
    ['gat without a key is refused', 'gat 10\r\n', [local('gat', BAD_FORMAT)]],
    ['gat with a bad exptime is refused', 'gat x k\r\n', [local('gat', CLIENT('invalid exptime argument'))]],
    ['incr with a negative delta is refused', 'incr k -1\r\n', [local('incr', CLIENT('invalid numeric delta argument'))]],
    ['incr with a delta over 64 bits is refused', 'incr k 18446744073709551616\r\n', [local('incr', CLIENT('invalid numeric delta argument'))]],
    ['incr without a delta is refused', 'incr k\r\n', [local('incr', BAD_FORMAT)]],
    ['incr with an extra token is refused', 'incr k 1 2\r\n', [local('incr', BAD_FORMAT)]],
    ['touch with a bad exptime is refused', 'touch k soon\r\n', [local('touch', CLIENT('invalid exptime argument'))]],
    ['touch without an exptime is refused', 'touch k\r\n', [local('touch', BAD_FORMAT)]],
    ['delete with a non-zero hold time is refused', 'delete k 5\r\n', [local('delete', BAD_FORMAT)]],
    ['delete with a long key is refused', `delete ${long}\r\n`, [local('delete', CLIENT('key too long'))]],
    ['version with an argument is refused', 'version x\r\n', [local('version', BAD_FORMAT)]],
    ['quit with an argument is refused', 'quit now\r\n', [local('quit', BAD_FORMAT)]],
    ['set with a long key is refused and its data skipped', `set ${long} 0 0 8\r\nget evil\r\n`, [local('set', CLIENT('key too long'))]],
    ['set with negative flags is refused and its data skipped', 'set k -1 0 8\r\nget evil\r\n', [local('set', BAD_FORMAT)]],
    ['set with flags over 32 bits is refused', 'set k 4294967296 0 1\r\nx\r\n', [local('set', BAD_FORMAT)]],
    ['set with a bad exptime is refused', 'set k 0 x 1\r\nx\r\n', [local('set', BAD_FORMAT)]],
    ['set with an extra token is refused', 'set k 0 0 1 later\r\nx\r\n', [local('set', BAD_FORMAT)]],
    ['cas without its unique is refused and its data skipped', 'cas k 0 0 8\r\nget evil\r\n', [local('cas', BAD_FORMAT)]],
    ['cas with a bad unique is refused', 'cas k 0 0 1 x\r\nx\r\n', [local('cas', BAD_FORMAT)]],
  ];
  for (const [title, input, expected] of cases) {
    test(title, () => expectScan(input + TAIL, [...expected, TAIL_EVENT]));
  }

  test('a refused noreply storage request gets no reply and its data is skipped', () => {
    expectScan(`set ${long} 0 0 8 noreply\r\nget evil\r\n${TAIL}`, [TAIL_EVENT]);
  });
  test('a refused noreply incr, touch and delete get no reply', () => {
    expectScan(`incr k x noreply\r\ntouch ${long} 1 noreply\r\ndelete k 9 noreply\r\n${TAIL}`, [TAIL_EVENT]);
  });
  test('a multi-get line longer than 2048 bytes is accepted', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `${i}`.padStart(100, 'k'));
    const line = `get ${keys.join(' ')}\r\n`;
    assert.ok(line.length > 2048);
    expectScan(line, [split('get', line, keys)]);
  });
});

describe('memcache request scanner: broken framing closes the connection', () => {
  const framing = (reply: string | null, reason: string): SeenEvent => ({ event: 'framing', reply, reason });
  const cases: [string, string, SeenEvent[]][] = [
    ['set without <bytes>', 'set k 0 0\r\nhello\r\n', [framing(BAD_FORMAT, 'bad command line format')]],
    ['set with non-numeric <bytes>', 'set k 0 0 five\r\nhello\r\n', [framing(BAD_FORMAT, 'bad command line format')]],
    ['a data block longer than <bytes>', 'set k 0 0 3\r\nhello\r\nget a\r\n', [framing(CLIENT('bad data chunk'), 'bad data chunk')]],
    ['a data block shorter than <bytes>', 'set k 0 0 9\r\nhello\r\nget a\r\n', [framing(CLIENT('bad data chunk'), 'bad data chunk')]],
    ['a data block ended by CR without LF', 'set k 0 0 3\r\nabc\rXget a\r\n', [framing(CLIENT('bad data chunk'), 'bad data chunk')]],
    ['a data block ended by a bare LF', 'set k 0 0 3\r\nabc\nget a\r\n', [framing(CLIENT('bad data chunk'), 'bad data chunk')]],
    ['a skipped data block not ended by CRLF', 'set k -1 0 3\r\nhelloget a\r\n', [local('set', BAD_FORMAT), framing(CLIENT('bad data chunk'), 'bad data chunk')]],
    ['a non-get line over 2048 bytes', `set ${'x'.repeat(3000)} 0 0 1\r\nx\r\n`, [framing(CLIENT('line too long'), 'line too long')]],
    ['2048 bytes without a line end', `delete ${'x'.repeat(3000)}`, [framing(CLIENT('line too long'), 'line too long')]],
    ['a binary-protocol request', '\x80\x00\x00\x03get\r\n', [framing(null, 'binary protocol is not supported')]],
    ['an unsupported command with noreply', 'flush_all noreply\r\nget a\r\n', [framing("SERVER_ERROR unsupported command 'flush_all'\r\n", 'unsupported command')]],
    ['a meta set without a data length', 'ms foo\r\nget a\r\n', [framing("SERVER_ERROR unsupported command 'ms'\r\n", 'unsupported command')]],
  ];
  for (const [title, input, expected] of cases) test(`${title} is a framing error`, () => expectScan(input, expected));

  test('requests before the framing error are still delivered', () => {
    expectScan('get a\r\nset k 0 0 x\r\n', [fwd('get', 'get a\r\n', 'a'), framing(BAD_FORMAT, 'bad command line format')]);
  });
});

describe('memcache request scanner: large values and fuzzing', () => {
  test('a 1 MiB value in random chunks is forwarded as slices of those chunks', () => {
    const data = randomBytes(rng(9), 1 << 20);
    const input = Buffer.concat([b(`set big 0 0 ${data.length}\r\n`), data, b('\r\n'), b(TAIL)]);
    for (const seed of [1, 2, 3]) {
      const chunks = randomChunks(input, seed, 65536);
      const rec = scanRequests(chunks);
      assert.equal(rec.msgs.length, 2);
      const msg = rec.msgs[0];
      assert.equal(msg.key?.toString(), 'big');
      assert.ok(Buffer.concat(msg.parts).equals(input.subarray(0, input.length - TAIL.length)));
      assert.equal(msg.bytes, input.length - TAIL.length);
      // Every part that is not the (small, possibly copied) command line is a view of the input.
      const copied = msg.parts.filter((p) => p.buffer !== input.buffer);
      assert.ok(copied.length <= 1 && copied.every((p) => p.length < 64), `seed ${seed}: a value part was copied`);
      assert.ok(msg.parts.length <= chunks.length + 1);
      assert.deepStrictEqual(rec.events[1], TAIL_EVENT);
    }
  });

  test('random bytes never throw and scan the same however they are split', () => {
    const rnd = rng(1234);
    const words = ['get ', 'gets ', 'set ', 'cas ', 'gat ', 'incr ', 'delete ', 'version', 'noreply', ' 0', ' 5', ' -1', '\r\n', '\r', '\n', ' ', 'k', 'abcde', '\x80', 'quit', 'ms '];
    for (let iter = 0; iter < 300; iter++) {
      const input = randomTokens(rnd, words, 1 + Math.floor(rnd() * 30), 0.7);
      const whole = scanRequests([input]).events;
      for (const { how, chunks } of chunkings(input, { seeds: [iter], maxChunk: 7 }).slice(1)) {
        assert.deepStrictEqual(scanRequests(chunks).events, whole, `iteration ${iter}, ${how}: ${JSON.stringify(input.toString('latin1'))}`);
      }
      const framingAt = whole.findIndex((e) => e.event === 'framing');
      assert.ok(framingAt === -1 || framingAt === whole.length - 1, 'nothing is reported after a framing error');
    }
  });

  test('random bytes with random chunk sizes never throw', () => {
    const rnd = rng(99);
    for (let iter = 0; iter < 200; iter++) {
      const input = randomBytes(rnd, 1 + Math.floor(rnd() * 4096));
      const scanner = new RequestScanner({ maxKeyLength: 250 });
      const sink = { onRequest: () => undefined, onFramingError: () => undefined };
      for (const c of randomChunks(input, iter, 300)) scanner.feed(c, sink);
    }
  });

  test('a key limit below 250 from the context is honoured', () => {
    const rec = scanRequests([b('get abcdef\r\nget abcde\r\n')], 5);
    assert.deepStrictEqual(rec.events, [local('get', CLIENT('key too long')), fwd('get', 'get abcde\r\n', 'abcde')]);
  });
});
