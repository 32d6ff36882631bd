/**
 * What `npm run fuzz` found in qdrant-local (issue #14), one case each, on a real process: every
 * answer is Qdrant's (status, `{"status":{"error":…},"time":…}` envelope, words), never a 500 and
 * never Python's insides. Each case states Qdrant's answer and where it is in Qdrant's sources.
 * The same statements hold against a real Qdrant (QDRANT_BIN); where the words differ between the
 * two, the case says so and checks only what both say.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponse, restClient } from './helpers/http.ts';
import type { ReadResponse } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { StartedServer } from './helpers/server.ts';

const API_KEY = 'test-key-fuzz-findings';
const C = 'fuzzed';
const FORMAT = 'Format error in JSON body: ';
// What a leak of this server's insides looks like: Python exception and pyo3 type names, tracebacks.
const INTERNALS = /TypeError|OverflowError|ValueError|Traceback|Helper::|pyo3|\.py\b/;

let dir: string;
let qdrant: StartedServer;

const rest = restClient(() => qdrant.info.url, API_KEY);

/** The error text of a Qdrant error envelope, after checking the envelope and the status. */
function errorOf(res: ReadResponse, status: number): string {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = res.json as { status: { error: string }; time: number };
  expect(typeof body.time).toBe('number');
  expect(typeof body.status.error, res.text).toBe('string');
  expect(res.text).not.toMatch(INTERNALS);
  return body.status.error;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-fuzz-findings-'));
  qdrant = await startServer({ storagePath: join(dir, 'storage'), logPath: join(dir, 'qdrant.log'), apiKey: API_KEY });
  expect((await rest('PUT', `/collections/${C}`, { vectors: { size: 2, distance: 'Dot' } })).status).toBe(200);
  const up = await rest('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 1, vector: [1, 0], payload: { a: 1 } }] });
  expect(up.status, up.text).toBe(200);
}, 180_000);

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('an empty payload key is a JSON path Qdrant cannot parse: 400 format error, not 500', () => {
  // Qdrant: `JsonPath`'s Deserialize (lib/segment/src/json_path/mod.rs) refuses what its parser
  // (json_path/parse.rs, `"".parse::<JsonPath>().is_err()`) refuses, while actix reads the body:
  // 400 `Format error in JSON body: Invalid json path: '' at line 1 column N` where the field is a
  // `JsonPath` itself (facet `key`, set-payload `key`).
  it('facet `key`', async () => {
    expect(errorOf(await rest('POST', `/collections/${C}/facet`, { key: '' }), 400)).toMatch(/^Format error in JSON body: Invalid json path: ''/);
  });

  it('set payload `key`', async () => {
    const set = await rest('POST', `/collections/${C}/points/payload?wait=true`, { payload: { b: 2 }, points: [1], key: '' });
    expect(errorOf(set, 400)).toMatch(/^Format error in JSON body: Invalid json path: ''/);
    // Refused as a whole: the payload is unchanged.
    const got = await rest('GET', `/collections/${C}/points/1`);
    expect((got.json as { result: { payload: unknown } }).result.payload).toEqual({ a: 1 });
  });

  // Inside a filter condition or `with_payload`, Qdrant's serde reports the untagged union that did
  // not match (`Expected some form of condition, …` / `data did not match any variant …`); qdrant-local
  // names the path. Both: 400 and the format-error prefix.
  it.each([
    ['count, is_null', 'count', { filter: { must: [{ is_null: { key: '' } }] } }],
    ['count, is_empty in should', 'count', { filter: { should: [{ is_empty: { key: '' } }] } }],
    ['count, field match', 'count', { filter: { must: [{ key: '', match: { value: 1 } }] } }],
    ['count, geo radius', 'count', { filter: { must: [{ key: '', geo_radius: { center: { lon: 0, lat: 0 }, radius: 1 } }] } }],
    ['count, nested', 'count', { filter: { must: [{ nested: { key: '', filter: { must: [{ key: 'x', match: { value: 1 } }] } } }] } }],
    ['delete by filter', 'delete?wait=true', { filter: { must: [{ is_null: { key: '' } }] } }],
    ['clear payload by filter', 'payload/clear?wait=true', { filter: { must: [{ is_null: { key: '' } }] } }],
    ['delete payload keys', 'payload/delete?wait=true', { keys: [''], points: [1] }],
    ['delete vectors by filter', 'vectors/delete?wait=true', { vector: [''], filter: { must: [{ is_null: { key: '' } }] } }],
    ['retrieve, with_payload.exclude', '', { ids: [1], with_payload: { exclude: [''] } }],
    ['retrieve, with_payload list', '', { ids: [1], with_payload: [''] }],
  ])('%s', async (_what, op, body) => {
    const path = op === '' ? `/collections/${C}/points` : `/collections/${C}/points/${op}`;
    expect(errorOf(await rest('POST', path, body), 400).startsWith(FORMAT)).toBe(true);
  });

  it('a key with a space is no JSON path either (the same parser)', async () => {
    expect(errorOf(await rest('POST', `/collections/${C}/facet`, { key: 'a b' }), 400)).toMatch(/^Format error in JSON body: Invalid json path: 'a b'/);
  });

  it('the point survived every refused write', async () => {
    const got = await rest('GET', `/collections/${C}/points/1`);
    expect(got.status, got.text).toBe(200);
    expect((got.json as { result: { payload: unknown } }).result.payload).toEqual({ a: 1 });
  });
});

describe('a path id beyond u64', () => {
  // Qdrant (src/actix/api/retrieve_api.rs, `get_point`): `point.id.parse()` as u64 or UUID, else
  // 400 `Wrong input: Can not recognize "{id}" as point id`.
  it('is 400 `Can not recognize … as point id`, without the conversion error', async () => {
    const big = '586089629036110807040';
    expect(errorOf(await rest('GET', `/collections/${C}/points/${big}`), 400)).toBe(`Wrong input: Can not recognize "${big}" as point id`);
    expect(errorOf(await rest('GET', `/collections/${C}/points/18446744073709551616`), 400)).toBe('Wrong input: Can not recognize "18446744073709551616" as point id');
    expect(errorOf(await rest('GET', `/collections/${C}/points/not-an-id`), 400)).toBe('Wrong input: Can not recognize "not-an-id" as point id');
  });

  it('u64::MAX itself is an id (no such point: 404)', async () => {
    errorOf(await rest('GET', `/collections/${C}/points/18446744073709551615`), 404);
  });
});

describe('a geo polygon with fewer than 4 points', () => {
  // Qdrant refuses it while it reads the body (its `GeoPolygon` checks each ring: `polygon invalid,
  // the size must be at least 4, got N`), a 400 in both engines; Edge raises the same check as a
  // `ValueError`, which stays the caller's error here (400), not a fault of the server (500).
  it.each([[[]], [[{ lat: 0, lon: 0 }]]])('exterior %j', async (points) => {
    const res = await rest('POST', `/collections/${C}/points/count`, { filter: { should: [{ key: 'loc', geo_polygon: { exterior: { points } } }] } });
    errorOf(res, 400);
  });
});

describe('a negative `min_should.min_count`', () => {
  // Qdrant: `MinShould.min_count` is a usize, refused while serde reads the body: 400
  // `Format error in JSON body: invalid value: integer \`-1\`, expected usize at line 1 column N`.
  it('is a 400 format error, not an overflow in the engine', async () => {
    const res = await rest('POST', `/collections/${C}/points/count`, { filter: { min_should: { conditions: [], min_count: -1 } } });
    expect(errorOf(res, 400)).toMatch(/^Format error in JSON body: invalid value: integer `-1`, expected usize/);
  });
});

describe('an unclassified fault never shows Python', () => {
  // A body id beyond u64 reaches the engine's pyo3 conversion here (Qdrant refuses it while reading
  // the body: 400). Whatever the status, the answer is an envelope without Python's type names or
  // traceback (those go to the server log).
  it('retrieve with an id beyond u64', async () => {
    const res = await rest('POST', `/collections/${C}/points`, '{"ids":[18446744073709551616]}');
    expect([400, 500]).toContain(res.status);
    const error = errorOf(res, res.status);
    if (res.status === 500) expect(error).toBe('Service internal error: unexpected error while processing the request; the server log has the details');
  });
});

describe('answers outside the handlers, as Qdrant\'s actix gives them', () => {
  // Qdrant (src/actix/auth.rs): `HttpResponse::Unauthorized().body(e)`, the bare text and no
  // content type (actix's `body()` sets none). Qdrant's published document says 4XX is a JSON
  // ErrorResponse; its server does not do that for 401, and neither does this one.
  it('401 without a key: the bare text, no content type', async () => {
    const res = await readResponse(await fetch(`${qdrant.info.url}/collections`));
    expect(res.status).toBe(401);
    expect(res.text).toBe('Must provide an API key or an Authorization bearer token');
    expect(res.headers.get('content-type')).toBeNull();
  });

  // Qdrant (src/actix/mod.rs) registers no default service: an unknown route is actix's bare 404.
  it('an unknown route: 404, no body, no content type', async () => {
    const res = await rest('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.text).toBe('');
    expect(res.headers.get('content-type')).toBeNull();
  });

  // A route Qdrant serves and qdrant-local does not is no unknown route: 400 in Qdrant's envelope
  // (README, "not served"). Against a real Qdrant these are served: 200.
  it.each(['search/matrix/pairs', 'search/matrix/offsets', 'search/groups', 'recommend/groups'])('%s', async (op) => {
    const res = await rest('POST', `/collections/${C}/points/${op}`, { sample: 2, limit: 1 });
    if (qdrant.info.engine === 'qdrant') return;
    expect(errorOf(res, 400)).toMatch(/^Bad request: .* is not supported by qdrant-local$/);
  });
});

describe('/telemetry in qdrant-client\'s TelemetryData shape', () => {
  // qdrant-client's models (Qdrant's openapi.json): `AppBuildTelemetry` has no field for this
  // stand-in's version, and `RunningEnvironmentTelemetry` requires is_docker, container_runtime and
  // cpu_flags.
  const APP_FIELDS = ['name', 'version', 'features', 'runtime_features', 'low_memory_mode', 'hnsw_global_config', 'system', 'jwt_rbac', 'hide_jwt_dashboard', 'audit', 'startup'];

  it.each([0, 1])('details_level %i', async (level) => {
    const res = await rest('GET', `/telemetry?details_level=${level}`);
    expect(res.status, res.text).toBe(200);
    const app = (res.json as { result: { app: Record<string, unknown> } }).result.app;
    for (const key of Object.keys(app)) expect(APP_FIELDS, `app.${key}`).toContain(key);
    const system = app.system as Record<string, unknown>;
    expect(typeof system.is_docker).toBe('boolean');
    expect(['none', 'docker', 'kubernetes', 'other']).toContain(system.container_runtime);
    expect(typeof system.cpu_flags).toBe('string');
  });
});
