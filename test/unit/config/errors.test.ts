// The problem table: every code is produced by some input (so none is dead or undocumented), every
// message is filled completely and names its line, and problem() keeps pool and directive.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_PROBLEMS, problem, type ProblemCode } from '../../../src/config/errors';
import { checkConfig, checkConfigText } from '../../../src/config/load';

const S = '  servers:\n    - 127.0.0.1:6379:1\n';
const P = (extra: string, listen = '127.0.0.1:22121'): string => `alpha:\n  listen: ${listen}\n${extra}${S}`;

/** For every code, a file that has that problem (and, where possible, no other). */
const EXAMPLES: Record<Exclude<ProblemCode, 'CONF_OPEN_FAILED'>, string | Buffer> = {
  CONF_ENCODING: Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]),
  CONF_YAML_SYNTAX: 'a:\n  b: "unterminated\n',
  CONF_DOCUMENT_COUNT: '',
  CONF_DISALLOWED_TOKEN: `---\n${P('')}`,
  CONF_ROOT_SCALAR: 'alpha\n',
  CONF_SEQUENCE_DEPTH: '- alpha\n',
  CONF_POOL_KEY_NOT_SCALAR: '? a: b\n: c: d\n',
  CONF_POOL_NOT_MAPPING: `${P('')}beta: 1\n`,
  CONF_TOO_DEEP: P('  hash:\n    x: y\n'),
  CONF_KEY_NOT_SCALAR: 'alpha:\n  ? - k\n  : v\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n',
  CONF_SECOND_SEQUENCE: P('  hash:\n    - md5\n'),
  CONF_MISSING_SEQUENCE: 'alpha:\n  listen: 127.0.0.1:22121\n',
  CONF_EMPTY_POOL_NAME: `"":\n  listen: 127.0.0.1:22121\n${S}`,
  CONF_EMPTY_DIRECTIVE_NAME: P('  "": x\n'),
  CONF_EMPTY_VALUE: P('  hash: ""\n'),
  CONF_UNKNOWN_DIRECTIVE: P('  sentinels: x\n'),
  CONF_DUPLICATE_DIRECTIVE: P('  hash: md5\n  hash: md5\n'),
  CONF_NOT_A_NUMBER: P('  timeout: -1\n'),
  CONF_NOT_A_BOOL: P('  redis: yes\n'),
  CONF_INVALID_HASH: P('  hash: fnv2\n'),
  CONF_INVALID_DISTRIBUTION: P('  distribution: ring\n'),
  CONF_INVALID_HASH_TAG: P('  hash_tag: "{"\n'),
  CONF_LISTEN_FORMAT: P('', '127.0.0.1'),
  CONF_LISTEN_PORT: P('', '127.0.0.1:0'),
  CONF_LISTEN_PERM: P('', '"/tmp/x.sock 1000"'),
  CONF_LISTEN_PATH_TOO_LONG: P('', `/${'a'.repeat(200)}`),
  CONF_LISTEN_UNRESOLVABLE: P('', 'nonexistent.invalid:22121'),
  CONF_SERVER_FORMAT: 'alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379\n',
  CONF_SERVER_WEIGHT: 'alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:x\n',
  CONF_SERVER_ZERO_WEIGHT: 'alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:0\n',
  CONF_SERVER_PORT: 'alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:0:1\n',
  CONF_LISTEN_MISSING: `alpha:\n${S}`,
  CONF_SERVER_CONNECTIONS_ZERO: P('  server_connections: 0\n'),
  CONF_REDIS_AUTH_NOT_REDIS: P('  redis_auth: pw\n'),
  CONF_NO_SERVERS: 'alpha:\n  listen: 127.0.0.1:22121\n  hash:\n    - md5\n',
  CONF_DUPLICATE_SERVER: `${P('')}    - 127.0.0.1:6379:2\n`,
  CONF_DUPLICATE_LISTEN: `${P('')}${P('').replace('alpha', 'beta')}`,
  CONF_DUPLICATE_POOL: `${P('')}${P('', '127.0.0.1:22122')}`,
};

test('every problem code is produced by an input, with a complete message', () => {
  for (const code of Object.keys(EXAMPLES) as (keyof typeof EXAMPLES)[]) {
    const r = checkConfigText(EXAMPLES[code], 't.yml');
    assert.equal(r.config, null, code);
    const found = r.problems.find((p) => p.code === code);
    assert.ok(found, `${code} not produced; got ${r.problems.map((p) => p.code).join(', ')}`);
    assert.doesNotMatch(found.message, /\{\w+\}|undefined/, code);
    assert.match(found.message, /^conf: /, code);
    if (found.line !== undefined) assert.ok(found.message.endsWith(` (line ${found.line})`), code);
  }
});

test('every code in the table has an example above, and the open failure is produced too', () => {
  const covered = [...Object.keys(EXAMPLES), 'CONF_OPEN_FAILED'].sort();
  assert.deepEqual(Object.keys(CONFIG_PROBLEMS).sort(), covered);
  const r = checkConfig(join(tmpdir(), 'twemproxy-ts-missing', 'x.yml'));
  assert.equal(r.problems[0].code, 'CONF_OPEN_FAILED');
});

test('the brief example reads exactly as specified', () => {
  const r = checkConfigText(P('  hash: fnv2\n'), 't.yml');
  assert.deepEqual(r.problems, [
    {
      code: 'CONF_INVALID_HASH',
      message:
        `conf: pool 'alpha' directive "hash": 'fnv2' is not a valid hash (one of: one_at_a_time md5 crc16 crc32 crc32a ` +
        'fnv1_64 fnv1a_64 fnv1_32 fnv1a_32 hsieh murmur jenkins) (line 3)',
      line: 3,
      pool: 'alpha',
      directive: 'hash',
    },
  ]);
});

test('problem() fills placeholders, appends the line and keeps pool and directive', () => {
  assert.deepEqual(problem('CONF_DUPLICATE_DIRECTIVE', { pool: 'p', directive: 'hash' }, 7), {
    code: 'CONF_DUPLICATE_DIRECTIVE',
    message: `conf: pool 'p' directive "hash" is a duplicate (line 7)`,
    line: 7,
    pool: 'p',
    directive: 'hash',
  });
  assert.deepEqual(problem('CONF_DOCUMENT_COUNT', { file: 'f.yml', count: 0 }), {
    code: 'CONF_DOCUMENT_COUNT',
    message: "conf: 'f.yml' must contain only 1 document; found 0 documents",
  });
});

test('messages keep nutcracker wording so its documentation still applies', () => {
  const nutcracker: [ProblemCode, string][] = [
    ['CONF_DOCUMENT_COUNT', 'must contain only 1 document; found'],
    ['CONF_TOO_DEEP', 'has a depth greater than 2'],
    ['CONF_MISSING_SEQUENCE', 'missing sequence directive at depth 2'],
    ['CONF_SECOND_SEQUENCE', 'has more than one sequence directive'],
    ['CONF_NOT_A_NUMBER', 'is not a number'],
    ['CONF_NOT_A_BOOL', 'is not "true" or "false"'],
    ['CONF_INVALID_HASH_TAG', 'is not a valid hash tag string with two characters'],
    ['CONF_LISTEN_PERM', 'has an invalid file permission in "socket_path permission" format string'],
    ['CONF_SERVER_ZERO_WEIGHT', 'has a zero weight in "hostname:port:weight [name]" format string'],
    ['CONF_DUPLICATE_SERVER', 'has servers with same name'],
    ['CONF_DUPLICATE_LISTEN', 'have the same listen address'],
  ];
  for (const [code, words] of nutcracker) assert.ok(CONFIG_PROBLEMS[code].includes(words), code);
});
