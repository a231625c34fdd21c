// The health probe for an ejected server (our improvement over nutcracker, which puts an ejected
// server back blindly after server_retry_timeout and lets client requests find out). A probe is its
// own short-lived connection: connect, send the protocol's probe (PING / version), wait for one
// well-formed, non-failure reply. Probes are rare, so a timer per probe is fine here.

import * as net from 'node:net';
import type { Address } from '../config/types';
import type { Protocol, ReplySink } from '../protocol/types';

/** How long a probe may take when the pool sets no `timeout`. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1000;

/**
 * Start a probe; `done` is called once with the outcome. Returns a function that abandons the probe
 * (closes its socket and timer, `done` is not called): a pool being closed must not leave a probe
 * holding a socket and a timer for up to `timeoutMs` (found by test/integration/liveness/release).
 */
export function probeServer(address: Address, protocol: Protocol, timeoutMs: number, done: (ok: boolean) => void): () => void {
  const socket = address.path !== null ? net.connect({ path: address.path }) : net.connect({ host: address.host, port: address.port });
  const codec = protocol.newServerCodec();
  let finished = false;
  /** Release the socket and timer once; true for the call that did it. */
  const stop = (): boolean => {
    if (finished) return false;
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    return true;
  };
  const finish = (ok: boolean): void => {
    if (stop()) done(ok);
  };
  const sink: ReplySink = {
    onReply: (_parts, _bytes, _type, failure) => finish(!failure),
    onProtocolError: () => finish(false),
  };
  const timer = setTimeout(() => finish(false), timeoutMs);
  socket.on('connect', () => socket.write(protocol.probeRequest));
  socket.on('data', (chunk: Buffer) => codec.feed(chunk, sink));
  socket.on('error', () => finish(false));
  socket.on('close', () => finish(false));
  return () => {
    stop();
  };
}
