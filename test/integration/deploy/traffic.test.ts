/**
 * The deploy tests' traffic catches what the blue/green contract exists to avoid: a server
 * that closes idle keep-alive connections (as an nginx reload does, or a slot whose keep-alive
 * timeout is shorter than its client's) makes the next request on them fail. A server that
 * keeps them open loses nothing.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Traffic } from './traffic.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that closes a connection (fully, like nginx) once it has been idle `closeIdleAfterMs`, or never. */
async function serve(closeIdleAfterMs: number | null): Promise<string> {
  const idleTimers = new Map<Socket, NodeJS.Timeout>();
  server = createServer((req, res) => {
    clearTimeout(idleTimers.get(req.socket));
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-gateway-version', 'v');
      res.end('{"results":[]}');
      if (closeIdleAfterMs !== null) idleTimers.set(req.socket, setTimeout(() => req.socket.destroy(), closeIdleAfterMs));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
}

async function run(url: string) {
  const t = new Traffic({ url, key: 'k', ratePerS: 100, active: 2, idle: 4, idleGapMs: 10_000, model: 'm', dimension: 4, timeoutMs: 1000 });
  t.start();
  await sleep(700); // the idle connections sent their first request and sit idle
  t.markSwitch();
  t.kickIdle();
  await sleep(300);
  return t.stop();
}

describe('the deploy tests\' traffic', () => {
  it('fails every request on an idle connection the server closed meanwhile', async () => {
    const r = await run(await serve(200));
    expect(r.failed).toBe(r.idleReuseFailures);
    expect(r.idleAtSwitch).toBe(4);
    expect(r.idleReuses).toBe(4);
    expect(r.idleReuseFailures).toBe(4);
  });

  it('loses nothing when the server keeps idle connections open', async () => {
    const r = await run(await serve(null));
    expect(r.idleReuses).toBe(4);
    expect(r.failed).toBe(0);
    expect(r.ok).toBeGreaterThan(50);
  });
});
