// Free TCP ports for tests: ask the kernel for an ephemeral port on 127.0.0.1, then release it.
// The port is only *probably* still free when the caller binds it, so every helper that spawns a
// server on such a port retries with a fresh one on "address in use". occupyPort() keeps one busy
// on purpose, for tests of what happens when a port is taken.

import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (listen(0), read the port, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('listen(0) gave no port'))));
    });
  });
}

/** A port on 127.0.0.1 held by a listening server until release(): for "address in use" tests. */
export async function occupyPort(): Promise<{ port: number; release(): Promise<void> }> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { port, release: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}
