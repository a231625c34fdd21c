// The two pools every Redis client test needs, started before a file's tests and stopped after them:
// `shard`, a plain pool over 3 redis-servers, and `authed`, a redis_auth pool over 2 redis-servers that
// require the same password.

import { after, before } from 'node:test';
import { startAll, startShardedRedis, type ShardedRedis } from '../integration/redis/sharded-redis';

export interface ClientPools {
  shard: ShardedRedis;
  authed: ShardedRedis;
}

export function clientPools(password: string, shardDirectives: Record<string, string | number | boolean> = {}): ClientPools {
  const pools = {} as ClientPools;
  before(async () => {
    [pools.shard, pools.authed] = await startAll([
      startShardedRedis({ servers: 3, directives: shardDirectives }),
      startShardedRedis({ servers: 2, directives: { redis_auth: password }, backend: { password } }),
    ]);
  });
  after(async () => {
    await Promise.all([pools.shard?.stop(), pools.authed?.stop()]);
  });
  return pools;
}
