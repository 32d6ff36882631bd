/**
 * A stand-in for Qdrant's REST API on a free loopback port: what the gateway calls at start-up
 * (readyz, list, create and get collections) and for a search (one point, id 1, score 0.9).
 * For tests of the gateway's own behaviour, where a real engine would only add start-up time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QdrantStub {
  url: string;
  /** `METHOD /path` of every call, in order. */
  calls: string[];
  /** The body of every search, as sent. */
  searches: string[];
  /** The status every collection reports (Qdrant: green, yellow, grey, red); default green. */
  collectionStatus: string;
  server: Server;
  close(): Promise<void>;
}

export function startQdrantStub(): Promise<QdrantStub> {
  const state = { collectionStatus: 'green' };
  const collections = new Map<string, { size: number; distance: string }>();
  const calls: string[] = [];
  const searches: string[] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      calls.push(`${req.method} ${path}`);
      const m = /^\/collections\/([^/]+)(\/points\/query)?$/.exec(path);
      if (req.method === 'GET' && path === '/readyz') return void res.writeHead(200).end('all shards are ready');
      if (req.method === 'GET' && path === '/collections') return send(res, 200, { result: { collections: [...collections.keys()].map((name) => ({ name })) }, status: 'ok', time: 0 });
      if (!m) return send(res, 404, { status: { error: `no route ${path}` }, time: 0 });
      const name = decodeURIComponent(m[1] as string);
      if (req.method === 'PUT' && !m[2]) {
        collections.set(name, (JSON.parse(body) as { vectors: { size: number; distance: string } }).vectors);
        return send(res, 200, { result: true, status: 'ok', time: 0 });
      }
      const spec = collections.get(name);
      if (!spec) return send(res, 404, { status: { error: `Not found: Collection \`${name}\` doesn't exist!` }, time: 0 });
      if (req.method === 'GET' && !m[2]) {
        return send(res, 200, { result: { status: state.collectionStatus, points_count: 0, indexed_vectors_count: 0, config: { params: { vectors: spec } } }, status: 'ok', time: 0 });
      }
      if (req.method === 'POST' && m[2]) searches.push(body);
      if (req.method === 'POST' && m[2]) return send(res, 200, { result: { points: [{ id: 1, score: 0.9, payload: null }] }, status: 'ok', time: 0 });
      return send(res, 404, { status: { error: 'not stubbed' }, time: 0 });
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({
    get collectionStatus() {
      return state.collectionStatus;
    },
    set collectionStatus(v: string) {
      state.collectionStatus = v;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    searches,
    server,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  })));
}
