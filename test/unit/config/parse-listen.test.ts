// The `listen:` grammar (spec §2.4): host:port split at the last colon, Unix paths with an optional
// octal permission read like strtol(…, 8), and the sun_path length limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListen, UNIX_PATH_MAX } from '../../../src/config/parse-listen';
import { Reject } from '../../../src/config/errors';

function code(text: string): string | null {
  const r = parseListen(text);
  return r instanceof Reject ? r.code : null;
}

test('host:port keeps the host as written and the port as a number', () => {
  assert.deepEqual(parseListen('127.0.0.1:22121'), { raw: '127.0.0.1:22121', path: null, host: '127.0.0.1', port: 22121, perm: 0 });
  assert.deepEqual(parseListen('localhost:022121'), { raw: 'localhost:022121', path: null, host: 'localhost', port: 22121, perm: 0 });
});

test('unbracketed IPv6 splits at the last colon; brackets stay part of the host', () => {
  assert.equal((parseListen('::1:22121') as { host: string }).host, '::1');
  assert.equal((parseListen('[::1]:22121') as { host: string }).host, '[::1]');
});

test('a listen without a colon has an invalid format', () => {
  assert.equal(code('127.0.0.1'), 'CONF_LISTEN_FORMAT');
  assert.equal(code('localhost'), 'CONF_LISTEN_FORMAT');
});

test('the port is 1..65535 in digits only', () => {
  for (const bad of ['0', '65536', '-1', '+1', '', 'http', '22121 ', '2147483648']) assert.equal(code(`127.0.0.1:${bad}`), 'CONF_LISTEN_PORT', bad);
  assert.equal(code('127.0.0.1:1'), null);
  assert.equal(code('127.0.0.1:65535'), null);
});

test('the port wraps like a C int, as nutcracker: 4294989417 is 22121', () => {
  assert.equal((parseListen('127.0.0.1:4294989417') as { port: number }).port, 22121);
});

test('a path without permission leaves the mode alone', () => {
  assert.deepEqual(parseListen('/tmp/x.sock'), { raw: '/tmp/x.sock', path: '/tmp/x.sock', host: '', port: 0, perm: 0 });
});

test('the permission after the last space is octal', () => {
  assert.equal((parseListen('/tmp/x.sock 0666') as { perm: number }).perm, 0o666);
  assert.equal((parseListen('/tmp/x.sock 777') as { perm: number }).perm, 0o777);
  assert.equal((parseListen('/tmp/x.sock +7') as { perm: number }).perm, 7);
  assert.equal((parseListen('/tmp/my dir/x.sock 0600') as { path: string }).path, '/tmp/my dir/x.sock');
});

test('the permission stops at the first non-octal digit, as strtol does', () => {
  assert.equal((parseListen('/tmp/x.sock 0999') as { perm: number }).perm, 0);
  assert.equal((parseListen('/tmp/x.sock 0x7') as { perm: number }).perm, 0);
  assert.equal((parseListen('/tmp/x.sock 64abc') as { perm: number }).perm, 0o64);
  assert.deepEqual(parseListen('/tmp/x.sock '), { raw: '/tmp/x.sock ', path: '/tmp/x.sock', host: '', port: 0, perm: 0 });
});

test('a permission above 0777, negative, or overflowing a C long is invalid', () => {
  assert.equal(code('/tmp/x.sock 1000'), 'CONF_LISTEN_PERM');
  assert.equal(code('/tmp/x.sock -1'), 'CONF_LISTEN_PERM');
  assert.equal(code('/tmp/x.sock 7777777777777777777777'), 'CONF_LISTEN_PERM');
});

test('a permission is truncated to 32 bits like mode_t: 040000000005 is 5', () => {
  assert.equal((parseListen('/tmp/x.sock 040000000005') as { perm: number }).perm, 5);
});

test('a socket path must fit sun_path (107 bytes)', () => {
  assert.equal(UNIX_PATH_MAX, 107);
  assert.equal(code(`/${'a'.repeat(106)}`), null);
  const r = parseListen(`/${'a'.repeat(107)}`);
  assert.ok(r instanceof Reject);
  assert.equal(r.code, 'CONF_LISTEN_PATH_TOO_LONG');
  assert.deepEqual(r.extra, { length: 108, max: 107 });
  assert.equal(code(`/${'\u00e9'.repeat(54)}`), 'CONF_LISTEN_PATH_TOO_LONG');
});
