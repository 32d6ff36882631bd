import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * A scripted HTTP/1.1 server on loopback for client tests: `answer(n, socket, request)` is
 * called for each complete request (the n-th over all connections, its raw text) and writes
 * whatever it likes, or nothing. Requests are small: headers, then a content-length body.
 */
export async function scriptedServer(answer: (n: number, s: Socket, request: string) => void): Promise<{ server: Server; url: URL; connections: () => number }> {
  let n = 0;
  let conns = 0;
  const server = createServer((s) => {
    conns++;
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const request = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        answer(n++, s, request);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: new URL(`http://127.0.0.1:${port}`), connections: () => conns };
}
