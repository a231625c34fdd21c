// Reads through the shared buffer must behave like 'data' events: every chunk is its own Buffer whose
// bytes stay put after later reads (the scanners keep slices of chunks across reads). Accepted
// connections read through the same SocketReader in ClientStream (client-stream.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { SocketReader, slabsInUse } from '../../../src/proxy/socket-reader';
import { mixedPieces, pieces, waitFor, zeroCopied } from '../../helpers/read-pieces';

for (const [name, make] of [['small', pieces], ['big and small', mixedPieces]] as const)
test(`connected socket with a SocketReader (${name} pieces): chunks keep their bytes after later reads`, async () => {
  const sent = make();
  const server = net.createServer(async (socket) => {
    for (const p of sent) {
      socket.write(p);
      await new Promise((r) => setTimeout(r, 5));
    }
    socket.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const chunks: Buffer[] = [];
  const onread = new SocketReader((chunk) => chunks.push(chunk));
  const c = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', onread });
  c.once('close', () => onread.release()); // as ServerConn does
  await once(c, 'end');
  c.destroy();
  server.close();
  assert.ok(chunks.length > 1);
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat(sent));
  if (make === mixedPieces) assert.ok(zeroCopied(chunks) >= 3, 'some reads were zero-copy views of a slab');
  await waitFor(() => slabsInUse() === 0, 'a closed socket gives its slab back');
});
