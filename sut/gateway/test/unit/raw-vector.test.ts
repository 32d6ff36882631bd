import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';
import { QdrantClient } from '../../src/qdrant/client.ts';
import { rawQueryVector } from '../../src/vectors/raw-vector.ts';
import { startQdrantStub } from '../helpers/qdrant-stub.ts';

const body = (v: string, rest = '"limit":10') => `{"collection":"imp","query_vector":${v},${rest}}`;

describe('rawQueryVector: the query vector as the client wrote it, only when certain', () => {
  it('gives the text between the brackets, spaces and number spellings as written', () => {
    expect(rawQueryVector(body('[0.5,-1,2e-3]'), 3)).toBe('0.5,-1,2e-3');
    expect(rawQueryVector('{ "query_vector" :\n\t[ 1.50 , 2 ] , "collection":"imp"}', 2)).toBe(' 1.50 , 2 ');
    expect(rawQueryVector(body('[]'), 0)).toBe('');
    expect(rawQueryVector(body('[ ]'), 0)).toBe(' ');
  });

  it('refuses a body with any escape: the top-level key could be spelled otherwise', () => {
    // the real key is escaped, a filter key of that name is not: the plain token is not the top-level one
    const tricky = '{"query_vecto\\u0072":[1,2],"filter":{"query_vector":[9,9]},"limit":10}';
    expect(JSON.parse(tricky).query_vector).toEqual([1, 2]);
    expect(rawQueryVector(tricky, 2)).toBeNull();
    expect(rawQueryVector(body('[1,2]', '"limit":10,"collection":"a\\"b"'), 2)).toBeNull();
  });

  it('refuses a second occurrence of the token (a filter key or value of that name), and a count that differs', () => {
    expect(rawQueryVector(body('[1,2]', '"filter":{"must":[{"key":"query_vector","match":{"value":1}}]}'), 2)).toBeNull();
    expect(rawQueryVector(body('[1,2]', '"filter":{"query_vector":[3,4]}'), 2)).toBeNull();
    expect(rawQueryVector(body('[1,2]'), 3)).toBeNull();
    expect(rawQueryVector(body('[1,2,3]'), 2)).toBeNull();
    expect(rawQueryVector(body('[]'), 1)).toBeNull();
    expect(rawQueryVector('{"collection":"imp"}', 0)).toBeNull();
  });
});

describe('QdrantClient.query with the vector text', () => {
  it('sends the client\'s numbers as written, with the rest of the request; without it, the parsed vector', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        seen.push(text);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"result":{"points":[{"id":1,"score":0.5}]},"status":"ok","time":0}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new QdrantClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000, connections: 1 });
    try {
      const req = { query: [0.5, 2], limit: 10, with_payload: false, filter: { must: [] } };
      expect(await client.query('imp', req, ' 0.50 ,2.0')).toEqual([{ id: 1, score: 0.5 }]);
      expect(await client.query('imp', req)).toEqual([{ id: 1, score: 0.5 }]);
      expect(seen[0]).toBe('{"query":[ 0.50 ,2.0],"limit":10,"with_payload":false,"filter":{"must":[]}}');
      expect(JSON.parse(seen[0]!)).toEqual(JSON.parse(seen[1]!));
    } finally {
      await client.close();
      server.close();
    }
  });
});

describe('a REST search through the gateway', () => {
  it('reaches Qdrant with the vector as the client wrote it; with an escape in the body or by GraphQL, as the gateway formats it', async () => {
    const stub = await startQdrantStub();
    const key = 'load-key-0123456789abcdef';
    const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: stub.url, GATEWAY_API_KEYS: `load=${key}` });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    const gw = await build({ config: r.config, logger: false, redis: null, ensureCollections: true });
    const search = (payload: string) => gw.inject({ method: 'POST', url: '/api/v1/vectors/search', headers: { 'content-type': 'application/json', 'x-api-key': key }, payload });
    try {
      expect((await search('{"collection":"test","query_vector":[0.10, 2E-1,0.3],"limit":5}')).statusCode).toBe(200);
      expect(stub.searches.at(-1)).toBe('{"query":[0.10, 2E-1,0.3],"limit":5,"with_payload":false}');
      expect((await search('{"collection":"te\\u0073t","query_vector":[0.10, 2E-1,0.3],"limit":5}')).statusCode).toBe(200);
      expect(stub.searches.at(-1)).toBe('{"query":[0.1,0.2,0.3],"limit":5,"with_payload":false}');
      const gql = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', 'x-api-key': key }, payload: { query: '{ search(collection:"test", vector:[0.10, 0.2, 0.3], limit: 5) { cached } }' } });
      expect(gql.statusCode).toBe(200);
      expect(stub.searches.at(-1)).toBe('{"query":[0.1,0.2,0.3],"limit":5,"with_payload":false}');
      // a vector the gateway refuses never reaches Qdrant, whichever way it is written
      const before = stub.searches.length;
      expect((await search('{"collection":"test","query_vector":[0.1,0.2],"limit":5}')).statusCode).toBe(400);
      expect(stub.searches.length).toBe(before);
    } finally {
      await gw.close();
      await stub.close();
    }
  });
});
