import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsgAction } from '../../../../src/proxy/msg';
import { REDIS_COMMANDS } from '../../../../src/protocol/redis/commands';
import { resp } from '../../../helpers/wire';
import { makeCtx, scanAllWays, type SeenRequests } from './feed';

const A = MsgAction;
const withAuth = () => makeCtx({ redisAuth: 's3cret' });
const replies = (r: SeenRequests) => r.requests.map((q) => q.reply);

test('PING answers +PONG locally, PING msg echoes msg as a bulk', () => {
  const r = scanAllWays(Buffer.concat([resp('PING'), resp('ping', 'hello there'), resp('PING', 'a', 'b')]));
  assert.deepEqual(replies(r), ['+PONG\r\n', '$11\r\nhello there\r\n', "-ERR wrong number of arguments for 'ping' command\r\n"]);
  assert.ok(r.requests.every((q) => q.action === A.local && q.msg.done));
});

test('QUIT answers +OK, asks for the close, and nothing after it is read', () => {
  const r = scanAllWays(Buffer.concat([resp('GET', 'a'), resp('QUIT'), resp('GET', 'b'), Buffer.from('*x garbage')]));
  assert.equal(r.requests.length, 2);
  assert.equal(r.requests[1].reply, '+OK\r\n');
  assert.equal(r.requests[1].closeAfter, true);
  assert.equal(r.requests[1].action, A.local);
  assert.equal(r.framing.length, 0);
});

test('AUTH without redis_auth gets nutcracker\'s exact error', () => {
  const r = scanAllWays(resp('AUTH', 'x'));
  assert.deepEqual(replies(r), ['-ERR Client sent AUTH, but no password is set\r\n']);
});

test('with redis_auth every command but AUTH, HELLO and QUIT gets -NOAUTH until authenticated', () => {
  const r = scanAllWays(Buffer.concat([resp('GET', 'a'), resp('PING'), resp('MGET', 'a', 'b'), resp('ECHO', 'x'), resp('COMMAND')]), withAuth);
  assert.deepEqual(replies(r), Array(5).fill('-NOAUTH Authentication required\r\n'));
  assert.ok(r.requests.every((q) => q.action === A.local));
  const quit = scanAllWays(resp('QUIT'), withAuth);
  assert.deepEqual(replies(quit), ['+OK\r\n']);
  assert.equal(quit.requests[0].closeAfter, true);
});

test('unknown commands and arity errors are reported before -NOAUTH, as Redis orders them', () => {
  const r = scanAllWays(Buffer.concat([resp('FLUSHALL'), resp('GET')]), withAuth);
  assert.deepEqual(replies(r), ["-ERR unsupported command 'FLUSHALL'\r\n", "-ERR wrong number of arguments for 'get' command\r\n"]);
});

test('a right password authenticates, a wrong one after it de-authenticates', () => {
  const r = scanAllWays(Buffer.concat([
    resp('AUTH', 'wrong'), resp('GET', 'a'), resp('auth', 's3cret'), resp('GET', 'a'), resp('AUTH', 's3cre'), resp('GET', 'a'),
  ]), withAuth);
  assert.deepEqual(replies(r), [
    '-ERR invalid password\r\n', '-NOAUTH Authentication required\r\n', '+OK\r\n', null, '-ERR invalid password\r\n',
    '-NOAUTH Authentication required\r\n',
  ]);
  assert.equal(r.requests[3].action, A.forward);
});

test('AUTH default <password> is AUTH <password>; other users are refused like Redis ACLs', () => {
  const r = scanAllWays(Buffer.concat([resp('AUTH', 'default', 's3cret'), resp('GET', 'a'), resp('AUTH', 'bob', 's3cret'), resp('GET', 'a')]), withAuth);
  assert.deepEqual(replies(r), ['+OK\r\n', null, '-WRONGPASS invalid username-password pair or user is disabled.\r\n', '-NOAUTH Authentication required\r\n']);
  const noAuth = scanAllWays(resp('AUTH', 'default', 'x'));
  assert.deepEqual(replies(noAuth), ['-ERR Client sent AUTH, but no password is set\r\n']);
  const arity = scanAllWays(resp('AUTH', 'a', 'b', 'c'), withAuth);
  assert.deepEqual(replies(arity), ["-ERR wrong number of arguments for 'auth' command\r\n"]);
});

test('before AUTH, big requests are refused as Redis does (framing error)', () => {
  const many = scanAllWays(resp('MGET', ...'abcdefghijk'.split('')), withAuth);
  assert.match(many.framing[0]?.reply ?? '', /unauthenticated multibulk length/);
  const big = scanAllWays(resp('AUTH', 'x'.repeat(16385)), withAuth);
  assert.match(big.framing[0]?.reply ?? '', /unauthenticated bulk length/);
  const after = scanAllWays(Buffer.concat([resp('AUTH', 's3cret'), resp('MGET', ...'abcdefghijk'.split(''))]), withAuth);
  assert.equal(after.requests[1].action, A.split);
});

const HELLO_MAP =
  '*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:42\r\n' +
  '$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n';

test('HELLO and HELLO 2 answer a RESP2 map; HELLO 3 gets -NOPROTO', () => {
  const r = scanAllWays(Buffer.concat([resp('HELLO'), resp('hello', '2'), resp('HELLO', '3'), resp('HELLO', 'x'), resp('HELLO', '2', 'FOO')]));
  assert.deepEqual(replies(r), [
    HELLO_MAP, HELLO_MAP, '-NOPROTO unsupported protocol version\r\n', '-ERR Protocol version is not an integer or out of range\r\n',
    "-ERR Syntax error in HELLO option 'FOO'\r\n",
  ]);
});

test('HELLO 2 AUTH authenticates and SETNAME names the connection', () => {
  const r = scanAllWays(Buffer.concat([
    resp('HELLO', '2'), resp('HELLO', '2', 'AUTH', 'default', 'bad'), resp('HELLO', '2', 'AUTH', 'default', 's3cret', 'SETNAME', 'app'),
    resp('CLIENT', 'GETNAME'),
  ]), withAuth);
  assert.match(r.requests[0].reply ?? '', /^-NOAUTH HELLO must be called with the client already authenticated/);
  assert.equal(r.requests[1].reply, '-ERR invalid password\r\n');
  assert.equal(r.requests[2].reply, HELLO_MAP);
  assert.equal(r.requests[3].reply, '$3\r\napp\r\n');
});

test('CLIENT SETNAME, GETNAME, SETINFO and ID are answered locally; other subcommands are refused', () => {
  const r = scanAllWays(Buffer.concat([
    resp('CLIENT', 'GETNAME'), resp('client', 'setname', 'worker-1'), resp('CLIENT', 'GETNAME'), resp('CLIENT', 'SETNAME', 'a b'),
    resp('CLIENT', 'SETINFO', 'LIB-NAME', 'ioredis'), resp('CLIENT', 'SETINFO', 'lib-ver', '5.0'), resp('CLIENT', 'SETINFO', 'color', 'x'),
    resp('CLIENT', 'ID'), resp('CLIENT', 'KILL', 'x'), resp('CLIENT', 'SETNAME'), resp('CLIENT', 'SETNAME', ''), resp('CLIENT', 'GETNAME'),
    resp('CLIENT'),
  ]));
  assert.deepEqual(replies(r), [
    '$-1\r\n', '+OK\r\n', '$8\r\nworker-1\r\n', '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
    '+OK\r\n', '+OK\r\n', "-ERR Unrecognized option 'color'\r\n", ':42\r\n', "-ERR unsupported CLIENT subcommand 'KILL'\r\n",
    "-ERR wrong number of arguments for 'client|setname' command\r\n", '+OK\r\n', '$-1\r\n',
    "-ERR wrong number of arguments for 'client' command\r\n",
  ]);
});

test("SELECT is accepted only for the pool's redis_db", () => {
  const r = scanAllWays(Buffer.concat([resp('SELECT', '0'), resp('SELECT', '1'), resp('SELECT', 'x')]));
  assert.deepEqual(replies(r), ['+OK\r\n', '-ERR SELECT is not allowed through the proxy (pool uses db 0)\r\n', '-ERR value is not an integer or out of range\r\n']);
  const db3 = scanAllWays(Buffer.concat([resp('SELECT', '3'), resp('select', '0')]), () => makeCtx({ redisDb: 3 }));
  assert.deepEqual(replies(db3), ['+OK\r\n', '-ERR SELECT is not allowed through the proxy (pool uses db 3)\r\n']);
});

test('ECHO answers its argument as a bulk, binary safe', () => {
  const r = scanAllWays(Buffer.concat([resp('ECHO', 'a\r\nb'), resp('ECHO', '')]));
  assert.deepEqual(replies(r), ['$4\r\na\r\nb\r\n', '$0\r\n\r\n']);
});

/** Decode a bulk reply and check it is well-formed INFO text. */
function infoText(reply: string | null): string {
  const m = /^\$(\d+)\r\n([\s\S]*)\r\n$/.exec(reply ?? '');
  assert.ok(m, 'a bulk reply');
  assert.equal(Buffer.byteLength(m[2], 'latin1'), Number(m[1]));
  for (const line of m[2].split('\r\n')) assert.match(line, /^(|# \w+|[\w.-]+:[^\r\n]*)$/, `INFO line '${line}'`);
  return m[2];
}

test('INFO answers Redis-format text with the fields client ready checks read', () => {
  const r = scanAllWays(resp('INFO'));
  const text = infoText(r.requests[0].reply);
  assert.match(text, /^# Server\r\nredis_version:7\.0\.0\r\n/);
  assert.match(text, /\r\nloading:0\r\n/);
  assert.match(text, /\r\n# Proxy\r\nname:twemproxy-ts\r\nversion:0\.1\.0\r\nuptime:5\r\n/);
  assert.match(text, /\r\nrole:master\r\n/);
});

test('INFO <section> answers only that section', () => {
  const r = scanAllWays(Buffer.concat([resp('INFO', 'persistence'), resp('INFO', 'nosuch'), resp('INFO', 'ALL')]));
  assert.equal(infoText(r.requests[0].reply), '# Persistence\r\nloading:0\r\n');
  assert.equal(r.requests[1].reply, '$0\r\n\r\n');
  assert.match(infoText(r.requests[2].reply), /# Server[\s\S]*# Replication/);
});

test('COMMAND COUNT and LIST describe the proxy; COMMAND DOCS is an empty map', () => {
  const supported = REDIS_COMMANDS.filter((c) => c.name !== 'move');
  const r = scanAllWays(Buffer.concat([resp('COMMAND', 'COUNT'), resp('command', 'docs'), resp('COMMAND', 'LIST')]));
  assert.equal(r.requests[0].reply, `:${supported.length}\r\n`);
  assert.equal(r.requests[1].reply, '*0\r\n');
  const list = r.requests[2].reply ?? '';
  assert.ok(list.startsWith(`*${supported.length}\r\n$4\r\nauth\r\n`));
  assert.ok(!list.includes('\r\nmove\r\n'));
  assert.ok(list.includes('\r\nlmove\r\n'));
});
