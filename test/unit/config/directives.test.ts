// Every pool directive: its default, valid forms and invalid forms with their messages (spec §2.2, §2.3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../../src/config/load';
import { DIRECTIVES, DIRECTIVE_NAMES, directiveDefaults, directiveReference, findDirective } from '../../../src/config/directives';
import { HASH_NAMES } from '../../../src/hashing/index';
import { DISTRIBUTIONS } from '../../../src/distribution/index';
import type { PoolConfig } from '../../../src/config/types';

/** One pool with `extra` directive lines (already indented by two spaces). */
function yaml(extra: string, servers = ['127.0.0.1:6379:1']): string {
  return `alpha:\n  listen: 127.0.0.1:22121\n${extra}  servers:\n${servers.map((s) => `    - ${s}\n`).join('')}`;
}

function pool(extra: string): PoolConfig {
  const r = checkConfigText(yaml(extra), 'test.yml');
  assert.deepEqual(r.problems.map((p) => p.message), []);
  assert.ok(r.config);
  return r.config.pools[0];
}

function problems(extra: string): string[] {
  const r = checkConfigText(yaml(extra), 'test.yml');
  assert.equal(r.config, null, 'expected the configuration to be invalid');
  return r.problems.map((p) => p.message);
}

test('an absent directive takes nutcracker 0.5.0 default', () => {
  const p = pool('');
  assert.equal(p.hash, 'fnv1a_64');
  assert.equal(p.hashTag, null);
  assert.equal(p.distribution, 'ketama');
  assert.equal(p.timeout, 0);
  assert.equal(p.backlog, 512);
  assert.equal(p.clientConnections, 0);
  assert.equal(p.redis, false);
  assert.equal(p.redisAuth, null);
  assert.equal(p.redisDb, 0);
  assert.equal(p.preconnect, false);
  assert.equal(p.autoEjectHosts, false);
  assert.equal(p.serverConnections, 1);
  assert.equal(p.serverRetryTimeout, 30000);
  assert.equal(p.serverFailureLimit, 2);
  assert.equal(p.tcpkeepalive, false);
  assert.equal(p.reuseport, false);
});

test('directiveDefaults returns every optional field and no required one', () => {
  const d = directiveDefaults() as Record<string, unknown>;
  for (const spec of DIRECTIVES) {
    if (spec.default === undefined) assert.ok(!(spec.field in d), spec.name);
    else assert.deepEqual(d[spec.field], spec.default, spec.name);
  }
});

test('the table names every PoolConfig field except name exactly once', () => {
  const fields = DIRECTIVES.map((d) => d.field).sort();
  const expected = Object.keys({ ...pool(''), name: undefined }).filter((k) => k !== 'name').sort();
  assert.deepEqual(fields, expected);
  assert.equal(new Set(DIRECTIVE_NAMES).size, DIRECTIVE_NAMES.length);
});

test('directive names are case-sensitive', () => {
  assert.equal(findDirective('hash')?.name, 'hash');
  assert.equal(findDirective('Hash'), undefined);
  assert.deepEqual(problems('  Hash: md5\n'), [
    `conf: pool 'alpha' directive "Hash" is unknown (one of: ${DIRECTIVE_NAMES.join(' ')}) (line 3)`,
  ]);
});

test('sentinels is not a directive, whatever the docs say', () => {
  assert.match(problems('  sentinels: x\n')[0], /directive "sentinels" is unknown/);
});

test('a directive given twice is a duplicate', () => {
  assert.deepEqual(problems('  hash: md5\n  hash: md5\n'), [`conf: pool 'alpha' directive "hash" is a duplicate (line 4)`]);
  assert.match(problems('  listen: 127.0.0.1:22122\n')[0], /directive "listen" is a duplicate \(line 3\)/);
});

test('every hash name is accepted and sets the hash', () => {
  assert.equal(HASH_NAMES.length, 12);
  for (const h of HASH_NAMES) assert.equal(pool(`  hash: ${h}\n`).hash, h);
});

test('an unknown or wrongly cased hash is refused with the list of hashes', () => {
  const list = 'one_at_a_time md5 crc16 crc32 crc32a fnv1_64 fnv1a_64 fnv1_32 fnv1a_32 hsieh murmur jenkins';
  assert.deepEqual(problems('  hash: fnv2\n'), [
    `conf: pool 'alpha' directive "hash": 'fnv2' is not a valid hash (one of: ${list}) (line 3)`,
  ]);
  assert.equal(problems('  hash: MD5\n').length, 1);
});

test('every distribution is accepted; others, and other cases, are refused', () => {
  for (const d of DISTRIBUTIONS) assert.equal(pool(`  distribution: ${d}\n`).distribution, d);
  assert.deepEqual(problems('  distribution: Ketama\n'), [
    `conf: pool 'alpha' directive "distribution": 'Ketama' is not a valid distribution (one of: ketama modula random) (line 3)`,
  ]);
});

test('hash_tag is exactly two bytes', () => {
  assert.deepEqual(pool('  hash_tag: "{}"\n').hashTag, Buffer.from('{}'));
  assert.deepEqual(pool('  hash_tag: "\u00e9"\n').hashTag, Buffer.from([0xc3, 0xa9]));
  assert.deepEqual(problems('  hash_tag: "{"\n'), [
    `conf: pool 'alpha' directive "hash_tag": '{' is not a valid hash tag string with two characters (it has 1 bytes) (line 3)`,
  ]);
  assert.equal(problems('  hash_tag: "{}}"\n').length, 1);
});

const NUMBERS = [
  ['timeout', 'timeout'],
  ['backlog', 'backlog'],
  ['client_connections', 'clientConnections'],
  ['redis_db', 'redisDb'],
  ['server_connections', 'serverConnections'],
  ['server_retry_timeout', 'serverRetryTimeout'],
  ['server_failure_limit', 'serverFailureLimit'],
] as const;

test('number directives take digits, leading zeros included', () => {
  for (const [name, field] of NUMBERS) {
    assert.equal(pool(`  ${name}: 400\n`)[field], 400, name);
    assert.equal(pool(`  ${name}: 0007\n`)[field], 7, name);
    assert.equal(pool(`  ${name}: 2147483647\n`)[field], 2147483647, name);
  }
});

test('number directives refuse signs, decimals, spaces, words and C int overflow', () => {
  for (const [name] of NUMBERS) {
    for (const bad of ['-1', '+5', '1.5', '"1 "', 'ten', '0x10', '2147483648']) {
      const value = bad.replace(/"/g, '');
      assert.deepEqual(problems(`  ${name}: ${bad}\n`), [
        `conf: pool 'alpha' directive "${name}": '${value}' is not a number (digits only, no sign) (line 3)`,
      ]);
    }
  }
});

test('numbers wrap like a C int, as nutcracker: 4294967296 is read as 0', () => {
  assert.equal(pool('  timeout: 4294967296\n').timeout, 0);
  assert.equal(pool('  backlog: 4294967808\n').backlog, 512);
});

test('timeout 0 and an absent timeout both mean wait forever', () => {
  assert.equal(pool('  timeout: 0\n').timeout, 0);
  assert.equal(pool('').timeout, 0);
});

test('client_connections is kept as written (we enforce it; nutcracker ignores it)', () => {
  assert.equal(pool('  client_connections: 100\n').clientConnections, 100);
});

test('server_connections cannot be 0', () => {
  assert.deepEqual(problems('  server_connections: 0\n'), [`conf: pool 'alpha' directive "server_connections:" cannot be 0 (line 3)`]);
});

test('server_failure_limit 0 is accepted as written', () => {
  assert.equal(pool('  server_failure_limit: 0\n').serverFailureLimit, 0);
});

const BOOLS = [
  ['redis', 'redis'],
  ['preconnect', 'preconnect'],
  ['auto_eject_hosts', 'autoEjectHosts'],
  ['tcpkeepalive', 'tcpkeepalive'],
  ['reuseport', 'reuseport'],
] as const;

test('boolean directives take exactly true or false', () => {
  for (const [name, field] of BOOLS) {
    assert.equal(pool(`  ${name}: true\n`)[field], true, name);
    assert.equal(pool(`  ${name}: false\n`)[field], false, name);
  }
});

test('boolean directives refuse other spellings, YAML 1.1 ones included', () => {
  for (const [name] of BOOLS) {
    for (const bad of ['True', 'TRUE', 'yes', 'on', '1', 'false ']) {
      const line = bad.endsWith(' ') ? `  ${name}: "${bad}"\n` : `  ${name}: ${bad}\n`;
      assert.deepEqual(problems(line), [`conf: pool 'alpha' directive "${name}": '${bad}' is not "true" or "false" (line 3)`]);
    }
  }
});

test('redis_auth is kept for a redis pool', () => {
  const p = pool('  redis: true\n  redis_auth: "s3cret pw"\n');
  assert.equal(p.redisAuth, 's3cret pw');
});

test('redis_auth on a memcached pool is refused', () => {
  assert.deepEqual(problems('  redis_auth: pw\n'), [
    `conf: pool 'alpha' directive "redis_auth:" is only valid for a redis pool (add "redis: true") (line 3)`,
  ]);
  assert.equal(problems('  redis: false\n  redis_auth: pw\n').length, 1);
});

test('an empty value is refused for every directive, quoted or not', () => {
  for (const name of DIRECTIVE_NAMES) {
    if (name === 'servers') continue;
    for (const empty of ['""', "''", '']) {
      const got = problems(`  ${name}: ${empty}\n`.replace(': \n', ':\n'));
      assert.ok(got.includes(`conf: pool 'alpha' directive "${name}" has an empty value (line 3)`), `${name}: ${got.join(' | ')}`);
    }
  }
});

test('the reference table lists every directive with its default', () => {
  const ref = directiveReference();
  for (const d of DIRECTIVES) assert.match(ref, new RegExp(`\\| \`${d.name}\` \\|`));
  assert.match(ref, /\| `listen` \| listen \| required \|/);
  assert.match(ref, /\| `backlog` \| number \| 512 \|/);
  assert.match(ref, /\| `hash` \| one of: one_at_a_time md5 .* \| fnv1a_64 \|/);
});
