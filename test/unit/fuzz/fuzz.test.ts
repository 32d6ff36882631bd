/**
 * The fuzz run's own parts, without a fuzzer or a server: reading schemathesis's event stream
 * (cases per operation, failures, the suite's leak check, case files without credentials), the
 * leak check's echo rule, the replay's judgement (against a stub HTTP server), the config and the
 * command line schemathesis gets (no secret in either), the results file through the one reader,
 * and the JUnit/HTML/summary renderings.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fuzzHtml, fuzzJunit, fuzzSummary } from '../../../reports/render/fuzz.ts';
import { renderJunit, renderSummary } from '../../../reports/render/index.ts';
import { collectEvents, operationMatcher, relativePath } from '../../../src/fuzz/collect.ts';
import { findLeaks, withoutEcho } from '../../../src/fuzz/leaks.ts';
import { caseFiles, readCase, replayCase } from '../../../src/fuzz/replay.ts';
import { judge, targetSecrets } from '../../../src/fuzz/run.ts';
import { GATEWAY_EXEMPTIONS, SCHEMATHESIS_CHECKS, stArgs, stConfig } from '../../../src/fuzz/schemathesis.ts';
import { FUZZ_CASE_SCHEMA, FUZZ_SCHEMA } from '../../../src/results/fuzz.ts';
import type { FuzzCase, FuzzResults } from '../../../src/results/fuzz.ts';
import { readResults } from '../../../src/results/read.ts';

const SECRET = 'gw-load-SECRET-0123456789';
const BASE = 'http://127.0.0.1:8000';
const b64 = (s: string): { $base64: string } => ({ $base64: Buffer.from(s).toString('base64') });

function interaction(method: string, path: string, status: number, answer: string, body?: string) {
  return {
    request: { method, uri: `${BASE}${path}`, headers: { 'X-API-Key': [SECRET], 'Content-Type': ['application/json'], 'User-Agent': ['schemathesis/4'] }, body: body === undefined ? null : b64(body) },
    response: { status_code: status, headers: { 'content-type': ['application/json'] }, content: b64(answer), elapsed: 0.01 },
  };
}

const EVENTS = [
  { Initialize: { schemathesis_version: '4.32.5', seed: 1 } },
  {
    ScenarioFinished: {
      status: 'failure',
      recorder: {
        label: 'POST /api/v1/vectors/search',
        interactions: {
          a: interaction('POST', '/api/v1/vectors/search', 400, '{"error":{"code":"GW_ERR_VALIDATION","message":"body/query_vector must NOT have fewer than 1 items"}}', '{"collection":"x","query_vector":[]}'),
          b: interaction('POST', '/api/v1/vectors/search', 500, '{"error":{"code":"GW_ERR_INTERNAL","message":"internal error"}}', '{"collection":"x","query_vector":[]}'),
          // echoes what was sent: not a leak
          c: interaction('POST', '/api/v1/vectors/search', 404, '{"error":{"message":"collection /tmp/evil does not exist"}}', '{"collection":"/tmp/evil","query_vector":[1]}'),
          // a stack trace of its own: a leak
          d: interaction('POST', '/api/v1/vectors/search', 400, '{"error":{"message":"TypeError: x is undefined\\n    at handler (/srv/app/src/routes/vectors.ts:12:5)"}}', '{"collection":"y","query_vector":[1]}'),
        },
        checks: {
          a: [{ name: 'not_a_server_error', status: 'success' }],
          b: [{ name: 'not_a_server_error', status: 'failure', failure_info: { failure: { code: 'ST101', title: 'Server error', message: `500 for key ${SECRET}` } } }],
          c: [{ name: 'not_a_server_error', status: 'success' }],
          d: [{ name: 'not_a_server_error', status: 'success' }],
        },
      },
    },
  },
  {
    ScenarioFinished: {
      status: 'success',
      recorder: {
        label: 'Stateful tests',
        interactions: { e: interaction('GET', '/api/v1/collections/mixtral', 200, '{"name":"mixtral"}'), f: interaction('GET', '/api/v1/collections', 200, `{"key":"${SECRET}"}`) },
        checks: {},
      },
    },
  },
  { ScenarioFinished: { status: 'skip', recorder: { label: 'GET /health' } } },
];

describe('collectEvents: schemathesis NDJSON → operations, failures, case files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-fuzz-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('counts every exchange under its operation, judges leaks, and saves cases without credentials', async () => {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n{"cut off`);
    const got = await collectEvents(file, { api: 'gateway', baseUrl: BASE, runId: 'r1', secrets: [SECRET], operations: ['POST /api/v1/vectors/search', 'GET /api/v1/collections', 'GET /api/v1/collections/{collection}'] });
    expect(got.version).toBe('4.32.5');
    expect(got.cases).toBe(6);
    const search = got.operations.find((o) => o.operation === 'POST /api/v1/vectors/search')!;
    expect(search).toMatchObject({ cases: 4, failed_cases: 2, server_errors: 1, leaks: 1, statuses: { 400: 2, 500: 1, 404: 1 } });
    expect(search.checks_failed.sort()).toEqual(['no_leak', 'not_a_server_error']);
    // the stateful phase's exchanges go to the operations they match
    expect(got.operations.find((o) => o.operation === 'GET /api/v1/collections/{collection}')?.cases).toBe(1);
    expect(got.operations.find((o) => o.operation === 'GET /api/v1/collections')).toMatchObject({ cases: 1, leaks: 1 });
    expect(got.failing).toHaveLength(3);
    expect(got.failures.map((f) => f.check).sort()).toEqual(['no_leak', 'no_leak', 'not_a_server_error']);
    const five = got.failing.find((c) => c.answer.status === 500)!;
    expect(five).toMatchObject({ schema: FUZZ_CASE_SCHEMA, method: 'POST', path: '/api/v1/vectors/search', auth: true, headers: { 'Content-Type': 'application/json' } });
    expect(Buffer.from(five.body_base64!, 'base64').toString()).toBe('{"collection":"x","query_vector":[]}');
    expect(JSON.stringify(got)).not.toContain(SECRET);
    expect(five.failed[0]!.message).toBe('500 for key ***');
  });

  test('relativePath and operationMatcher', () => {
    expect(relativePath(`${BASE}/a/b?c=1`, `${BASE}/`)).toBe('/a/b?c=1');
    expect(relativePath('http://other:1/x?y', BASE)).toBe('/x?y');
    const m = operationMatcher(['GET /collections/{name}', 'GET /collections/aliases', 'POST /collections/{name}/points']);
    expect(m('GET', '/collections/aliases')).toBe('GET /collections/aliases');
    expect(m('GET', '/collections/x?a=1')).toBe('GET /collections/{name}');
    expect(m('POST', '/collections/x/points')).toBe('POST /collections/{name}/points');
    expect(m('DELETE', '/collections/x')).toBeUndefined();
  });
});

describe('the leak check', () => {
  const req = { url: `${BASE}/api/v1/vectors/x%2Fhome%2Fme`, headers: {}, body: Buffer.from('{"collection":"/var/lib/thing"}') };
  test('an echo of the request is not a leak; a path of its own in an error answer is', () => {
    expect(findLeaks({ status: 404, body: '{"message":"collection /var/lib/thing does not exist"}', headers: {} }, req, [])).toEqual([]);
    expect(findLeaks({ status: 404, body: '{"message":"x/home/me is not a point id"}', headers: {} }, req, [])).toEqual([]);
    expect(findLeaks({ status: 500, body: '{"message":"cannot open /var/lib/qdrant/storage/x"}', headers: {} }, req, [])).toEqual(['a server filesystem path']);
    expect(withoutEcho('a "\\"quoted\\"" b', ['"quoted"'])).toBe('a "" b');
  });
  test('a path in a 2xx diagnostics answer is by design; a stack frame or a secret is a leak in any answer', () => {
    expect(findLeaks({ status: 200, body: '{"config_dir":"/opt/gw/config"}', headers: {} }, req, [])).toEqual([]);
    expect(findLeaks({ status: 200, body: 'at run (/opt/gw/src/a.ts:1:2)', headers: {} }, req, [])).toContain('a stack frame');
    expect(findLeaks({ status: 200, body: '{}', headers: { 'x-echo': SECRET } }, req, [SECRET])[0]).toMatch(/secret/);
  });
});

describe('replay', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method?: string; url?: string; key?: string | string[]; body: string }> = [];
  beforeAll(async () => {
    server = createServer((rq, rs) => {
      let body = '';
      rq.on('data', (d: Buffer) => (body += d.toString()));
      rq.on('end', () => {
        seen.push({ method: rq.method, url: rq.url, key: rq.headers['x-api-key'], body });
        const broken = body.includes('"query_vector":[]');
        rs.writeHead(broken ? 500 : 400, { 'content-type': 'application/json' }).end(broken ? '{"error":"internal"}' : '{"error":"bad"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const saved = (body: string, check = 'not_a_server_error', status = 500): FuzzCase => ({
    schema: FUZZ_CASE_SCHEMA, run_id: 'r', api: 'gateway', operation: 'POST /s', method: 'POST', path: '/s?x=1', headers: { 'content-type': 'application/json' }, auth: true,
    body_base64: Buffer.from(body).toString('base64'), failed: [{ check, title: 't', message: 'm' }], answer: { status, excerpt: '' },
  });

  test('a 5xx that comes back still fails; one that does not, passes; the target\'s key is sent', async () => {
    const bad = await replayCase('1.json', saved('{"query_vector":[]}'), { url, headers: { 'x-api-key': 'k-123456' } }, []);
    expect(bad).toMatchObject({ stillFails: true, status: 500 });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/s?x=1', key: 'k-123456', body: '{"query_vector":[]}' });
    const fixed = await replayCase('1.json', saved('{"query_vector":[1]}'), { url, headers: {} }, []);
    expect(fixed).toMatchObject({ stillFails: false, status: 400 });
    // another check: judged by the status recorded
    expect((await replayCase('1.json', saved('{"query_vector":[1]}', 'response_schema_conformance', 400), { url, headers: {} }, [])).stillFails).toBe(true);
    expect((await replayCase('1.json', saved('{}', 'not_a_server_error'), { url: 'http://127.0.0.1:9', headers: {} }, [])).why).toMatch(/no answer/);
  });

  test('case files: a run directory, one file, or a clear refusal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-fuzz-cases-'));
    try {
      mkdirSync(join(dir, 'cases'));
      for (const n of [2, 10, 1]) writeFileSync(join(dir, 'cases', `${n}.json`), JSON.stringify(saved('{}')));
      expect(caseFiles(dir).map((f) => f.split('/').pop())).toEqual(['1.json', '2.json', '10.json']);
      expect(readCase(join(dir, 'cases', '1.json')).method).toBe('POST');
      writeFileSync(join(dir, 'bad.json'), '{"schema":"other"}');
      expect(() => readCase(join(dir, 'bad.json'))).toThrow(/not a saved fuzz case/);
      expect(() => caseFiles(join(dir, 'none'))).toThrow(/no such case file/);
      rmSync(join(dir, 'cases'), { recursive: true });
      expect(() => caseFiles(dir)).toThrow(/holds no saved cases/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what schemathesis is given', () => {
  test('the credential through the environment only; the checks and exemptions in the config', () => {
    const o = { venv: { python: 'p', st: 'st' }, workDir: '/w', spec: '/w/s.json', baseUrl: BASE, budgetS: 30, seed: 5, exclude: ['POST /x'], secrets: [SECRET], auth: { scheme: 'apiKey', value: SECRET }, exemptions: GATEWAY_EXEMPTIONS };
    const args = stArgs(o, '/w/c.toml', '/w/e.ndjson');
    expect(args.join(' ')).not.toContain(SECRET);
    expect(args).toEqual(expect.arrayContaining(['--max-time', '30', '--seed', '5', '--exclude-name', 'POST /x', '--output-sanitize', 'false']));
    expect(args).not.toContain('--checks');
    const toml = stConfig(o);
    expect(toml).not.toContain(SECRET);
    expect(toml).toContain('[auth.openapi."apiKey"]\napi_key = "${VDB_FUZZ_AUTH}"');
    for (const c of SCHEMATHESIS_CHECKS) expect(toml).toContain(`${c}.enabled = true`);
    expect(toml).toContain('[[operations]]\ninclude-path = "/graphql"\nchecks.positive_data_acceptance.enabled = false');
  });
  test('a check off for a whole API is not enabled at all; the others are', () => {
    const toml = stConfig({ off: ['positive_data_acceptance'] });
    expect(toml).not.toContain('positive_data_acceptance.enabled = true');
    for (const c of SCHEMATHESIS_CHECKS.filter((x) => x !== 'positive_data_acceptance')) expect(toml).toContain(`${c}.enabled = true`);
  });
  test('the secrets of a target: keys and the Redis password', () => {
    expect(targetSecrets({ gateway: { url: BASE, apiKey: 'gw-key-123', keys: { limited: 'lim-key-123' } }, qdrant: { url: BASE, apiKey: 'q-key-1234' }, redis: { url: 'redis://:p%40ssword9@h:1' } }).sort()).toEqual(['gw-key-123', 'lim-key-123', 'p@ssword9', 'q-key-1234']);
  });
});

function results(over: Partial<FuzzResults> = {}): FuzzResults {
  const r: FuzzResults = {
    schema: FUZZ_SCHEMA, kind: 'fuzz', run_id: '20261202-000000-fuzz-abcd', state: 'complete', started_at: '2026-12-02T00:00:00Z', finished_at: '2026-12-02T00:02:00Z',
    gates: { profile: 'none', label: 'l', results: [] }, pass: true, reasons: [], wall_time_ms: 120_000,
    run: { command: 'npm run fuzz', suite_version: '0.1.0', node: 'v20', host: 'h', options: { target: 'local', apis: ['gateway'], budget_s: 120, seed: 1, allow_writes: false } },
    fuzzer: { name: 'schemathesis', version: '4.32.5', checks: ['not_a_server_error', 'no_leak'] },
    target: { kind: 'local', gateway_url: BASE },
    summary: { cases: 10, operations: 2, failures: 0, server_errors: 0, leaks: 0, saved_cases: 0 },
    apis: [{ api: 'gateway', base_url: BASE, spec: 'GET /openapi.json', budget_s: 120, duration_ms: 120_000, cases: 10, operations: 2, excluded: [], fuzzer_exit_code: 0, healthy_after: true, health: 'GET /health: 200' }],
    operations: [
      { api: 'gateway', operation: 'GET /health', cases: 4, failed_cases: 0, server_errors: 0, leaks: 0, statuses: { 200: 4 }, checks_failed: [] },
      { api: 'gateway', operation: 'POST /api/v1/vectors/search', cases: 6, failed_cases: 0, server_errors: 0, leaks: 0, statuses: { 400: 6 }, checks_failed: [] },
    ],
    failures: [],
    ...over,
  };
  return r;
}

describe('a fuzz run as a run of the suite', () => {
  test('judge: a 5xx, a leak, a failing case, an unhealthy API or an error each fail it', () => {
    const ok = results();
    judge(ok);
    expect(ok).toMatchObject({ pass: true, reasons: [] });
    const bad = results({ summary: { cases: 10, operations: 2, failures: 1, server_errors: 1, leaks: 0, saved_cases: 1 } });
    bad.apis[0]!.healthy_after = false;
    judge(bad);
    expect(bad.pass).toBe(false);
    expect(bad.reasons.join('\n')).toMatch(/not healthy after fuzzing[\s\S]*5xx[\s\S]*failing case/);
  });

  test('the one reader reads it (kinds registry), and refuses a newer version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-fuzz-read-'));
    try {
      writeFileSync(join(dir, 'results.json'), JSON.stringify(results()));
      expect((await readResults(dir)).kind).toBe('fuzz');
      writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...results(), schema: 'vdb-readiness/fuzz@9' }));
      await expect(readResults(dir)).rejects.toThrow(/newer vdb-readiness/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('JUnit: one testcase per operation, failures with the replay file; HTML and summary list them', () => {
    const r = results({
      pass: false,
      reasons: ['1 answer(s) with a 5xx status'],
      summary: { cases: 10, operations: 2, failures: 1, server_errors: 1, leaks: 0, saved_cases: 1 },
      failures: [{ api: 'gateway', operation: 'POST /api/v1/vectors/search', check: 'not_a_server_error', code: 'ST101', title: 'Server error', message: 'm <b>', request: 'POST /api/v1/vectors/search', status: 500, case_file: 'cases/1.json' }],
    });
    r.operations[1]!.failed_cases = 1;
    const xml = renderJunit(r);
    expect(xml).toBe(fuzzJunit(r));
    expect(xml).toContain('<testsuite name="fuzz.gateway" tests="3" failures="1"');
    expect(xml).toContain('<testcase classname="fuzz.gateway" name="GET /health (4 cases)" time="0"/>');
    expect(xml).toMatch(/name="POST \/api\/v1\/vectors\/search \(6 cases\)" time="0"><failure message="1 failing case\(s\): Server error">[^<]*replay: cases\/1\.json/);
    expect(xml).toContain('m &lt;b&gt;');
    const html = fuzzHtml(r);
    expect(html).toContain('cases/1.json');
    expect(html).toContain('FAIL');
    expect(html).not.toContain('<b>m');
    expect(renderSummary(r)).toBe(fuzzSummary(r));
    expect(fuzzSummary(r, '/o/results.json')).toMatch(/^FAIL {2}10 cases over 2 operations · 1 failing · 1 5xx[\s\S]*✗ gateway POST \/api\/v1\/vectors\/search: 1 case\(s\)[\s\S]*report: {2}\/o\/report\.html/);
  });
});
