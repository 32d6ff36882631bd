import { expect, test } from 'vitest';
import { missingKeySkipReason } from '../src/readiness/skips.ts';
import { isLoopbackHost } from '../src/targets/remote-guard.ts';
import { expectNoInternals, expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { note } from './lib/record.ts';
import { target } from './lib/target.ts';

const SEARCH_BODY = { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1 };
/** A loopback address outside the local stack's allowlist (127.0.0.1/32). */
const OUTSIDE_ADDRESS = process.env.VDB_OUTSIDE_SOURCE_ADDRESS ?? '127.0.0.2';

test('REST without an API key is refused with 401', async () => {
  const r = await gw.post('/api/v1/vectors/search', SEARCH_BODY, { auth: 'none' });
  expectStatus(r, 401, 'search without a key');
  expectNoInternals(r, 'search without a key');
  const info = await gw.get('/api/v1/infrastructure/health', { auth: 'none' });
  expectStatus(info, 401, 'infrastructure health without a key');
});

test('GraphQL without an API key is refused with 401', async () => {
  const r = await gw.graphql('query{models{name}}', undefined, { auth: 'none' });
  expectStatus(r, 401, 'GraphQL without a key');
});

test('a wrong API key is refused with 401 or 403', async () => {
  const r = await gw.post('/api/v1/vectors/search', SEARCH_BODY, { auth: { key: 'wrong-key-readiness-0000' } });
  expectStatus(r, [401, 403], 'search with a wrong key');
  const b = await gw.post('/api/v1/vectors/search', SEARCH_BODY, { auth: { bearer: 'wrong-key-readiness-0000' } });
  expectStatus(b, [401, 403], 'search with a wrong bearer token');
});

test('the API key is accepted as X-API-Key and as a Bearer token', async () => {
  expectStatus(await gw.post('/api/v1/vectors/search', SEARCH_BODY), 200, 'X-API-Key');
  expectStatus(await gw.post('/api/v1/vectors/search', SEARCH_BODY, { auth: { bearer: target().gateway.apiKey } }), 200, 'Bearer');
});

test('the rate limit answers 429 with Retry-After', async (ctx) => {
  const why = missingKeySkipReason(target(), 'limited', 'VDB_API_KEYS=limited=<key with a low limit>');
  if (why) ctx.skip(why);
  const key = target().gateway.keys.limited!;
  const MAX_CALLS = 50;
  let limited: Awaited<ReturnType<typeof gw.get>> | undefined;
  let calls = 0;
  for (; calls < MAX_CALLS && !limited; calls++) {
    const r = await gw.get('/api/v1/models', { auth: { key }, quiet: true });
    if (r.status === 429) limited = r;
    else expectStatus(r, 200, `call ${calls + 1} before the limit`);
  }
  note('rate limit', `429 after ${calls} call(s)`);
  expect(limited, `no 429 within ${MAX_CALLS} calls of the low-limit key`).toBeDefined();
  const retryAfter = limited!.headers['retry-after'];
  note('Retry-After', String(retryAfter));
  expect(Number(retryAfter), 'Retry-After is a number of seconds > 0').toBeGreaterThan(0);
});

test('a client outside the IP allowlist is refused with 403', async (ctx) => {
  const host = new URL(target().gateway.url).hostname;
  if (!isLoopbackHost(host)) ctx.skip(`the gateway is not on loopback: the suite cannot pick a source address outside its allowlist (set VDB_OUTSIDE_SOURCE_ADDRESS)`);
  const r = await gw.post('/api/v1/vectors/search', SEARCH_BODY, { localAddress: OUTSIDE_ADDRESS, label: `search from ${OUTSIDE_ADDRESS}` });
  expectStatus(r, 403, `search from ${OUTSIDE_ADDRESS}`);
  expectNoInternals(r, 'allowlist refusal');
});

test('liveness and readiness probes are public (no key needed)', async () => {
  expectStatus(await gw.get('/health', { auth: 'none' }), 200, '/health without a key');
  expectStatus(await gw.get('/api/v1/health', { auth: 'none' }), 200, '/api/v1/health without a key');
});
