// One `servers:` entry (spec §2.5): parsed from the right, names as nutcracker gives them (weight
// never included, host alone on 11211, `path:` for Unix sockets), and every invalid form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServer } from '../../../src/config/parse-server';
import { Reject } from '../../../src/config/errors';
import type { ServerConfig } from '../../../src/config/types';

function ok(text: string): ServerConfig {
  const r = parseServer(text);
  assert.ok(!(r instanceof Reject), `${text}: ${r instanceof Reject ? r.code : ''}`);
  return r;
}

function code(text: string): string | null {
  const r = parseServer(text);
  return r instanceof Reject ? r.code : null;
}

test('an unnamed TCP server is named host:port, without the weight', () => {
  assert.deepEqual(ok('127.0.0.1:6379:1'), {
    name: '127.0.0.1:6379',
    address: { raw: '127.0.0.1:6379:1', path: null, host: '127.0.0.1', port: 6379, perm: 0 },
    weight: 1,
  });
  assert.equal(ok('127.0.0.1:6379:7').name, '127.0.0.1:6379');
  assert.equal(ok('127.0.0.1:06379:1').name, '127.0.0.1:06379');
});

test('an unnamed server on port 11211 is named by its host alone', () => {
  assert.equal(ok('127.0.0.2:11211:1').name, '127.0.0.2');
  assert.equal(ok('127.0.0.2:011211:1').name, '127.0.0.2');
  assert.equal(ok('127.0.0.2:11212:1').name, '127.0.0.2:11212');
});

test('an explicit name follows the last space and may contain colons', () => {
  const s = ok('127.0.0.1:6379:2 cache:a');
  assert.equal(s.name, 'cache:a');
  assert.equal(s.weight, 2);
  assert.equal(s.address.raw, '127.0.0.1:6379:2');
});

test('a trailing space gives an empty name and keeps the space in the address text', () => {
  const s = ok('127.0.0.1:6379:1 ');
  assert.equal(s.name, '');
  assert.equal(s.address.raw, '127.0.0.1:6379:1 ');
});

test('IPv6 hosts need no brackets: the host is what is left of port and weight', () => {
  const s = ok('::1:6379:1');
  assert.equal(s.address.host, '::1');
  assert.equal(s.name, '::1:6379');
  assert.equal(ok('a:b:c:d:6379:1').address.host, 'a:b:c:d');
});

test('server hosts are kept as written, not resolved', () => {
  assert.equal(ok('nonexistent.invalid:6379:1').address.host, 'nonexistent.invalid');
});

test('an empty host is accepted at load time, as nutcracker does', () => {
  assert.equal(ok(':6379:1').name, ':6379');
});

test('a Unix socket server is named path: with a trailing colon', () => {
  assert.deepEqual(ok('/tmp/x.sock:3'), {
    name: '/tmp/x.sock:',
    address: { raw: '/tmp/x.sock:3', path: '/tmp/x.sock', host: '', port: 0, perm: 0 },
    weight: 3,
  });
  assert.equal(ok('/tmp/x.sock:1 redis-a').name, 'redis-a');
});

test('a wrong number of fields is an invalid format', () => {
  for (const bad of ['127.0.0.1:6379', '127.0.0.1:6379 s1', '127.0.0.1', '/tmp/x.sock', '/tmp/a:b.sock:1', '/tmp/a b.sock:1', 'a\u0000b:1:1']) {
    assert.equal(code(bad), 'CONF_SERVER_FORMAT', JSON.stringify(bad));
  }
});

test('the weight is digits only and not 0', () => {
  assert.equal(code('127.0.0.1:6379:0'), 'CONF_SERVER_ZERO_WEIGHT');
  assert.equal(code('127.0.0.1:6379:4294967296'), 'CONF_SERVER_ZERO_WEIGHT');
  for (const bad of ['-1', '+1', '1.5', 'x', '']) assert.equal(code(`127.0.0.1:6379:${bad}`), 'CONF_SERVER_WEIGHT', bad);
  assert.equal(code('127.0.0.1:6379:1 s1 s2'), 'CONF_SERVER_WEIGHT');
});

test('the weight is checked before the port', () => {
  assert.equal(code('127.0.0.1:0:0'), 'CONF_SERVER_ZERO_WEIGHT');
});

test('the port is 1..65535 in digits only', () => {
  for (const bad of ['0', '65536', '', 'x', '-1']) assert.equal(code(`127.0.0.1:${bad}:1`), 'CONF_SERVER_PORT', bad);
  assert.equal(ok('127.0.0.1:65535:1').address.port, 65535);
});
