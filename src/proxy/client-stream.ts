// A client connection's socket, driven directly on its libuv handle instead of through net.Socket.
//
// Why: a net.Socket is a Duplex stream — an EventEmitter with Readable and Writable state, several
// closures and nextTick hops — and building and destroying one is most of what accepting a client
// costs in Node (about 70 µs of ~110 µs per connect/close on our bench machine; nutcracker spends
// ~35 µs in all). Our clients need far less: reads handed to the codec, batched writes, half-close,
// pause/resume and close. So net.Server keeps doing what it is good at (binding, cluster's shared
// listeners for --workers, close), while takeOverAccepts() receives each accepted handle before a
// net.Socket is made for it, and a ClientStream drives it with the same calls net.Socket makes
// (readStart/readStop, writeBuffer/writev, shutdown, close).
//
// The handle API is Node's internal stream_wrap binding (stream-binding.ts); a TLS listener will need
// a ClientStream over a TLSSocket instead, with the same surface.

import * as net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { SocketReader } from './socket-reader';
import { WRITE_PENDING, writeParts, type WritableHandle, type WriteOwner } from './handle-write';
import { streamBinding } from './stream-binding';

/** What a libuv stream handle (TCPWrap or PipeWrap) offers to JavaScript. */
interface StreamHandle extends WritableHandle {
  onread: (this: StreamHandle) => Uint8Array | undefined;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buf: Uint8Array): void;
  shutdown(req: ShutdownReq): number;
  /** Closes the descriptor at once (uv_close); only a callback, which we never pass, waits for the loop. */
  close(): void;
  setNoDelay?(on: boolean): number;
  setKeepAlive?(on: boolean, delaySeconds: number): number;
  [OWNER]?: ClientStream;
}

interface ShutdownReq {
  handle: StreamHandle;
  oncomplete: (this: ShutdownReq, status: number) => void;
  [OWNER]?: ClientStream;
}

const { streamBaseState, kReadBytesOrError } = streamBinding;
const ShutdownWrap = streamBinding.ShutdownWrap as new () => ShutdownReq;
const { UV_EOF, UV_ENOTCONN } = (process as unknown as { binding(name: string): { UV_EOF: number; UV_ENOTCONN: number } }).binding('uv');

const OWNER = Symbol('clientStream');

/** What the connection hears from its stream. */
export interface ClientStreamEvents {
  onData(chunk: Buffer): void;
  /** The client half-closed its side (read EOF). Writing still works. */
  onEnd(): void;
  /** Every write handed to the kernel has completed (only after a write that could not complete at once). */
  onDrain(): void;
  /** The handle is closed (called from within destroy()): after destroy(), after end() once the client closed too, or on an error. */
  onClose(hadError: boolean): void;
  /** A markIdle() made while a read was being handled could not hold: make it again if it still does. */
  onIdleRetry(): void;
}

export class ClientStream implements WriteOwner {
  /** Bytes written but not yet taken by the kernel (net.Socket's writableLength). */
  writableLength = 0;
  private readonly reader: SocketReader;
  private current: Buffer;
  private reading = false;
  private paused = false;
  private readEnded = false;
  private ending = false;
  private shutDown = false;
  private destroyed = false;
  private hadError = false;

  constructor(
    private readonly handle: StreamHandle,
    private readonly events: ClientStreamEvents,
  ) {
    handle[OWNER] = this;
    handle.onread = onRead;
    this.reader = new SocketReader((chunk) => events.onData(chunk), undefined, () => events.onIdleRetry());
    this.current = this.reader.buffer();
    handle.useUserBuffer(this.current);
  }

  /** Start reading (once the owner holds this stream: a failure here is reported through onClose). */
  start(): void {
    this.startReading();
  }

  setKeepAlive(on: boolean): void {
    if (this.handle.setKeepAlive !== undefined) this.handle.setKeepAlive(on, 0);
  }

  /** Stop reading (backpressure); resume() reads again. */
  pause(): void {
    this.paused = true;
    if (this.reading) {
      this.reading = false;
      this.handle.readStop();
    }
  }

  resume(): void {
    this.paused = false;
    this.startReading();
  }

  /** Write a batch of parts (see batchParts) in one write or writev. */
  write(parts: Buffer[], total: number): void {
    if (this.destroyed || this.ending) return;
    const r = writeParts(this.handle, parts, total, this);
    if (r === WRITE_PENDING) this.writableLength += total;
    else if (r < 0) this.fail();
  }

  /** Nothing handed to onData so far is referenced any more: the reader may reuse its memory. */
  markIdle(): void {
    this.reader.markIdle();
  }

  /** Send FIN once every write is out (libuv queues the shutdown behind them); close when the client has closed too. */
  end(): void {
    if (this.destroyed || this.ending) return;
    this.ending = true;
    const req = new ShutdownWrap();
    req.handle = this.handle;
    req.oncomplete = onShutdownDone;
    req[OWNER] = this;
    const err = this.handle.shutdown(req);
    // 1: done synchronously (oncomplete will not run); ENOTCONN: the client is gone already. Both are
    // a finished FIN for net.Socket too.
    if (err === 1 || err === UV_ENOTCONN) this.shutdownDone(0);
    else if (err !== 0) this.fail();
  }

  /**
   * Close now; unwritten bytes are dropped. onClose runs before this returns: uv_close closes the
   * descriptor at once, and only its callback would wait for the next loop turn. Not passing one
   * saves, per connection, a property store on the handle and a call back into JavaScript (1.3% of
   * the proxy's CPU for clients that connect for each request, pinned A/B).
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.reader.release();
    this.handle.close();
    this.events.onClose(this.hadError);
  }

  private startReading(): void {
    if (this.reading || this.paused || this.readEnded || this.destroyed) return;
    this.reading = true;
    const err = this.handle.readStart();
    if (err !== 0) this.fail();
  }

  private fail(): void {
    this.hadError = true;
    this.destroy();
  }

  /** A read completed: `nread` bytes in `current`, or EOF, or an error. Returns the next buffer if it changed. */
  read(nread: number): Uint8Array | undefined {
    if (this.destroyed) return undefined;
    if (nread > 0) {
      this.reader.callback(nread, this.current);
      const next = this.reader.buffer();
      if (next === this.current) return undefined;
      this.current = next;
      return next;
    }
    if (nread === UV_EOF) {
      this.readEnded = true;
      this.reading = false; // libuv stops reading at EOF
      this.events.onEnd();
      if (this.shutDown) this.destroy(); // our FIN is already out: both sides are done
    } else if (nread < 0) {
      this.fail();
    }
    return undefined;
  }

  writeDone(bytes: number, status: number): void {
    if (this.destroyed) return;
    this.writableLength -= bytes;
    if (status < 0) return this.fail();
    if (this.writableLength === 0) this.events.onDrain();
  }

  shutdownDone(status: number): void {
    if (this.destroyed) return;
    this.shutDown = true;
    // A client that already closed its side gets nothing more from us: done. ENOTCONN: it is gone.
    if (status < 0 || this.readEnded) this.destroy();
  }
}

function onRead(this: StreamHandle): Uint8Array | undefined {
  const stream = this[OWNER];
  return stream === undefined ? undefined : stream.read(streamBaseState[kReadBytesOrError]);
}

function onShutdownDone(this: ShutdownReq, status: number): void {
  const stream = this[OWNER];
  if (stream !== undefined) stream.shutdownDone(status);
}

/**
 * Receive `server`'s accepted connections as bare handles (call once it listens, in the primary or
 * in a cluster worker). A net.Socket is made only when `onHandle` asks for one (`toSocket`).
 */
export function takeOverAccepts(server: net.Server, noDelay: boolean, onHandle: (handle: AcceptedHandle) => void): void {
  const listening = (server as unknown as { _handle: { onconnection: (err: number, handle: StreamHandle) => void } | null })._handle;
  if (listening === null) throw new Error('takeOverAccepts: the server is not listening');
  listening.onconnection = (err, handle) => {
    if (err !== 0) {
      server.emit('error', new Error(`accept ${getSystemErrorName(err)}`));
      return;
    }
    if (noDelay && handle.setNoDelay !== undefined) handle.setNoDelay(true);
    onHandle(handle);
  };
}

/** An accepted connection not yet driven by anything. */
export type AcceptedHandle = StreamHandle;

/** Wrap an accepted handle in a net.Socket, for the rare paths that want one (a refused client). */
export function toSocket(handle: AcceptedHandle): net.Socket {
  return new net.Socket({ handle, allowHalfOpen: true, readable: true, writable: true } as net.SocketConstructorOpts);
}
