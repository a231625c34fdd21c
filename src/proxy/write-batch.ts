// How a batch of reply or request parts leaves in as few syscalls and copies as possible: runs of
// small parts are copied into one buffer (cheaper than many iovecs), big parts go by reference, and
// the resulting buffers leave in one write (writev when there are several).

/** Parts at least this long are written by reference: copying them would cost more than the iovec. */
const BIG_PART = 4096;
/** A run of small parts is cut into buffers of at most this many bytes. */
const COALESCE_LIMIT = 64 * 1024;

/** The buffers to write for `parts` (`total` bytes in all): one Buffer, or several for a writev. */
export function batchParts(parts: Buffer[], total: number): Buffer | Buffer[] {
  if (parts.length === 1) return parts[0];
  if (total <= COALESCE_LIMIT && !hasBigPart(parts)) return Buffer.concat(parts, total);
  const out: Buffer[] = [];
  let i = 0;
  while (i < parts.length) {
    if (parts[i].length >= BIG_PART) {
      out.push(parts[i++]);
      continue;
    }
    // A run of small parts, cut at a big part or at COALESCE_LIMIT bytes.
    let end = i;
    let bytes = 0;
    while (end < parts.length && parts[end].length < BIG_PART && bytes + parts[end].length <= COALESCE_LIMIT) bytes += parts[end++].length;
    out.push(end === i + 1 ? parts[i] : Buffer.concat(parts.slice(i, end), bytes));
    i = end;
  }
  return out.length === 1 ? out[0] : out;
}

function hasBigPart(parts: Buffer[]): boolean {
  for (let i = 0; i < parts.length; i++) if (parts[i].length >= BIG_PART) return true;
  return false;
}
