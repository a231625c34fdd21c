// The memcache Protocol object as the core uses it: probe, connect requests, error replies in
// nutcracker's wording, and codecs that keep their own state per connection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcacheProtocol, commandTable, CommandKind } from '../../../../src/protocol/memcache/index';
import { ERRNO, type ErrnoName } from '../../../../src/proxy/errno';
import type { ClientContext } from '../../../../src/protocol/types';
import type { PoolConfig } from '../../../../src/config/types';
import { RequestRecorder, ReplyRecorder } from './scan-helpers';

const ctx = { maxKeyLength: 250 } as ClientContext;

test('the protocol is named memcache and probes servers with version', () => {
  assert.equal(memcacheProtocol.name, 'memcache');
  assert.equal(memcacheProtocol.probeRequest.toString(), 'version\r\n');
  assert.deepStrictEqual(memcacheProtocol.connectRequests({} as PoolConfig), []);
});

test('error replies are SERVER_ERROR with the strerror text, preallocated', () => {
  for (const name of Object.keys(ERRNO) as ErrnoName[]) {
    const reply = memcacheProtocol.errorReply(name);
    assert.equal(reply.toString(), `SERVER_ERROR ${ERRNO[name].text}\r\n`);
    assert.equal(memcacheProtocol.errorReply(name), reply, 'the same buffer every time');
  }
  assert.equal(memcacheProtocol.errorReply('ECONNREFUSED').toString(), 'SERVER_ERROR Connection refused\r\n');
  assert.equal(memcacheProtocol.errorReply('unknown').toString(), 'SERVER_ERROR unknown\r\n');
});

test('each client codec keeps its own partial line', () => {
  const one = memcacheProtocol.newClientCodec(ctx);
  const two = memcacheProtocol.newClientCodec(ctx);
  const r1 = new RequestRecorder();
  const r2 = new RequestRecorder();
  one.feed(Buffer.from('get al'), r1);
  two.feed(Buffer.from('get b'), r2);
  one.feed(Buffer.from('pha\r\n'), r1);
  two.feed(Buffer.from('eta\r\n'), r2);
  assert.deepStrictEqual(r1.msgs.map((m) => m.key?.toString()), ['alpha']);
  assert.deepStrictEqual(r2.msgs.map((m) => m.key?.toString()), ['beta']);
});

test('each server codec keeps its own partial value list', () => {
  const one = memcacheProtocol.newServerCodec();
  const two = memcacheProtocol.newServerCodec();
  const r1 = new ReplyRecorder();
  const r2 = new ReplyRecorder();
  one.feed(Buffer.from('VALUE a 0 1\r\n'), r1);
  two.feed(Buffer.from('STO'), r2);
  one.feed(Buffer.from('x\r\nEND\r\n'), r1);
  two.feed(Buffer.from('RED\r\n'), r2);
  assert.deepStrictEqual(r1.events.map((e) => e.event === 'reply' && e.bytes), ['VALUE a 0 1\r\nx\r\nEND\r\n']);
  assert.deepStrictEqual(r2.events.map((e) => e.event === 'reply' && e.bytes), ['STORED\r\n']);
});

test('the command table names each command once', () => {
  const names = commandTable.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  const kinds = new Set<number>(Object.values(CommandKind));
  assert.ok(commandTable.every((c) => kinds.has(c.kind)));
});
