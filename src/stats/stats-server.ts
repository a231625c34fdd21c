// The nutcracker-compatible stats listener (spec §4.1): every connection gets the stats JSON line and
// is closed. Values are always fresh: the snapshot is taken when the client connects (spec §4.4 allows
// it), so `-i` (the aggregation interval) is accepted but has nothing to pace. The listener itself is
// not a proxy connection and is not counted in total/curr_connections.

import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { hostname } from 'node:os';
import { renderStatsJson } from './stats-json';
import type { StatsSnapshot } from './snapshot';
import { listenOn } from './listen';

export type SnapshotProvider = () => StatsSnapshot | Promise<StatsSnapshot>;

export interface StatsServerOptions {
  /** When the proxy started, ms since epoch (for "uptime"); default: this process's start. */
  startTime?: number;
  /** "source" field; default os.hostname() (nutcracker: gethostname()). */
  source?: string;
  /** Called when a snapshot could not be produced; the client's connection is then just closed. */
  onError?: (err: unknown) => void;
}

export class StatsServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly getSnapshot: SnapshotProvider,
    private readonly startSec: number,
    private readonly source: string,
    private readonly onError: ((err: unknown) => void) | undefined,
  ) {}

  private boundPort = 0;

  /** Bound port (the real one when started with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** Bind addr:port; rejects with a ListenError ("bind to stats server addr '...' failed: ..."). */
  static async start(addr: string, port: number, getSnapshot: SnapshotProvider, opts: StatsServerOptions = {}): Promise<StatsServer> {
    const startMs = opts.startTime ?? Date.now() - process.uptime() * 1000;
    const server = createServer();
    const stats = new StatsServer(server, getSnapshot, Math.floor(startMs / 1000), opts.source ?? hostname(), opts.onError);
    server.on('connection', (socket) => stats.serve(socket));
    stats.boundPort = await listenOn(server, addr, port, 'stats server');
    return stats;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Nothing the client sends is parsed, but it is drained: closing with unread input would make the
    // kernel send RST, which can cut off the document before the client has read it.
    socket.resume();
    void this.render().then(
      (text) => socket.end(text),
      (err: unknown) => {
        this.onError?.(err);
        socket.destroy();
      },
    );
  }

  private async render(): Promise<string> {
    const snap = await this.getSnapshot();
    const now = Math.floor(Date.now() / 1000);
    return renderStatsJson(snap, { uptime: now - this.startSec, timestamp: now, source: this.source });
  }

  /** Stop listening and drop connections still open. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
