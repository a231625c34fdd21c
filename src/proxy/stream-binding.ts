// Node's internal stream_wrap binding, typed once for the modules that drive libuv stream handles
// (TCPWrap, PipeWrap) without net.Socket: client-stream.ts and handle-write.ts. It is what net.js
// itself uses, stable since Node 12.

export interface StreamBinding {
  /** Request object of a write (its `oncomplete` runs when a write that had to wait is done). */
  WriteWrap: new () => object;
  /** Request object of a shutdown (FIN). */
  ShutdownWrap: new () => object;
  /** Filled by C++ around each call: bytes read (or a negative errno) for onread, whether the last write was left pending. */
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

export const streamBinding = (process as unknown as { binding(name: string): unknown }).binding('stream_wrap') as StreamBinding;
