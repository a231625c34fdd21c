// Binding the stats and metrics listeners, with start-up errors worded like nutcracker's
// (`bind ... to stats server addr '<addr>:<port>' failed: Address already in use`, spec §3.3 step 10).
// Shared by stats-server.ts and metrics-server.ts so both fail the same way.

import type { Server } from 'node:net';
import { strerror } from '../log/strerror';

/** A start-up error of a stats listener; `code` is the system error code (e.g. 'EADDRINUSE'). */
export class ListenError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
    this.name = 'ListenError';
  }
}

/**
 * Listen on addr:port (port 0 = any free port) and resolve with the bound port. `what` names the
 * listener in the error, e.g. "stats server". nutcracker's message also carries the socket's fd
 * ("bind on m 5 to ..."); Node does not expose it before a successful bind, so it is left out.
 */
export function listenOn(server: Server, addr: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new ListenError(`bind to ${what} addr '${addr}:${port}' failed: ${strerror(err)}`, err.code));
    };
    server.once('error', onError);
    server.listen({ host: addr, port, exclusive: true }, () => {
      server.removeListener('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
}
