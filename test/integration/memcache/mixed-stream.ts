// Seeded streams of mixed memcached requests for pipeline and differential tests: every storage
// command, incr/decr, touch, delete, single and multi-key get and gat, version, noreply variants,
// binary values of up to 8 KB. The same seed always gives the same bytes, so a failure reproduces.

import { preview } from '../../helpers/frame-length';
import { randomBytes, rng } from '../../helpers/random';
import { memcacheWire as mc } from './memcache-wire';

export interface MixedStream {
  bytes: Buffer;
  /** A short description of each request that expects a reply, in order. */
  answered: string[];
}

export interface MixedStreamOptions {
  /** Multi-key get (default true). nutcracker reorders their values around missing keys. */
  multiGet?: boolean;
  /** gat (default true). nutcracker does not support it. */
  gat?: boolean;
}

/**
 * `n` requests over `prefix`-ed keys: 100 blobs (random binary values) and 40 counters (numbers).
 * Requests memcached would answer even with noreply (errors) are never sent with noreply, so a proxy
 * that expects no reply to them reads the same stream as memcached does.
 */
export function mixedStream(n: number, seed: number, prefix: string, opts: MixedStreamOptions = {}): MixedStream {
  const multiGet = opts.multiGet ?? true;
  const gat = opts.gat ?? true;
  const rnd = rng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)];
  const int = (max: number): number => Math.floor(rnd() * max);
  const blobs = Array.from({ length: 100 }, (_, i) => `${prefix}b:${i}`);
  const counters = Array.from({ length: 40 }, (_, i) => `${prefix}n:${i}`);
  const all = [...blobs, ...counters];
  const parts: Buffer[] = [];
  const answered: string[] = [];
  const push = (request: Buffer, noreply: boolean): void => {
    parts.push(request);
    if (!noreply) answered.push(preview(request, 80));
  };
  const keys = (min: number, spread: number): string[] => Array.from({ length: multiGet ? min + int(spread) : 1 }, () => pick(all));
  const tail = (noreply: boolean): string[] => (noreply ? ['noreply'] : []);
  for (let i = 0; i < n; i++) {
    const noreply = rnd() < 0.2;
    const r = rnd();
    const value = (): Buffer => randomBytes(rnd, rnd() < 0.05 ? 2000 + int(6000) : int(200));
    if (r < 0.15) push(mc.store('set', pick(blobs), value(), { flags: int(65536), noreply }), noreply);
    else if (r < 0.3) push(mc.store(pick(['add', 'replace', 'append', 'prepend']), pick(blobs), value(), { noreply }), noreply);
    else if (r < 0.35) push(mc.store('set', pick(counters), String(int(1_000_000)), { noreply }), noreply);
    else if (r < 0.45) push(mc.line(pick(['incr', 'decr']), pick(counters), int(1000), ...tail(noreply)), noreply);
    else if (r < 0.47) push(mc.line('incr', pick(blobs), 1), false); // non-numeric: CLIENT_ERROR from memcached
    else if (r < 0.54) push(mc.line('delete', pick(all), ...tail(noreply)), noreply);
    else if (r < 0.58) push(mc.line('touch', pick(all), pick([0, 1000, -1]), ...tail(noreply)), noreply);
    else if (r < 0.78) push(mc.line('get', pick(all)), false);
    else if (r < 0.93) push(mc.line('get', ...keys(2, 6)), false);
    else if (r < 0.97 && gat) push(mc.line('gat', pick([0, 1000]), ...keys(1, 4)), false);
    else if (r < 0.98) push(mc.line('version'), false);
    else push(mc.line('get', `${prefix}never:${i}`), false);
  }
  return { bytes: Buffer.concat(parts), answered };
}
