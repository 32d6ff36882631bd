/**
 * The preflight's judgement, against small loopback HTTP servers that answer like each service
 * would (the real services: test/integration/preflight/preflight.test.ts).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { externalNames, preflight, preflightError } from '../../../src/preflight/index.ts';
import { classifyWireError } from '../../../src/preflight/transport.ts';
import { identify } from '../../../src/preflight/wire.ts';
import { UnreachableError, UserError } from '../../../src/util/errors.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

/** Answers like the gateway: public /health, keyed /api/v1/*, a rate limit per key. */
const gatewayLike = (keys: Record<string, number | undefined>) => (req: IncomingMessage, res: ServerResponse): void => {
  if (req.url === '/health') return json(res, 200, { status: 'ok', uptime_s: 1 });
  if (req.url?.startsWith('/api/v1/')) {
    const key = String(req.headers['x-api-key'] ?? '');
    if (!(key in keys)) return json(res, 401, { error: { code: 'GW_ERR_UNAUTHORIZED', message: 'API key not recognised', request_id: 'r' } });
    const limit = keys[key];
    return json(res, 200, { models: [] }, limit === undefined ? {} : { 'x-ratelimit-limit': String(limit) });
  }
  json(res, 404, { error: { code: 'GW_ERR_NOT_FOUND', message: 'no route', request_id: 'r' } });
};

/** Answers like Qdrant: `/` open with its title, the rest behind `api-key`. */
const qdrantLike = (key: string) => (req: IncomingMessage, res: ServerResponse): void => {
  if (req.url === '/') return json(res, 200, { title: 'qdrant - vector search engine', version: '1.15.4' });
  const given = req.headers['api-key'];
  if (!given) return void res.writeHead(401).end('Must provide an API key or an Authorization bearer token');
  if (given !== key) return void res.writeHead(401).end('Invalid API key or JWT');
  json(res, 200, { result: { collections: [] }, status: 'ok' });
};

describe('classifyWireError', () => {
  it('tells the failures on the wire apart', () => {
    expect(classifyWireError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })).failure).toBe('refused');
    expect(classifyWireError(Object.assign(new Error('getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' })).failure).toBe('dns');
    expect(classifyWireError(Object.assign(new Error('80CC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).failure).toBe('tls-to-plain');
    expect(classifyWireError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).failure).toBe('untrusted-cert');
    expect(classifyWireError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).failure).toBe('reset');
    expect(classifyWireError(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).failure).toBe('timeout');
    expect(classifyWireError(new Error('Connection is closed.')).failure).toBe('reset');
    expect(classifyWireError(new Error('something else')).failure).toBe('other');
  });
});

describe('identify', () => {
  it('names Qdrant by its title, the gateway by /health, anything else as other', async () => {
    expect(await identify(await serve(qdrantLike('k')))).toMatchObject({ ok: true, found: { identity: 'qdrant', said: 'Qdrant 1.15.4' } });
    expect(await identify(await serve(gatewayLike({})))).toMatchObject({ ok: true, found: { identity: 'gateway' } });
    expect(await identify(await serve((_q, res) => void res.writeHead(404).end('Not Found')))).toMatchObject({ ok: true, found: { identity: 'other', said: 'GET /health: 404 Not Found' } });
  });

  it('an nginx TLS port answering plain HTTP is "plain on TLS", not a service', async () => {
    const url = await serve((_q, res) => void res.writeHead(400).end('<html><center>The plain HTTP request was sent to HTTPS port</center></html>'));
    expect(await identify(url)).toMatchObject({ ok: false, plainOnTls: true });
    const report = await preflight({ gateway: { url, apiKey: 'k' } }, { needs: { gateway: 'required' } });
    expect(report.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^VDB_GATEWAY_URL is http:\/\/ but 127\.0\.0\.1:\d+ speaks TLS \("plain HTTP request was sent to HTTPS port"\): use https:\/\/127\.0\.0\.1:\d+$/)]);
  });
});

describe('preflight', () => {
  it('passes a gateway and a Qdrant that accept their keys', async () => {
    const gw = await serve(gatewayLike({ main: 1_200_000, low: 5 }));
    const q = await serve(qdrantLike('qk'));
    const report = await preflight({ gateway: { url: gw, apiKey: 'main', keys: { limited: 'low' } }, qdrant: { url: q, apiKey: 'qk' } }, { needs: { gateway: 'required', qdrant: 'if-given' }, roleKeys: true });
    expect(report.problems).toEqual([]);
  });

  it('a required service without a URL names its variable; an if-given one is left alone', async () => {
    const report = await preflight({}, { needs: { gateway: 'required', qdrant: 'if-given', redis: 'if-given' } });
    expect(report.problems).toEqual([{ service: 'gateway', exitCode: ExitCode.Usage, message: 'no gateway URL: set VDB_GATEWAY_URL' }]);
  });

  it('says which key Qdrant was sent: its own, the gateway\'s in its place, none', async () => {
    const q = await serve(qdrantLike('qk'));
    const line = async (apiKey: string | undefined, env: NodeJS.ProcessEnv) =>
      (await preflight({ qdrant: { url: q, ...(apiKey ? { apiKey } : {}) } }, { needs: { qdrant: 'required' }, names: externalNames(env) })).problems.map((p) => p.message);
    expect(await line('gk', { VDB_API_KEY: 'gk' })).toEqual([expect.stringMatching(/^Qdrant refused the key \(401: Invalid API key or JWT; VDB_QDRANT_API_KEY is not set, so VDB_API_KEY was sent\): set VDB_QDRANT_API_KEY$/)]);
    expect(await line('bad', { VDB_QDRANT_API_KEY: 'bad' })).toEqual(["Qdrant refused the key (401: Invalid API key or JWT): set VDB_QDRANT_API_KEY to Qdrant's API key"]);
    expect(await line(undefined, {})).toEqual(['Qdrant requires an API key (401: Must provide an API key or an Authorization bearer token): set VDB_QDRANT_API_KEY']);
  });

  it('judges role keys by their rate limit only when the gateway says it', async () => {
    const gw = await serve(gatewayLike({ main: undefined, other: undefined }));
    const silent = await preflight({ gateway: { url: gw, apiKey: 'main', keys: { limited: 'other' } } }, { needs: { gateway: 'required' }, roleKeys: true });
    expect(silent.problems).toEqual([]);
    const told = await serve(gatewayLike({ main: 6000, other: 6000 }));
    const wrong = await preflight({ gateway: { url: told, apiKey: 'main', keys: { limited: 'other' } } }, { needs: { gateway: 'required' }, roleKeys: true });
    expect(wrong.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^the "limited" key in VDB_API_KEYS allows 6000 requests per window/)]);
    // without roleKeys (bench, k6) the role keys are not asked about at all
    const unasked = await preflight({ gateway: { url: told, apiKey: 'main', keys: { limited: 'nope' } } }, { needs: { gateway: 'required' } });
    expect(unasked.problems).toEqual([]);
  });

  it('anyServer (bench --url) lets a server of neither kind pass, never the other service', async () => {
    const plain = await serve((_q, res) => void res.writeHead(404).end('Not Found'));
    const strict = await preflight({ gateway: { url: plain, apiKey: 'k' } }, { needs: { gateway: 'required' } });
    expect(strict.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^VDB_GATEWAY_URL=\S+ does not answer like the gateway \(GET \/health: 404 Not Found\): fix it$/)]);
    expect((await preflight({ gateway: { url: plain, apiKey: 'k' } }, { needs: { gateway: 'required' }, anyServer: true })).problems).toEqual([]);
    const q = await serve(qdrantLike('qk'));
    const lenient = await preflight({ gateway: { url: q, apiKey: 'k' } }, { needs: { gateway: 'required' }, anyServer: true });
    expect(lenient.problems.map((p) => p.message)).toEqual([expect.stringMatching(/answers like Qdrant/)]);
  });

  it('a port that accepts and never answers is unreachable within the bound, for HTTP and Redis alike', async () => {
    const held: Socket[] = [];
    const hang = createNetServer((sock) => void held.push(sock));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as AddressInfo).port;
    try {
      const report = await preflight({ gateway: { url: `http://127.0.0.1:${port}`, apiKey: 'k' }, redis: { url: `redis://127.0.0.1:${port}` } }, { needs: { gateway: 'required', redis: 'required' } });
      expect(report.problems.map((p) => [p.exitCode, p.message])).toEqual([
        [ExitCode.Unreachable, `cannot reach http://127.0.0.1:${port} (the gateway: no answer in time): start it, or fix VDB_GATEWAY_URL`],
        [ExitCode.Unreachable, `cannot reach redis://127.0.0.1:${port} (Redis: no answer in time): start it, or fix VDB_REDIS_URL`],
      ]);
      // each probe is bounded (1.5 s, then 0.8 s to ask whether the port speaks TLS), and the services are probed side by side
      expect(report.ms).toBeLessThan(5000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => hang.close(r));
    }
  });

  it('an advisory service\'s problem is a warning, not a problem', async () => {
    const report = await preflight({ redis: { url: 'redis://127.0.0.1:9' } }, { needs: { redis: 'advisory' } });
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => w.message)).toEqual(['cannot reach redis://127.0.0.1:9 (Redis: ECONNREFUSED): start it, or fix VDB_REDIS_URL']);
  });

  it('refuses a Redis URL of another scheme, with its password masked', async () => {
    const report = await preflight({ redis: { url: 'http://:secret-pw@127.0.0.1:6379' } }, { needs: { redis: 'required' } });
    expect(report.problems.map((p) => p.message)).toEqual(['VDB_REDIS_URL=http://:***@127.0.0.1:6379 is not a Redis URL (http://): set it like redis://127.0.0.1:6379']);
  });
});

describe('preflightError', () => {
  it('is the first problem\'s line and exit code, the others as detail lines', () => {
    const err = preflightError({
      problems: [
        { service: 'gateway', exitCode: ExitCode.Unreachable, message: 'cannot reach it' },
        { service: 'redis', exitCode: ExitCode.Usage, message: 'Redis wants a password' },
      ],
      warnings: [],
      found: {},
      ms: 1,
    });
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ message: 'cannot reach it', exitCode: ExitCode.Unreachable, details: ['also: Redis wants a password'] });
    const usage = preflightError({ problems: [{ service: 'qdrant', exitCode: ExitCode.Usage, message: 'set VDB_QDRANT_API_KEY' }], warnings: [], found: {}, ms: 1 });
    expect(usage).toBeInstanceOf(UserError);
    expect(usage).not.toBeInstanceOf(UnreachableError);
    expect(usage?.exitCode).toBe(ExitCode.Usage);
    expect(preflightError({ problems: [], warnings: [], found: {}, ms: 1 })).toBeUndefined();
  });
});
