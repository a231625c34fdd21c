// The Redis protocol as the core sees it (src/protocol/types.ts): request and reply scanners,
// the requests every new server connection starts with, the probe, error replies, split and merge.
// Each piece lives in its own module; this file only assembles them.

import type { PoolConfig } from '../../config/types';
import type { Protocol } from '../types';
import { toResp } from './inline';
import { merge } from './merge';
import { errnoReply } from './replies';
import { RedisReplyScanner } from './reply-scanner';
import { RedisRequestScanner } from './request-scanner';
import { split } from './split';

function command(...args: string[]): Buffer {
  return toResp(args.map((a) => Buffer.from(a, 'utf8')));
}

export const redisProtocol: Protocol = {
  name: 'redis',
  newClientCodec: (ctx) => new RedisRequestScanner(ctx),
  newServerCodec: () => new RedisReplyScanner(),
  /** AUTH first, then SELECT: nutcracker sends SELECT first, which fails with NOAUTH (spec §6.8 bug 1). */
  connectRequests(pool: PoolConfig): Buffer[] {
    const out: Buffer[] = [];
    if (pool.redisAuth !== null) out.push(command('AUTH', pool.redisAuth));
    if (pool.redisDb > 0) out.push(command('SELECT', String(pool.redisDb)));
    return out;
  },
  probeRequest: Buffer.from('*1\r\n$4\r\nPING\r\n'),
  errorReply: errnoReply,
  split,
  merge,
};
