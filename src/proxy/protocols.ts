// Which wire protocol a pool speaks (`redis: true|false`).

import type { PoolConfig } from '../config/types';
import { memcacheProtocol } from '../protocol/memcache/index';
import { redisProtocol } from '../protocol/redis/index';
import type { Protocol } from '../protocol/types';

export function protocolFor(pool: PoolConfig): Protocol {
  return pool.redis ? redisProtocol : memcacheProtocol;
}
