// Completion of requests: the one place where a finished Msg (reply arrived, or failed) is handed
// back to whoever waits for it — the client connection, or, for a fragment, its parent request,
// which is merged by the protocol once its last fragment is done.

import type { Protocol } from '../protocol/types';
import type { ErrnoName } from './errno';
import type { Msg } from './msg';

/** Whoever waits for a request's reply (a client connection). */
export interface MsgOwner {
  onMsgDone(msg: Msg): void;
  /**
   * A server reply of `bytes` arrived for one of its requests (or fragments) and is held until it
   * can be written: counted against the owner's limit on unwritten reply bytes.
   */
  onReplyHeld(bytes: number): void;
}

/** Hand a finished request to its waiter. Fragments complete their parent when they are the last. */
export function completeMsg(msg: Msg, protocol: Protocol): void {
  msg.done = true;
  const parent = msg.parent;
  if (parent !== null) {
    if (--parent.pending > 0) return;
    protocol.merge(parent);
    parent.done = true;
    const owner = parent.owner as MsgOwner | null;
    if (owner !== null) owner.onMsgDone(parent);
    return;
  }
  const owner = msg.owner as MsgOwner | null;
  if (owner !== null) owner.onMsgDone(msg);
}

/** Fail a request inside the proxy: the client gets protocol.errorReply(err) in its place. */
export function failMsg(msg: Msg, err: ErrnoName, protocol: Protocol): void {
  msg.err = err;
  msg.reply = null;
  completeMsg(msg, protocol);
}
