// The Prometheus scrape endpoint (`--metrics-port`, off by default): node:http, GET or HEAD /metrics
// answers the current snapshot in text format 0.0.4; every other path is 404. Rendering happens
// per scrape, so the data path only ever increments plain counters.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus';
import type { PrometheusOptions } from './prometheus';
import { collectProcessInfo } from './process-info';
import type { ProcessInfo } from './process-info';
import type { SnapshotProvider } from './stats-server';
import { listenOn } from './listen';

export interface MetricsServerOptions extends PrometheusOptions {
  /** Process figures per scrape; default: this process's. Return null to omit process_* families. */
  processInfo?: () => ProcessInfo | null | Promise<ProcessInfo | null>;
  /** Called when a scrape failed (the scraper gets a 500). */
  onError?: (err: unknown) => void;
}

export class MetricsServer {
  private boundPort = 0;

  private constructor(
    private readonly server: Server,
    private readonly getSnapshot: SnapshotProvider,
    private readonly opts: MetricsServerOptions,
  ) {}

  /** Bound port (the real one when started with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** Bind addr:port; rejects with a ListenError ("bind to metrics server addr '...' failed: ..."). */
  static async start(addr: string, port: number, getSnapshot: SnapshotProvider, opts: MetricsServerOptions = {}): Promise<MetricsServer> {
    const server = createServer();
    const metrics = new MetricsServer(server, getSnapshot, opts);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => metrics.handle(req, res));
    metrics.boundPort = await listenOn(server, addr, port, 'metrics server');
    return metrics;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    this.render().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        this.opts.onError?.(err);
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('scrape failed\n');
      },
    );
  }

  private async render(): Promise<string> {
    const [snap, proc] = await Promise.all([
      this.getSnapshot(),
      this.opts.processInfo ? this.opts.processInfo() : collectProcessInfo(),
    ]);
    return renderPrometheus(snap, proc, this.opts);
  }

  /** Stop listening and close every open (keep-alive) connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
