import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Probe, p95 } from '../../../src/deploy/probe.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A local server: every 4th request 503, every 10th connection reset mid-request. */
async function serve(): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    n++;
    req.resume();
    if (n % 10 === 0) {
      req.socket.destroy();
      return;
    }
    res.setHeader('x-gateway-slot', 'green');
    res.statusCode = n % 4 === 0 ? 503 : 200;
    res.end('{}');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
}

describe('the probe traffic', () => {
  it('sends open loop at the rate asked (the first at once) and counts non-2xx and resets as errors', async () => {
    const url = await serve();
    const probe = new Probe(url, { method: 'POST', path: '/s', headers: {}, body: () => '{"q":1}' }, 100, 1000);
    probe.start();
    await sleep(1000);
    const first = probe.take();
    const rest = await probe.stop();
    const requests = first.requests + rest.requests;
    // 100/s for ~1 s: request k leaves at k/100 s, so 100 or 101 have left by the end
    expect(requests).toBeGreaterThanOrEqual(95);
    expect(requests).toBeLessThanOrEqual(103);
    const errors = first.errors + rest.errors;
    // 1 in 10 reset, 1 in 4 of the others... roughly a third fail; each one counts
    expect(errors).toBeGreaterThan(requests * 0.2);
    expect(first.samples).toEqual(expect.arrayContaining(['503']));
    expect(first.samples.some((s) => s !== '503')).toBe(true);
    expect(first.bySlot.green).toBeGreaterThan(0);
  });

  it('counts latency from each request\'s scheduled time, the first one due at once', async () => {
    const arrivals: number[] = [];
    let t0 = 0;
    server = createServer((req, res) => {
      arrivals.push(performance.now() - t0);
      req.resume();
      res.end('{}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    // 10/s: one request every 100 ms; a schedule one period late would show as >= 100 ms
    const probe = new Probe(`http://127.0.0.1:${(server.address() as { port: number }).port}`, { method: 'GET', path: '/', headers: {} }, 10, 1000);
    t0 = performance.now();
    probe.start();
    await sleep(1050);
    const r = await probe.stop();
    expect(arrivals[0]).toBeLessThan(60);
    expect(r.requests).toBe(11);
    expect(r.errors).toBe(0);
    expect(r.p95_ms!).toBeLessThan(60);
  });

  it('p95 is the value 95 % of the sample is at or under', () => {
    expect(p95(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
    expect(p95([7])).toBe(7);
    expect(p95([])).toBeNull();
  });
});
