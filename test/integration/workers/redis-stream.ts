// A seeded stream of pipelined Redis requests for the workers differential test: strings, counters,
// lists and hashes; multi-key commands the proxy splits into fragments (MGET, MSET, DEL, EXISTS);
// replies Redis makes errors (WRONGTYPE, not an integer) and ones the proxy makes (unknown command,
// wrong arity); commands the proxy answers itself (PING, ECHO); values from empty to 20 KB. The
// same seed always gives the same bytes.

import { randomBytes, rng } from '../../helpers/random';
import { resp } from '../../helpers/wire';

export interface RedisStream {
  bytes: Buffer;
  /** Requests in the stream; each gets exactly one reply. */
  count: number;
}

/** `n` requests over `prefix`-ed keys; `large` allows the occasional 20 KB value. */
export function redisStream(n: number, seed: number, prefix: string, large = true): RedisStream {
  const rnd = rng(seed);
  const int = (max: number): number => Math.floor(rnd() * max);
  const pick = <X>(xs: readonly X[]): X => xs[int(xs.length)];
  const names = (kind: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${kind}:${i}`);
  const blobs = names('b', 30);
  const counters = names('n', 10);
  const lists = names('l', 5);
  const hashes = names('h', 5);
  const all = [...blobs, ...counters, ...lists, ...hashes];
  const some = (from: readonly string[], min: number, spread: number): string[] => Array.from({ length: min + int(spread) }, () => pick(from));
  const value = (): Buffer => randomBytes(rnd, large && rnd() < 0.03 ? 20_000 : int(300));

  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.15) parts.push(resp('SET', pick(blobs), value()));
    else if (r < 0.27) parts.push(resp('GET', pick(all)));
    else if (r < 0.37) parts.push(resp('MGET', ...some(all, 2, 7)));
    else if (r < 0.42) parts.push(resp('MSET', ...some(blobs, 1, 4).flatMap((k) => [k, value()])));
    else if (r < 0.47) parts.push(resp('DEL', ...some(all, 1, 5)));
    else if (r < 0.5) parts.push(resp('EXISTS', ...some(all, 1, 4)));
    else if (r < 0.56) parts.push(resp('INCRBY', pick(counters), String(int(1000) - 500)));
    else if (r < 0.58) parts.push(resp('INCR', pick(blobs))); // not an integer, or WRONGTYPE
    else if (r < 0.63) parts.push(resp('LPUSH', pick(lists), value()));
    else if (r < 0.66) parts.push(resp('LRANGE', pick(lists), '0', String(int(5))));
    else if (r < 0.68) parts.push(resp('LPUSH', pick(blobs), 'x')); // WRONGTYPE once the key is a string
    // Small hash values: Redis keeps small hashes in insertion order; big ones in its (randomly
    // seeded, per-process) hash-table order, which would make HGETALL differ between backends.
    else if (r < 0.72) parts.push(resp('HSET', pick(hashes), `f${int(5)}`, randomBytes(rnd, int(40))));
    else if (r < 0.75) parts.push(resp('HGETALL', pick(hashes)));
    else if (r < 0.78) parts.push(resp('APPEND', pick(blobs), value()));
    else if (r < 0.8) parts.push(resp('STRLEN', pick(blobs)));
    else if (r < 0.82) parts.push(resp('SETNX', pick(blobs), value()));
    else if (r < 0.84) parts.push(resp('EXPIRE', pick(all), '100000'));
    else if (r < 0.86) parts.push(resp('PERSIST', pick(all)));
    else if (r < 0.88) parts.push(resp('TYPE', pick(all)));
    else if (r < 0.9) parts.push(resp('PING'));
    else if (r < 0.92) parts.push(resp('ECHO', value()));
    else if (r < 0.94) parts.push(resp('FOOBAR', pick(all))); // unknown to the proxy
    else if (r < 0.96) parts.push(resp('GET')); // wrong number of arguments
    else if (r < 0.98) parts.push(resp('GETSET', pick(blobs), value()));
    else parts.push(resp('MGET', ...some(all, 20, 30)));
  }
  return { bytes: Buffer.concat(parts), count: n };
}
