/**
 * The rollback group's traffic driver against a loopback server of the test's own: it keeps its
 * rate (open loop), spreads requests over busy and mostly idle keep-alive connections, records
 * the answering slot, and never retries: a reset request counts as failed and reaches the server
 * once.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Traffic, failureCause } from '../../../readiness/lib/traffic.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(handler: (n: number, res: ServerResponse, destroy: () => void) => void): Promise<{ url: string; received: () => number; sockets: () => number }> {
  let n = 0;
  let sockets = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(++n, res, () => req.socket.destroy()));
  });
  server.on('connection', () => sockets++);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => n, sockets: () => sockets };
}

const opts = (url: string) => ({ url, path: '/search', headers: { 'content-type': 'application/json' }, bodies: ['{"q":1}', '{"q":2}'], ratePerS: 200, hotConnections: 3, idleConnections: 4, idleEveryMs: 300, timeoutMs: 1000 });

describe('constant-rate traffic', () => {
  it('keeps its rate on busy and idle keep-alive connections and records the answering slot', async () => {
    const s = await serve((n, res) => res.writeHead(200, { 'x-gateway-slot': n > 100 ? 'green' : 'blue', 'x-gateway-version': 'v1' }).end('{}'));
    const t = new Traffic(opts(s.url));
    t.start();
    await new Promise((r) => setTimeout(r, 1000));
    t.mark('switch', 'now');
    const r = await t.stop();
    // 200/s for ~1 s: the schedule, not the answers, sets the count
    expect(r.samples.length).toBeGreaterThanOrEqual(190);
    expect(r.samples.length).toBeLessThanOrEqual(215);
    expect(r.samples.every((x) => x.ok)).toBe(true);
    expect(new Set(r.samples.map((x) => x.slot))).toEqual(new Set(['blue', 'green']));
    expect(r.connections).toBe(7);
    expect(s.sockets()).toBe(7);
    // each idle connection carried only a few requests: one per idleEveryMs
    for (let c = 3; c < 7; c++) expect(r.samples.filter((x) => x.conn === c).length).toBeLessThanOrEqual(5);
    expect(r.marks).toHaveLength(1);
    // intended send times are the schedule: 5 ms apart
    expect(r.samples[10]!.t_ms).toBeCloseTo(50, 5);
  });

  it('never retries: a reset request fails once and reaches the server once', async () => {
    const s = await serve((n, res, destroy) => (n % 10 === 0 ? destroy() : res.writeHead(200).end('{}')));
    const t = new Traffic(opts(s.url));
    t.start();
    await new Promise((r) => setTimeout(r, 500));
    const r = await t.stop();
    const failed = r.samples.filter((x) => !x.ok);
    expect(r.samples.length, 'every request the server saw is one sample').toBe(s.received());
    expect(failed.length).toBe(Math.floor(s.received() / 10));
    expect(failed.every((x) => x.status === 0 && x.error !== undefined)).toBe(true);
  });

  it('counts a status other than 200 and a timeout as failed', async () => {
    const s = await serve((n, res) => {
      if (n === 3) return void setTimeout(() => res.writeHead(200).end('{}'), 1500);
      res.writeHead(n === 5 ? 503 : 200).end('{}');
    });
    const t = new Traffic({ ...opts(s.url), ratePerS: 20, idleConnections: 0 });
    t.start();
    await new Promise((r) => setTimeout(r, 400));
    const r = await t.stop();
    const causes = r.samples.filter((x) => !x.ok).map((x) => x.error);
    expect(causes).toContain('HTTP 503');
    expect(causes).toContain('timeout');
  });

  it('names failure causes', () => {
    expect(failureCause(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(failureCause(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe('connection closed (other side closed)');
    expect(failureCause(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
  });
});
