// One HTTP request to 127.0.0.1 for tests of the Prometheus endpoint: status, content type and the
// whole body, on a connection of its own (no keep-alive agent, so nothing is left open after a test).

import { request } from 'node:http';

export interface HttpReply {
  status: number;
  /** The Content-Type header ('undefined' when absent). */
  type: string;
  body: string;
}

/** `method` (default GET) `path` on 127.0.0.1:`port`; any status resolves, a socket error rejects. */
export function httpGet(port: number, path: string, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}
