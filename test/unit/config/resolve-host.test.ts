// Synchronous listen-host resolution: IP literals as they are, names through getaddrinfo (in a
// child process), glibc's "*" as loopback, and failures with gai_strerror wording.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHostsSync } from '../../../src/config/resolve-host';

test('IP literals are taken as they are, with their family', () => {
  const r = resolveHostsSync(['127.0.0.1', '::1', '0.0.0.0']);
  assert.deepEqual(r.get('127.0.0.1'), { address: '127.0.0.1', family: 4 });
  assert.deepEqual(r.get('::1'), { address: '::1', family: 6 });
  assert.deepEqual(r.get('0.0.0.0'), { address: '0.0.0.0', family: 4 });
});

test('localhost and getaddrinfo shorthand like 127.1 resolve', () => {
  const r = resolveHostsSync(['localhost', '127.1', 'localhost']);
  assert.equal(r.size, 2);
  assert.match((r.get('localhost') as { address: string }).address, /^(127\.0\.0\.1|::1)$/);
  assert.deepEqual(r.get('127.1'), { address: '127.0.0.1', family: 4 });
});

test('"*" is loopback, as glibc treats it like no node at all', () => {
  const a = resolveHostsSync(['*']).get('*') as { address: string };
  assert.match(a.address, /^(127\.0\.0\.1|::1)$/);
});

test('unresolvable names, brackets and the empty name fail with getaddrinfo wording', () => {
  const r = resolveHostsSync(['nonexistent.invalid', '[::1]', '', ' 127.0.0.1']);
  for (const host of ['nonexistent.invalid', '[::1]', '', ' 127.0.0.1']) {
    assert.deepEqual(r.get(host), { error: 'Name or service not known' }, JSON.stringify(host));
  }
});

test('an empty list needs no lookup', () => {
  assert.equal(resolveHostsSync([]).size, 0);
});
