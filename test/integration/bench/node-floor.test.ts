/**
 * The Node.js floor of `npm run bench:driver` (src/bench/figures/node-floor.ts): it sends exactly
 * its schedule, counts whole answers however the bytes arrive, and fails rather than waits when
 * the server goes away.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { measureNodeFloor } from '../../../src/bench/figures/node-floor.ts';
import type { FloorLoop } from '../../../src/bench/figures/node-floor.ts';
import { startStubServer } from '../../../src/bench/stub-server/spawn.ts';

const search = { path: '/api/v1/vectors/search', body: Buffer.from('{"collection":"accuracy","vector":[0.1,0.2],"limit":1}'), headers: { 'content-type': 'application/json' } };

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** A raw TCP server that answers each request with `answer(socket, body)`; counts the requests it read. */
async function rawServer(answer: (socket: Socket, body: Buffer) => void): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const body = Buffer.from('{"result":[]}');
  const server = createServer((socket) => {
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        requests++;
        answer(socket, body);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}

const response = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]);

describe('Node.js floor (bench:driver part 4)', () => {
  it('sends its schedule and counts every answer, with 1 thread and with 2 sharing the rate', async () => {
    await using stub = await startStubServer({ delay: { kind: 'fixed', ms: 2 } });
    for (const threads of [1, 2]) {
      await stub.reset();
      const loop: FloorLoop = { ...search, url: stub.url, rate: 400, connections: 16, durationS: 1.5 };
      const f = await measureNodeFloor(loop, threads);
      expect(f.threads).toBe(threads);
      expect(f.requests).toBe(600);
      expect((await stub.truth()).requests).toBe(600);
      expect(f.cpu_us_per_request).toBeGreaterThan(0);
    }
  }, 60_000);

  it('frames answers by Content-Length, however their bytes arrive', async () => {
    let n = 0;
    const server = await rawServer((socket, body) => {
      const bytes = response(body);
      if (n++ % 2 === 0) {
        // byte by byte, a few ms apart
        for (let i = 0; i < bytes.length; i++) setTimeout(() => socket.write(bytes.subarray(i, i + 1)), Math.floor(i / 20));
      } else {
        // the head, then the body a little later
        const head = bytes.length - body.length;
        socket.write(bytes.subarray(0, head));
        setTimeout(() => socket.write(bytes.subarray(head)), 3);
      }
    });
    // one connection: an answer framed wrong lets the next request out early, or never
    const f = await measureNodeFloor({ ...search, url: server.url, rate: 40, connections: 1, durationS: 1 }, 1);
    expect(f.requests).toBe(40);
    expect(server.requests()).toBe(40);
  }, 30_000);

  it('fails, and does not wait for its deadline, when the server closes a connection', async () => {
    let seen = 0;
    const server = await rawServer((socket, body) => {
      if (++seen === 5) socket.end();
      else socket.write(response(body));
    });
    const started = performance.now();
    await expect(measureNodeFloor({ ...search, url: server.url, rate: 100, connections: 2, durationS: 2 }, 1)).rejects.toThrow(/closed a connection/);
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 30_000);
});
