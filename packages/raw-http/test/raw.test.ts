import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawHttpClient, encodeRequest } from '../src/client.ts';
import type { RawDone } from '../src/connection.ts';
import { scriptedServer } from './scripted-server.ts';
import { HttpParseError, ResponseParser } from '../src/response-parser.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feeds `text` cut at the given offsets; returns the parser and whether it completed at the last piece only. */
function feed(text: string, cuts: number[], copy = false): { p: ResponseParser; doneAt: number[] } {
  const p = new ResponseParser(copy);
  const bytes = b(text);
  const at = [0, ...cuts, bytes.length];
  const doneAt: number[] = [];
  for (let i = 0; i + 1 < at.length; i++) if (p.push(bytes.subarray(at[i], at[i + 1]))) doneAt.push(i);
  return { p, doneAt };
}

const CL = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 11\r\n\r\n{"ids":[1]}';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"ids\r\n6\r\n":[1]}\r\n0\r\nx-trailer: y\r\n\r\n';

describe('raw HTTP response parser', () => {
  it('reads a content-length response in one packet', () => {
    const { p, doneAt } = feed(CL, []);
    expect(doneAt).toEqual([0]);
    expect(p.status).toBe(200);
    expect(p.body?.toString()).toBe('{"ids":[1]}');
    expect(p.keepAlive).toBe(true);
    expect(p.extra).toBeNull();
  });

  it('reads a content-length response split at every byte, with and without copying', () => {
    for (const copy of [false, true]) {
      const cuts = Array.from({ length: CL.length - 1 }, (_, i) => i + 1);
      const { p, doneAt } = feed(CL, cuts, copy);
      expect(doneAt).toEqual([CL.length - 1]);
      expect(p.body?.toString()).toBe('{"ids":[1]}');
    }
  });

  it('reads a chunked response with extensions and trailers, whole and split at every byte', () => {
    const whole = feed(CHUNKED, []);
    expect(whole.doneAt).toEqual([0]);
    expect(whole.p.body?.toString()).toBe('{"ids":[1]}');
    const cuts = Array.from({ length: CHUNKED.length - 1 }, (_, i) => i + 1);
    const split = feed(CHUNKED, cuts);
    expect(split.doneAt).toEqual([CHUNKED.length - 1]);
    expect(split.p.body?.toString()).toBe('{"ids":[1]}');
    expect(split.p.status).toBe(200);
  });

  it('reads upper-case hex chunk sizes and an empty chunked body', () => {
    const big = 'x'.repeat(0x1a);
    expect(feed(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1A\r\n${big}\r\n0\r\n\r\n`, []).p.body?.toString()).toBe(big);
    const empty = feed('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', []);
    expect(empty.doneAt).toEqual([0]);
    expect(empty.p.body?.length).toBe(0);
  });

  it('keeps reading the same connection after reset (keep-alive)', () => {
    const p = new ResponseParser();
    expect(p.push(b(CL))).toBe(true);
    p.reset();
    expect(p.push(b(CHUNKED.slice(0, 30)))).toBe(false);
    expect(p.push(b(CHUNKED.slice(30)))).toBe(true);
    expect(p.body?.toString()).toBe('{"ids":[1]}');
  });

  it('reports connection: close, keep-alive timeout hints and HTTP/1.0 defaults', () => {
    expect(feed('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n', []).p.keepAlive).toBe(false);
    const hinted = feed('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\ncontent-length: 0\r\n\r\n', []).p;
    expect(hinted.keepAlive).toBe(true);
    expect(hinted.keepAliveTimeoutMs).toBe(5000);
    expect(feed('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n', []).p.keepAlive).toBe(false);
    expect(feed('HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n', []).p.keepAlive).toBe(true);
  });

  it('reads a body without framing until the connection closes', () => {
    const { p, doneAt } = feed('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nhello ', [30]);
    expect(doneAt).toEqual([]);
    expect(p.readsUntilClose).toBe(true);
    expect(p.push(b('world'))).toBe(false);
    expect(p.end()).toBe(true);
    expect(p.body?.toString()).toBe('hello world');
    expect(p.keepAlive).toBe(false);
  });

  it('says a message cut short by close is incomplete', () => {
    const p = new ResponseParser();
    expect(p.push(b(CL.slice(0, CL.length - 3)))).toBe(false);
    expect(p.end()).toBe(false);
  });

  it('passes error statuses with their bodies, and 204 without one', () => {
    const e = feed('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy', []).p;
    expect(e.status).toBe(503);
    expect(e.body?.toString()).toBe('busy');
    expect(feed('HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nnop\r\n0\r\n\r\n', []).p.status).toBe(404);
    const none = feed('HTTP/1.1 204 No Content\r\n\r\n', []);
    expect(none.doneAt).toEqual([0]);
    expect(none.p.status).toBe(204);
  });

  it('skips interim 1xx answers', () => {
    const { p, doneAt } = feed(`HTTP/1.1 100 Continue\r\n\r\n${CL}`, [10, 27]);
    expect(doneAt).toEqual([2]);
    expect(p.status).toBe(200);
    expect(p.body?.toString()).toBe('{"ids":[1]}');
  });

  it('returns bytes past the end of the message as extra', () => {
    const { p } = feed(`${CL}HTTP/1.1 200`, []);
    expect(p.body?.toString()).toBe('{"ids":[1]}');
    expect(p.extra?.toString()).toBe('HTTP/1.1 200');
  });

  it('rejects what is not HTTP/1.x or has broken framing', () => {
    expect(() => new ResponseParser().push(b('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(HttpParseError);
    expect(() => new ResponseParser().push(b('HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n'))).toThrow(HttpParseError);
    expect(() => new ResponseParser().push(b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'))).toThrow(HttpParseError);
    expect(() => new ResponseParser().push(b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabX'))).toThrow(HttpParseError);
  });
});

describe('raw HTTP request bytes', () => {
  it('is one buffer: request line, host, the given headers, content-length, body', () => {
    const req = encodeRequest(new URL('http://127.0.0.1:8080'), 'POST', '/api/v1/vectors/search', { 'content-type': 'application/json', 'x-api-key': 'k', 'Content-Length': '999' }, b('{"a":1}'));
    expect(req.toString('latin1')).toBe('POST /api/v1/vectors/search HTTP/1.1\r\nhost: 127.0.0.1:8080\r\ncontent-type: application/json\r\nx-api-key: k\r\ncontent-length: 7\r\n\r\n{"a":1}');
  });

  it('refuses header values with line breaks', () => {
    expect(() => encodeRequest(new URL('http://h'), 'POST', '/', { a: 'x\r\ny: z' }, b(''))).toThrow(/line break/);
  });
});

type Outcome = { status: number; body: string | null; code: string | null };

function clientWith(url: URL, timeoutMs = 5_000, connections = 1): { client: RawHttpClient; next: () => Promise<Outcome> } {
  const waiting: ((o: Outcome) => void)[] = [];
  const done: RawDone = (status, body, err) => waiting.shift()!({ status, body: body ? body.toString() : null, code: err ? String((err as { code?: string }).code) : null });
  const client = new RawHttpClient(url, Array.from({ length: connections }, () => done), timeoutMs);
  return { client, next: () => new Promise((r) => waiting.push(r)) };
}

describe('raw HTTP client against a scripted server', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const req = (url: URL): Buffer => encodeRequest(url, 'POST', '/s', { 'content-type': 'application/json' }, b('{}'));

  it('reuses one keep-alive connection, reassembles split packets and chunked bodies', async () => {
    const srv = await scriptedServer((n, s) => {
      if (n === 0) {
        s.write('HTTP/1.1 200 OK\r\nContent-Le');
        setTimeout(() => s.write('ngth: 5\r\n\r\nhel'), 5);
        setTimeout(() => s.write('lo'), 10);
      } else {
        s.write(CHUNKED);
      }
    });
    const { client, next } = clientWith(srv.url);
    cleanups.push(() => client.close(), () => srv.server.close());
    const conn = client.connections[0]!;
    let p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 200, body: 'hello', code: null });
    p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 200, body: '{"ids":[1]}', code: null });
    expect(srv.connections()).toBe(1);
    expect(conn.opened).toBe(1);
  });

  it('opens connections ahead of the first request when asked, and sends on them', async () => {
    const srv = await scriptedServer((_n, s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    const { client, next } = clientWith(srv.url, 5_000, 3);
    cleanups.push(() => client.close(), () => srv.server.close());
    // a process up for a minute: the connection counts as fresh from its opening, not from 0
    const later = performance.now() + 60_000;
    const clock = vi.spyOn(performance, 'now').mockReturnValue(later);
    await client.preconnect(2).finally(() => clock.mockRestore());
    expect(client.connections.map((c) => c.opened)).toEqual([1, 1, 0]);
    const p = next();
    client.connections[1]!.send(req(srv.url), later + 1);
    expect(await p).toEqual({ status: 200, body: 'ok', code: null });
    expect(client.connections[1]!.opened).toBe(1);
    expect(srv.connections()).toBe(2);
  });

  it('reconnects after connection: close and after the server hangs up while idle', async () => {
    const srv = await scriptedServer((n, s) => {
      if (n === 0) s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\na');
      else if (n === 1) {
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nb');
        setTimeout(() => s.end(), 5);
      } else s.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 3\r\n\r\nbad');
    });
    const { client, next } = clientWith(srv.url);
    cleanups.push(() => client.close(), () => srv.server.close());
    const conn = client.connections[0]!;
    let p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 200, body: 'a', code: null });
    p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 200, body: 'b', code: null });
    await new Promise((r) => setTimeout(r, 50));
    p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 500, body: 'bad', code: null });
    expect(srv.connections()).toBe(3);
  });

  it('reads a body that ends with the connection', async () => {
    const srv = await scriptedServer((_n, s) => s.end('HTTP/1.1 200 OK\r\n\r\nuntil close'));
    const { client, next } = clientWith(srv.url);
    cleanups.push(() => client.close(), () => srv.server.close());
    const p = next();
    client.connections[0]!.send(req(srv.url), performance.now());
    expect(await p).toEqual({ status: 200, body: 'until close', code: null });
  });

  it('fails a request cut short by the server, a garbled answer, a refused connection and a timeout, each with its code', async () => {
    const srv = await scriptedServer((n, s) => {
      if (n === 0) s.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
      else if (n === 1) s.write('garbage\r\n\r\n');
      // n === 2: never answers.
    });
    const { client, next } = clientWith(srv.url, 100);
    cleanups.push(() => client.close(), () => srv.server.close());
    const conn = client.connections[0]!;
    let p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toMatchObject({ status: 0, code: 'UND_ERR_SOCKET' });
    p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toMatchObject({ status: 0, code: 'HPE_INVALID' });
    p = next();
    conn.send(req(srv.url), performance.now());
    expect(await p).toMatchObject({ status: 0, code: 'ETIMEDOUT' });

    const closed = await scriptedServer(() => {});
    const port = (closed.server.address() as AddressInfo).port;
    await new Promise((r) => closed.server.close(r));
    const refused = clientWith(new URL(`http://127.0.0.1:${port}`));
    cleanups.push(() => refused.client.close());
    p = refused.next();
    refused.client.connections[0]!.send(req(srv.url), performance.now());
    expect(await p).toMatchObject({ status: 0, code: 'ECONNREFUSED' });
  });
});
