import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO, type ErrnoName } from '../../../../src/proxy/errno';
import { redisProtocol } from '../../../../src/protocol/redis/index';
import { makePool } from './feed';

test('new server connections send AUTH before SELECT', () => {
  const reqs = redisProtocol.connectRequests(makePool({ redisAuth: 'pw', redisDb: 12 })).map((b) => b.toString());
  assert.deepEqual(reqs, ['*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n', '*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n']);
});

test('AUTH and SELECT are sent only when configured (db 0 needs no SELECT)', () => {
  assert.deepEqual(redisProtocol.connectRequests(makePool()), []);
  assert.deepEqual(redisProtocol.connectRequests(makePool({ redisDb: 1 })).map(String), ['*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n']);
  assert.deepEqual(redisProtocol.connectRequests(makePool({ redisAuth: 'pässwörd' })).map(String), ['*2\r\n$4\r\nAUTH\r\n$10\r\npässwörd\r\n']);
});

test('the probe is a PING', () => {
  assert.equal(redisProtocol.probeRequest.toString(), '*1\r\n$4\r\nPING\r\n');
});

test('every errno has its -ERR <strerror> reply, built once', () => {
  for (const name of Object.keys(ERRNO) as ErrnoName[]) {
    assert.equal(redisProtocol.errorReply(name).toString(), `-ERR ${ERRNO[name].text}\r\n`);
    assert.equal(redisProtocol.errorReply(name), redisProtocol.errorReply(name), 'same buffer every time');
  }
  assert.equal(redisProtocol.errorReply('ECONNREFUSED').toString(), '-ERR Connection refused\r\n');
  assert.equal(redisProtocol.errorReply('unknown').toString(), '-ERR unknown\r\n');
});
