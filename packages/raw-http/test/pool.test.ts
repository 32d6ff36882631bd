import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttpPool } from '../src/pool.ts';
import { scriptedServer } from './scripted-server.ts';

const servers: Server[] = [];
const pools: RawHttpPool[] = [];

/** A server that answers each request with `reply(requestText)`, or never when it returns null. */
async function serve(reply: (request: string) => string | null): Promise<{ url: URL; connections: () => number }> {
  const { server, url, connections } = await scriptedServer((_n, s, request) => {
    const answer = reply(request);
    if (answer !== null) s.write(answer);
  });
  servers.push(server);
  return { url, connections };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const pool = (url: URL, size: number, timeoutMs = 2000) => {
  const p = new RawHttpPool(url, { 'content-type': 'application/json', 'api-key': 'k' }, size, timeoutMs);
  pools.push(p);
  return p;
};

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('RawHttpPool', () => {
  it('sends the configured headers and the body, and answers every request with at most `size` connections', async () => {
    const seen: string[] = [];
    const { url, connections } = await serve((req) => {
      seen.push(req);
      return ok(JSON.stringify({ echo: req.slice(req.indexOf('\r\n\r\n') + 4) }));
    });
    const p = pool(url, 2);
    const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => p.request('POST', `/q/${i}`, JSON.stringify({ i }))));
    expect(answers.map((a) => a.status)).toEqual(Array(7).fill(200));
    expect(answers.map((a) => JSON.parse(JSON.parse((a.body as Buffer).toString()).echo).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(connections()).toBeLessThanOrEqual(2);
    expect(seen[0]).toMatch(/^POST \/q\/0 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\ncontent-type: application\/json\r\napi-key: k\r\ncontent-length: 7\r\n\r\n\{"i":0\}$/);
  });

  it('reads chunked answers and error statuses', async () => {
    const { url } = await serve((req) => (req.startsWith('POST /missing')
      ? 'HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}'
      : 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n'));
    const p = pool(url, 1);
    const a = await p.request('POST', '/x', '{}');
    expect(JSON.parse((a.body as Buffer).toString())).toEqual({ a: 1 });
    expect((await p.request('POST', '/missing', '{}')).status).toBe(404);
  });

  it('fails a request that gets no answer in time, and serves the next one on a fresh connection', async () => {
    let calls = 0;
    const { url, connections } = await serve(() => (++calls === 1 ? null : ok('{}')));
    const p = pool(url, 1, 200);
    const started = performance.now();
    await expect(p.request('POST', '/slow', '{}')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(performance.now() - started).toBeLessThan(1500);
    expect((await p.request('POST', '/next', '{}')).status).toBe(200);
    expect(connections()).toBe(2);
  });

  it('fails a request whose queue wait outlasts the timeout', async () => {
    const { url } = await serve(() => null);
    const p = pool(url, 1, 200);
    const first = p.request('POST', '/a', '{}');
    const second = p.request('POST', '/b', '{}');
    await Promise.all([expect(first).rejects.toMatchObject({ code: 'ETIMEDOUT' }), expect(second).rejects.toMatchObject({ code: 'ETIMEDOUT' })]);
  });

  it('reports a refused connection with its code', async () => {
    const { url } = await serve(() => ok('{}'));
    await new Promise((r) => (servers.pop() as Server).close(r));
    await expect(pool(url, 1).request('POST', '/', '{}')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects what is queued or in flight when closed, and every request after', async () => {
    const { url } = await serve(() => null);
    const p = pool(url, 1);
    const inFlight = p.request('POST', '/a', '{}');
    const queued = p.request('POST', '/b', '{}');
    p.close();
    await Promise.all([expect(inFlight).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' }), expect(queued).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' })]);
    await expect(p.request('POST', '/c', '{}')).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
  });

  it('speaks plain http only', () => {
    expect(() => new RawHttpPool(new URL('https://127.0.0.1:1'), {}, 1, 100)).toThrow(/plain http only/);
  });
});
