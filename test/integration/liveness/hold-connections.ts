// A client process for many-clients.test: opens N connections to the proxy (so the test process
// needs no extra file descriptors), has each write and read back its own key, and holds them all
// open. Prints `ready <ok> <failed> <still open> <first failure>` once every connection has its
// answer, then holds them until it is killed (the kernel closes them all at once).
// Usage: node hold-connections.js <port> <count>

import { connect, resp, type WireClient } from '../../helpers/wire';

/** Connects in flight at once: enough to be quick, few enough not to overflow the listen backlog. */
const CONNECT_BATCH = 250;

async function one(port: number, i: number): Promise<{ client: WireClient | null; error: string | null }> {
  let client: WireClient | null = null;
  try {
    client = await connect(port);
    const value = `value-${i}`;
    client.send(Buffer.concat([resp('SET', `held:${i}`, value), resp('GET', `held:${i}`)]));
    const replies = (await client.readReplies(2, 'redis', 30_000)).map(String);
    const want = ['+OK\r\n', `$${value.length}\r\n${value}\r\n`];
    if (replies[0] !== want[0] || replies[1] !== want[1]) return { client, error: `connection ${i}: ${JSON.stringify(replies)}` };
    return { client, error: null };
  } catch (err) {
    return { client, error: `connection ${i}: ${(err as Error).message}` };
  }
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const count = Number(process.argv[3]);
  const clients: WireClient[] = [];
  const errors: string[] = [];
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, (_, j) => one(port, start + j)));
    for (const r of batch) {
      if (r.client !== null) clients.push(r.client);
      if (r.error !== null) errors.push(r.error);
    }
  }
  const open = clients.filter((c) => !c.closed).length;
  process.stdout.write(`ready ${count - errors.length} ${errors.length} ${open} ${JSON.stringify(errors[0] ?? '')}\n`);
}

// The open sockets keep the process alive until it is killed.
void main().catch(
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
