// Hash-tag extraction (spec §5 step 2): which bytes of a key are hashed when a pool sets `hash_tag`.
// First `left` byte, then the first `right` byte after it; a non-empty span between them is hashed,
// otherwise (no left, no right after it, or an empty tag) the whole key is. Bytes, no escaping; the two
// tag bytes may be equal. Writes into a caller-owned span so the request path allocates nothing.

/**
 * Narrow buf[start, end) to the part to hash: span[0] = first byte, span[1] = end (exclusive).
 * `left`/`right` are the two tag bytes (0..255).
 */
export function hashTag(
  buf: Uint8Array,
  start: number,
  end: number,
  left: number,
  right: number,
  span: Int32Array,
): void {
  span[0] = start;
  span[1] = end;
  // Bounded loops rather than indexOf: a key usually sits inside a large receive buffer, and indexOf
  // would scan past `end` to the end of that buffer whenever the tag byte is absent from the key.
  let l = start;
  while (l < end && buf[l] !== left) l++;
  if (l === end) return;
  let r = l + 1;
  while (r < end && buf[r] !== right) r++;
  if (r === end || r === l + 1) return;
  span[0] = l + 1;
  span[1] = r;
}
