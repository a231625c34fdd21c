// Batches socket writes per event-loop turn. Connections that have bytes to send register here;
// one setImmediate per turn then flushes them all, so requests that many clients sent in the same
// turn reach a server in one write, and a client's replies completed in one turn leave in one write
// (a reply that leaves its client nothing outstanding does not wait: see ClientConn.onMsgDone).

export interface Flushable {
  /** True while registered for the coming flush. Owned by the flusher. */
  flushQueued: boolean;
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;

function runFlush(): void {
  // A flush may register more work (e.g. a reply completing a fragment): the loop picks it up.
  for (let i = 0; i < dirty.length; i++) {
    const f = dirty[i];
    f.flushQueued = false;
    f.flush();
  }
  dirty.length = 0;
  scheduled = false;
}

/** Ask for `f.flush()` at the end of this event-loop turn. Cheap to call repeatedly. */
export function scheduleFlush(f: Flushable): void {
  if (f.flushQueued) return;
  f.flushQueued = true;
  dirty.push(f);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runFlush);
  }
}
