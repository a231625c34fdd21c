// Free TCP ports for tests: a port on 127.0.0.1 that can be bound right now, then released. Ports are
// drawn from below the kernel's ephemeral range (ip_local_port_range), so the local port of some
// outgoing connection cannot take it between this check and the caller's bind — with hundreds of
// connections per test file, that race did happen with ports from listen(0). Only probably still free
// when the caller binds it, so helpers that spawn servers still retry on "address in use".
// occupyPort() keeps one busy on purpose, for tests of what happens when a port is taken.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port of the kernel's ephemeral range (Linux default 32768). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 2048 ? first : 32768;
  } catch {
    return 32768;
  }
}

const LOW = 10000;
const HIGH = Math.max(LOW + 1000, ephemeralStart());

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1, outside the ephemeral range, that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await tryBind(port)) return port;
  }
  throw new Error(`no free port found in ${LOW}..${HIGH - 1}`);
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
