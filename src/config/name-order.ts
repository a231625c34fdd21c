// nutcracker's order for server and pool names (string_compare, spec §2.7): shorter first, equal
// lengths by bytes. The validator sorts servers with it, so it fixes the server index that modula
// and random distribution use and the ketama tie-break; pools are sorted the same way (stats order).

/** Negative if `a` sorts first, 0 if equal, positive otherwise (lengths and bytes of UTF-8). */
export function compareNames(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}
