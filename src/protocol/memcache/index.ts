// The memcached ASCII protocol as the core sees it (src/protocol/types.ts): request and reply scanners,
// proxy-made error replies, and multi-get split/merge. No connect-time requests; `version` proves a
// server is alive. Details of each part are in its own module.

import type { ErrnoName } from '../../proxy/errno';
import type { Protocol } from '../types';
import { localReplies } from './local-replies';
import { mergeMultiGet, splitMultiGet } from './multi-get';
import { ReplyScanner } from './reply-scanner';
import { RequestScanner } from './request-scanner';

const PROBE = Buffer.from('version\r\n', 'latin1');

export const memcacheProtocol: Protocol = {
  name: 'memcache',
  newClientCodec: (ctx) => new RequestScanner(ctx),
  newServerCodec: () => new ReplyScanner(),
  connectRequests: () => [],
  probeRequest: PROBE,
  errorReply: (err: ErrnoName) => localReplies.serverError(err),
  split: splitMultiGet,
  merge: mergeMultiGet,
};

export { commandTable, CommandKind } from './command-table';
