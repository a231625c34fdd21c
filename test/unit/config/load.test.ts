// Loading whole files (spec §2.4–§2.7): the name sort of pools and servers, server names, listen
// resolution, duplicates across servers and pools, collecting every problem, and the file API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, checkConfigText, loadConfig } from '../../../src/config/load';
import { ConfigError } from '../../../src/config/errors';
import type { Config } from '../../../src/config/types';
import { withTempDir } from '../../helpers/processes';

function valid(text: string): Config {
  const r = checkConfigText(text, 'test.yml');
  assert.deepEqual(r.problems.map((p) => p.message), []);
  assert.ok(r.config);
  return r.config;
}

function invalid(text: string): string[] {
  const r = checkConfigText(text, 'test.yml');
  assert.equal(r.config, null);
  return r.problems.map((p) => p.message);
}

function pool(name: string, listen: string, servers: string[], extra = ''): string {
  return `${name}:\n  listen: ${listen}\n${extra}  servers:\n${servers.map((s) => `    - ${s}\n`).join('')}`;
}

test('servers are sorted by name length, then bytes (zeta, alpha, mid -> mid, zeta, alpha)', () => {
  const c = valid(pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:1 zeta', '127.0.0.1:6380:1 alpha', '127.0.0.1:6381:1 mid']));
  assert.deepEqual(c.pools[0].servers.map((s) => s.name), ['mid', 'zeta', 'alpha']);
  assert.deepEqual(c.pools[0].servers.map((s) => s.address.port), [6381, 6379, 6380]);
});

test('unnamed servers sort by their host:port names, not by file order', () => {
  const c = valid(pool('p', '127.0.0.1:22121', ['127.0.0.1:16379:1', '127.0.0.1:6380:1', '127.0.0.1:6379:1']));
  assert.deepEqual(c.pools[0].servers.map((s) => s.name), ['127.0.0.1:6379', '127.0.0.1:6380', '127.0.0.1:16379']);
});

test('pools are sorted by name length, then bytes (rpool, mpool, ab -> ab, mpool, rpool)', () => {
  const c = valid(
    pool('rpool', '127.0.0.1:22121', ['127.0.0.1:6379:1']) +
      pool('mpool', '127.0.0.1:22122', ['127.0.0.1:6379:1']) +
      pool('ab', '127.0.0.1:22123', ['127.0.0.1:6379:1']),
  );
  assert.deepEqual(c.pools.map((p) => p.name), ['ab', 'mpool', 'rpool']);
});

test('weights, names and addresses of a mixed server list', () => {
  const c = valid(pool('p', '127.0.0.1:22121', ['127.0.0.2:11211:3', '/tmp/a.sock:2', '::1:6379:1 v6']));
  const byName = new Map(c.pools[0].servers.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['/tmp/a.sock:', '127.0.0.2', 'v6']);
  assert.equal(byName.get('127.0.0.2')?.weight, 3);
  assert.equal(byName.get('/tmp/a.sock:')?.address.path, '/tmp/a.sock');
  assert.equal(byName.get('v6')?.address.host, '::1');
});

test('servers with the same name are duplicates, whatever their weights', () => {
  assert.deepEqual(invalid(pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:1', '127.0.0.1:6379:2'])), [
    `conf: pool 'p' has servers with same name '127.0.0.1:6379' (line 5)`,
  ]);
  assert.equal(invalid(pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:1 s', '127.0.0.1:6380:1 s'])).length, 1);
  assert.equal(invalid(pool('p', '127.0.0.1:22121', ['127.0.0.2:11211:1', '127.0.0.2:11211:2'])).length, 1);
});

test('two names for one address are two servers', () => {
  const c = valid(pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:1 a', '127.0.0.1:6379:1 b']));
  assert.equal(c.pools[0].servers.length, 2);
});

test('an IP literal listen is used as it is', () => {
  const c = valid(pool('p', '0.0.0.0:22121', ['127.0.0.1:6379:1']));
  assert.deepEqual(c.pools[0].listen, { raw: '0.0.0.0:22121', path: null, host: '0.0.0.0', port: 22121, perm: 0 });
});

test('an unbracketed IPv6 listen works', () => {
  const c = valid(pool('p', '"::1:22121"', ['127.0.0.1:6379:1']));
  assert.equal(c.pools[0].listen.host, '::1');
  assert.equal(c.pools[0].listen.port, 22121);
});

test('a listen host name is resolved at load time to the address we bind', () => {
  const c = valid(pool('p', 'localhost:22121', ['127.0.0.1:6379:1']));
  assert.equal(c.pools[0].listen.raw, 'localhost:22121');
  assert.match(c.pools[0].listen.host, /^(127\.0\.0\.1|::1)$/);
});

test('an unresolvable listen host is a problem', () => {
  assert.deepEqual(invalid(pool('p', 'nonexistent.invalid:22121', ['127.0.0.1:6379:1'])), [
    `conf: pool 'p' directive "listen": 'nonexistent.invalid:22121' has an invalid value: ` +
      `address resolution of node 'nonexistent.invalid' failed: Name or service not known (line 2)`,
  ]);
});

test('a bracketed IPv6 listen does not resolve, as in nutcracker', () => {
  assert.match(invalid(pool('p', '"[::1]:22121"', ['127.0.0.1:6379:1']))[0], /address resolution of node '\[::1\]' failed/);
});

test('an empty listen host does not resolve', () => {
  assert.match(invalid(pool('p', '":22121"', ['127.0.0.1:6379:1']))[0], /address resolution of node '' failed/);
});

test('a Unix socket listen keeps its path and permission', () => {
  const c = valid(pool('p', '"/tmp/p.sock 0600"', ['127.0.0.1:6379:1']));
  assert.deepEqual(c.pools[0].listen, { raw: '/tmp/p.sock 0600', path: '/tmp/p.sock', host: '', port: 0, perm: 0o600 });
});

test('a pool without listen is refused', () => {
  assert.deepEqual(invalid('p:\n  servers:\n    - 127.0.0.1:6379:1\n'), [`conf: pool 'p' directive "listen:" is missing (line 1)`]);
});

test('two pools with the same listen text are refused; the same address written differently is not', () => {
  assert.deepEqual(invalid(pool('a', '127.0.0.1:22121', ['127.0.0.1:6379:1']) + pool('b', '127.0.0.1:22121', ['127.0.0.1:6379:1'])), [
    `conf: pools 'a' and 'b' have the same listen address '127.0.0.1:22121' (line 6)`,
  ]);
  valid(pool('a', '127.0.0.1:22121', ['127.0.0.1:6379:1']) + pool('b', '127.0.0.1:022121', ['127.0.0.1:6379:1']));
});

test('two pools with the same name are refused', () => {
  assert.deepEqual(invalid(pool('a', '127.0.0.1:22121', ['127.0.0.1:6379:1']) + pool('a', '127.0.0.1:22122', ['127.0.0.1:6379:1'])), [
    `conf: 'test.yml' has pools with same name 'a' (line 5)`,
  ]);
});

test('a list under another key feeds that key item by item, as nc_conf.c does', () => {
  const c = valid('p:\n  listen: 127.0.0.1:22121\n  servers: 127.0.0.1:6379:1\n  hash:\n    - md5\n');
  assert.equal(c.pools[0].hash, 'md5');
  assert.equal(c.pools[0].servers.length, 1);
  assert.deepEqual(invalid('p:\n  listen: 127.0.0.1:22121\n  hash:\n    - md5\n'), [`conf: pool 'p' has no servers (line 1)`]);
  assert.deepEqual(invalid('p:\n  listen: 127.0.0.1:22121\n  hash:\n    - md5\n    - crc16\n'), [
    `conf: pool 'p' has no servers (line 1)`,
    `conf: pool 'p' directive "hash" is a duplicate (line 5)`,
  ]);
});

test('every problem in a file is reported, in line order, each with its pool and directive', () => {
  const r = checkConfigText(
    pool('a', '127.0.0.1:0', ['127.0.0.1:6379'], '  hash: fnv2\n  redis: yes\n') + pool('b', '127.0.0.1:22122', ['127.0.0.1:6379:0'], '  timeout: -5\n'),
    'test.yml',
  );
  assert.equal(r.config, null);
  assert.deepEqual(
    r.problems.map((p) => [p.code, p.line, p.pool, p.directive]),
    [
      ['CONF_LISTEN_PORT', 2, 'a', 'listen'],
      ['CONF_INVALID_HASH', 3, 'a', 'hash'],
      ['CONF_NOT_A_BOOL', 4, 'a', 'redis'],
      ['CONF_SERVER_FORMAT', 6, 'a', 'servers'],
      ['CONF_NOT_A_NUMBER', 9, 'b', 'timeout'],
      ['CONF_SERVER_ZERO_WEIGHT', 11, 'b', 'servers'],
    ],
  );
});

test('a valid file reports no problems and an absolute file name', () => {
  withTempDir('conf-load', (dir) => {
    const file = join(dir, 'nutcracker.yml');
    writeFileSync(file, pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:1']));
    const r = checkConfig(file);
    assert.deepEqual(r.problems, []);
    assert.equal(r.config?.file, file);
    assert.equal(loadConfig(file).pools[0].name, 'p');
  });
});

test('loadConfig throws a ConfigError carrying every problem and the first code', () => {
  withTempDir('conf-load', (dir) => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, pool('p', '127.0.0.1:22121', ['127.0.0.1:6379:0'], '  hash: fnv2\n'));
    assert.throws(
      () => loadConfig(file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CONF_INVALID_HASH');
        assert.equal(err.file, file);
        assert.equal(err.problems.length, 2);
        assert.equal(err.message, err.problems.map((p) => p.message).join('\n'));
        return true;
      },
    );
  });
});

test('a file that cannot be read is one problem with the system reason', () => {
  const file = join(tmpdir(), 'twemproxy-ts-no-such-dir', 'none.yml');
  assert.deepEqual(checkConfig(file), {
    config: null,
    problems: [{ code: 'CONF_OPEN_FAILED', message: `conf: failed to open configuration '${file}': No such file or directory` }],
  });
});
