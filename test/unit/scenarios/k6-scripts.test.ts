import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Options } from 'k6/options';
import { GATE_PROFILES } from '../../../src/gates/definitions.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { SCENARIOS } from '../../../scenarios/definitions.ts';
import { SCENARIO_NAMES, k6Scenario, k6Thresholds } from '../../../scenarios/model.ts';
import { gateThresholds, isDeclaration } from '../../../scenarios/k6/lib/options.ts';
import { K6_V2_MODULES, bundleForK6, evaluateScript } from './k6-harness.ts';

const files = SCENARIO_NAMES.map((n) => `${n}.ts`);

describe('k6 scripts: one per scenario, bundled as k6 loads them', () => {
  it('the module list is k6 v2\'s (each has its types in @types/k6)', () => {
    for (const m of K6_V2_MODULES) expect(existsSync(join(REPO_ROOT, 'node_modules', '@types', m, 'index.d.ts')), m).toBe(true);
  });

  it.each(files)('%s bundles with no Node built-in, no npm package, only k6 v2 modules external', async (file) => {
    const b = await bundleForK6(file);
    const inputs = Object.keys(b.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:') || p.includes('node_modules'))).toEqual([]);
    expect(b.code).not.toMatch(/\bfrom\s*["']node:|require\(/);
    expect(b.externals.length).toBeGreaterThan(0);
    for (const e of b.externals) expect(K6_V2_MODULES, `external ${e}`).toContain(e);
    // the shared modules do the work; the script is the scenario's name and four exports
    expect(b.code).toMatch(/export\s*\{[^}]*handleSummary[^}]*\}/);
  });
});

describe('k6 scripts: options come from the scenario model and the gates', () => {
  for (const profile of Object.values(GATE_PROFILES)) {
    it.each(SCENARIO_NAMES)(`%s under the ${profile.name} profile`, async (name) => {
      const mod = await evaluateScript<{ options: Options; setup: unknown; default: unknown; handleSummary: unknown }>(`${name}.ts`, { VDB_PROFILE: profile.name });
      const def = SCENARIOS[name];
      const thresholds = mod.options.thresholds as Record<string, (string | { threshold: string })[]>;
      expect(gateThresholds(thresholds)).toEqual(k6Thresholds(def, profile));
      // everything else only declares a submetric for the summary, and always holds
      for (const [key, list] of Object.entries(thresholds)) {
        const generated = k6Thresholds(def, profile)[key] ?? [];
        expect(list.slice(0, generated.length)).toEqual(generated);
        for (const t of list.slice(generated.length)) expect(isDeclaration(typeof t === 'string' ? t : t.threshold), `${key}: ${JSON.stringify(t)}`).toBe(true);
      }
      expect(mod.options.scenarios).toEqual({ [name]: k6Scenario(def, profile) });
      expect(mod.options.tags).toEqual({ profile: profile.name });
      for (const f of ['setup', 'default', 'handleSummary'] as const) expect(typeof mod[f]).toBe('function');
    });
  }

  it('VDB_RATE_SCALE and VDB_DURATION_SCALE scale the shape', async () => {
    const mod = await evaluateScript<{ options: Options }>('load.ts', { VDB_PROFILE: 'ci', VDB_RATE_SCALE: '0.5', VDB_DURATION_SCALE: '0.1' });
    expect(mod.options.scenarios!.load).toEqual(k6Scenario(SCENARIOS.load, GATE_PROFILES.ci, { rateScale: 0.5, durationScale: 0.1 }));
    expect(mod.options.scenarios!.load).toMatchObject({ rate: 30, duration: '6s' });
  });

  it('the default profile is production; a wrong value fails at init with its fix', async () => {
    const mod = await evaluateScript<{ options: Options }>('smoke.ts', {});
    expect(mod.options.tags).toEqual({ profile: 'production' });
    await expect(evaluateScript('smoke.ts', { VDB_PROFILE: 'prod' })).rejects.toThrow(/VDB_PROFILE: unknown gate profile "prod"/);
    await expect(evaluateScript('smoke.ts', { VDB_RATE_SCALE: 'fast' })).rejects.toThrow(/VDB_RATE_SCALE=fast is not a positive number/);
  });
});

describe('k6 scripts: setup, iterations and handleSummary against a stubbed k6 and gateway', () => {
  interface Stub { truth?: Map<string, number[]>; aborts: string[]; requests: { method: string; url: string; body?: string; tags?: Record<string, string> }[]; iteration?: number; answer: (method: string, url: string, body?: string) => unknown }
  type Script = { options: Options; setup: () => { models: { name: string }[] }; default: (d: unknown) => void; handleSummary: (d: unknown) => Record<string, string> };

  const models = [
    { name: 'mixtral', collection: 'mixtral_vectors', dimension: 384, distance: 'Cosine' },
    { name: 'hermes', collection: 'hermes_vectors', dimension: 384, distance: 'Cosine' },
  ];

  async function gateway(opts: { seeded: boolean }): Promise<Stub> {
    const { fixtureSpecOf, searchPayload } = await import('../../../scenarios/k6/lib/payloads.ts');
    const truth = new Map<string, number[]>();
    for (const m of models) for (let j = 0; j < 50; j++) { const p = searchPayload(m, fixtureSpecOf(m), j, 10); truth.set(p.body, p.neighbors); }
    const res = (status: number, body: unknown) => ({ status, error: '', error_code: 0, body: JSON.stringify(body) });
    const stub: Stub = {
      truth,
      aborts: [],
      requests: [],
      answer: (_method, url, body) => {
        const path = url.replace('http://gw.test', '');
        if (path === '/health') return res(200, { status: 'healthy' });
        if (path === '/api/v1/models') return res(200, { models });
        if (path === '/api/v1/vectors/search') {
          const ids = opts.seeded ? truth.get(body!) ?? [] : [999_999];
          return res(200, { results: ids.map((id, i) => ({ id, score: 0.99 - i * 0.01 })), cached: false });
        }
        if (path === '/api/v1/vectors/upsert') return res(200, { upserted: 1 });
        if (path === '/graphql') return res(200, { data: { health: { status: 'healthy' } } });
        if (/^\/api\/v1\/models\/[^/]+\/health$/.test(path)) return res(200, { status: 'healthy' });
        return res(404, {});
      },
    };
    (globalThis as Record<string, unknown>).__K6_STUB__ = stub;
    return stub;
  }

  it('mixed: setup finds the seeded models; iterations follow the mix with their tags', async () => {
    const stub = await gateway({ seeded: true });
    const mod = await evaluateScript<Script>('mixed.ts', { VDB_GATEWAY_URL: 'http://gw.test/', VDB_API_KEY: 'k', VDB_PROFILE: 'ci' });
    const data = mod.setup();
    expect(data).toEqual({ models });
    expect(stub.requests.map((r) => r.tags?.endpoint)).toEqual(['setup', 'setup', 'setup', 'setup']);
    stub.requests.length = 0;
    for (let n = 0; n < 200; n++) {
      stub.iteration = n;
      mod.default(data);
    }
    const by = (e: string) => stub.requests.filter((r) => r.tags?.endpoint === e);
    expect(by('search').length).toBeGreaterThanOrEqual(158);
    expect(by('search').length).toBeLessThanOrEqual(162);
    expect(by('upsert').length).toBeGreaterThanOrEqual(18);
    expect(by('health').length + by('graphql').length).toBeGreaterThanOrEqual(18);
    expect(new Set(by('search').map((r) => r.tags?.model))).toEqual(new Set(['mixtral', 'hermes']));
    // every search is a planted query of its model's fixture (from the shared table)
    expect(by('search').filter((r) => !stub.truth!.has(r.body!))).toEqual([]);
    expect(by('health')[0]!.url).toMatch(/^http:\/\/gw\.test\/api\/v1\/models\/(mixtral|hermes)\/health$/);
    expect(stub.aborts).toEqual([]);
  });

  it('setup aborts with the fix when the collections are not seeded', async () => {
    const stub = await gateway({ seeded: false });
    const mod = await evaluateScript<Script>('smoke.ts', { VDB_GATEWAY_URL: 'http://gw.test' });
    expect(() => mod.setup()).toThrow(/aborted/);
    expect(stub.aborts).toEqual([expect.stringMatching(/^vdb-readiness: collection mixtral_vectors of model mixtral is not seeded with the suite's fixtures/)]);
  });

  it('handleSummary writes results.json and junit.xml under VDB_OUT_DIR', async () => {
    await gateway({ seeded: true });
    const { loadSummary } = await import('./summary-fixture.ts');
    const { benchResultsSchema } = await import('../../../src/results/bench.ts');
    const mod = await evaluateScript<Script>('load.ts', { VDB_GATEWAY_URL: 'http://gw.test', VDB_PROFILE: 'ci', VDB_OUT_DIR: 'reports/out/r1', VDB_RUN_ID: 'r1', K6_VERSION: 'v2.3.0', VDB_MODELS: 'mixtral,hermes' });
    const out = mod.handleSummary(loadSummary());
    expect(Object.keys(out).sort()).toEqual(['reports/out/r1/junit.xml', 'reports/out/r1/results.json', 'stdout']);
    const r = benchResultsSchema.parse(JSON.parse(out['reports/out/r1/results.json']!));
    expect(r).toMatchObject({ run_id: 'r1', runner: { tool: 'k6', version: 'v2.3.0', scenario: 'load' } });
    const dflt = await evaluateScript<Script>('load.ts', { VDB_GATEWAY_URL: 'http://gw.test' });
    expect(Object.keys(dflt.handleSummary(loadSummary()))).toContainEqual(expect.stringMatching(/^reports\/out\/\d{8}-\d{6}-k6-[0-9a-f]{4}\/results\.json$/));
  });
});
