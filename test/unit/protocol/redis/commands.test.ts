import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CMD_CLASS, CMD_MAX_ARGC, CMD_MIN_ARGC, CommandClass, MAX_COMMAND_NAME, REDIS_COMMANDS, commandIndex, commandName, lookupCommand,
} from '../../../../src/protocol/redis/commands';

// nutcracker 0.5.0's supported commands (spec §6.2), typed out independently of the table.
const NUTCRACKER = `
auth decr dump get getdel hgetall hkeys hlen hvals incr llen persist pttl scard smembers strlen ttl type zcard
append decrby expire expireat getbit getset hexists hget hstrlen incrby incrbyfloat lindex move pexpire pexpireat
rpoplpush setnx sismember zrank zrevrank zscore
getrange hincrby hincrbyfloat hsetnx lrange lrem lset ltrim psetex setbit setex setrange smove zcount zincrby
zlexcount zremrangebylex zremrangebyrank zremrangebyscore
linsert lmove
bitcount bitfield bitpos copy exists geoadd geodist geohash geopos georadius georadiusbymember geosearch
geosearchstore getex hdel hmget hmset hrandfield hscan hset lpop lpos lpush lpushx pfadd pfcount pfmerge restore
rpop rpush rpushx sadd sdiff sdiffstore set sinter sinterstore smismember sort spop srandmember srem sscan sunion
sunionstore zadd zdiff zdiffstore zinter zinterstore zmscore zpopmax zpopmin zrandmember zrange zrangebylex
zrangebyscore zrangestore zrem zrevrange zrevrangebylex zrevrangebyscore zscan zunion zunionstore
mget del unlink touch mset eval evalsha ping quit command lolwut
`.trim().split(/\s+/);
const OURS = ['client', 'echo', 'hello', 'info', 'select'];

test("nutcracker's list has 137 names", () => {
  assert.equal(NUTCRACKER.length, 137);
  assert.equal(new Set(NUTCRACKER).size, 137);
});

test("the table holds exactly nutcracker's 137 commands plus the ones the proxy answers", () => {
  const names = REDIS_COMMANDS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, 'no duplicate names');
  assert.deepEqual([...names].sort(), [...NUTCRACKER, ...OURS].sort());
  assert.deepEqual(REDIS_COMMANDS.filter((c) => c.nc).map((c) => c.name).sort(), [...NUTCRACKER].sort());
});

test('every name is found by lowercase bytes, and unknown or overlong names are not', () => {
  for (let i = 0; i < REDIS_COMMANDS.length; i++) {
    const b = Buffer.from(REDIS_COMMANDS[i].name);
    assert.equal(lookupCommand(b, b.length), i, REDIS_COMMANDS[i].name);
    assert.equal(commandName(i), REDIS_COMMANDS[i].name);
  }
  for (const name of ['', 'flushall', 'gets', 'ge', 'getx', 'keys', 'GET', 'x'.repeat(MAX_COMMAND_NAME + 1)]) {
    const b = Buffer.from(name);
    assert.equal(lookupCommand(b, b.length), -1, name);
  }
  // Only the first `len` bytes count.
  assert.equal(lookupCommand(Buffer.from('getrange'), 3), commandIndex('get'));
});

test('classes give the arity nutcracker enforces, with the Redis 7 optional arguments allowed', () => {
  const arity = (n: Parameters<typeof commandIndex>[0]) => [CMD_MIN_ARGC[commandIndex(n)], CMD_MAX_ARGC[commandIndex(n)]];
  assert.deepEqual(arity('get'), [2, 2]);
  assert.deepEqual(arity('hget'), [3, 3]);
  assert.deepEqual(arity('expire'), [3, 4]);
  assert.deepEqual(arity('lrange'), [4, 4]);
  assert.deepEqual(arity('linsert'), [5, 5]);
  assert.deepEqual(arity('set'), [2, -1]);
  assert.deepEqual(arity('mget'), [2, -1]);
  assert.deepEqual(arity('mset'), [3, -1]);
  assert.deepEqual(arity('eval'), [3, -1]);
  assert.deepEqual(arity('ping'), [1, 2]);
  assert.deepEqual(arity('auth'), [2, 3]);
  assert.equal(CMD_CLASS[commandIndex('exists')], CommandClass.multiKey);
  assert.equal(CMD_CLASS[commandIndex('move')], CommandClass.refused);
  assert.equal(CMD_CLASS[commandIndex('command')], CommandClass.keylessForward);
  assert.equal(commandName(-1), 'unknown');
});
