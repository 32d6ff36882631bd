import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATE_PROFILES } from '../../../src/gates/definitions.ts';
import { withGeneratedTables, fieldDocs } from '../../../src/results/docs.ts';
import { KNOWN_SCHEMAS, RESULT_KINDS, rejudge } from '../../../src/results/kinds.ts';
import { readResults } from '../../../src/results/read.ts';
import type { ReadinessResults } from '../../../src/results/readiness.ts';
import { ResultsStore } from '../../../src/results/store.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { UserError } from '../../../src/util/errors.ts';

const readiness = (over: Partial<ReadinessResults> = {}): ReadinessResults => ({
  schema: 'vdb-readiness/readiness@2',
  kind: 'readiness',
  run_id: '20261201-000000-readiness-abcd',
  state: 'complete',
  started_at: '2026-12-01T00:00:00.000Z',
  finished_at: '2026-12-01T00:00:10.000Z',
  gates: { profile: 'ci', label: 'ci', results: [] },
  verdict: 'GO',
  verdict_reasons: [],
  run: { command: 'npm run readiness', suite_version: '0.1.0', node: '20', host: 'h', options: { target: 'local', only: [], comprehensive: false, allow_disruptive: false, profile: 'ci' } },
  target: { kind: 'local', gateway_url: 'http://127.0.0.1:1', fingerprint: { collections: {}, notes: [] } },
  summary: { total: 1, passed: 1, failed: 0, skipped: 0, required_failed: 0 },
  checks: [{ id: 'performance/p', group: 'performance', title: 'p', status: 'passed', required: true, duration_ms: 1, evidence: [], measurements: { 'latency_ms.p95': 30 } }],
  checklist: [],
  ...over,
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('results model', () => {
  it('writes atomically through one store and points latest and latest-<kind> at the run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-results-'));
    const r = readiness();
    const store = await ResultsStore.create(r.run_id, dir);
    await store.save({ ...r, state: 'running' });
    await store.save(r);
    await store.writeFile('junit.xml', '<x/>');
    expect(await readlink(join(dir, 'latest'))).toBe(r.run_id);
    expect(await readlink(join(dir, 'latest-readiness'))).toBe(r.run_id);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toMatchObject({ state: 'complete' });
    // A run directory reads like its results.json; the kind can be required.
    expect((await readResults(join(dir, 'latest'))).kind).toBe('readiness');
    await expect(readResults(join(dir, 'latest'), 'bench')).rejects.toThrow(/holds a readiness run: pass the results of a bench run/);
  });

  it('refuses what is not a results file with one line naming the known schemas, and an invalid one naming the field', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-results-'));
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ schema: 'vdb-readiness/readiness@1' }));
    await expect(readResults(other)).rejects.toThrow(UserError);
    await expect(readResults(other)).rejects.toThrow(/known: .*readiness@2/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...readiness(), summary: { total: 'one' } }));
    await expect(readResults(bad)).rejects.toThrow(/not a valid vdb-readiness\/readiness@2 file: summary\.total/);
    expect(KNOWN_SCHEMAS).toContain('vdb-readiness/bench@1');
  });

  it('upgrades a bench@1 file on reading (gate_profile and a bare gates array become the gates section)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-results-'));
    const hist = { encoding: 'hdr-histogram-js/compressed-base64', unit: 'us', data: '' };
    const lat = { p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1, min: 1, mean: 1 };
    const errs = { timeout: 0, connect: 0, '4xx': 0, '5xx': 0, bad_body: 0, dropped: 0, other: 0 };
    const stream = { requests: 1, ok: 1, errors: 0, errors_by_class: errs, error_rate: 0, recall_at_k: 1, recall_samples: 1, latency_ms: lat, histogram: hist };
    const v1 = {
      schema: 'vdb-readiness/bench@1', run_id: 'r1', kind: 'bench', started_at: 'a', finished_at: 'b', mode: 'open', latency_corrected: true, latency_note: '', duration_s: 1,
      throughput_rps: 1, k: 10, params: {}, target: { url: 'http://127.0.0.1:1', api: 'gateway' }, timeline: [], per_collection: [], driver: [], warnings: [], ...stream,
      gate_profile: { name: 'ci', label: 'ci label' }, gates: [{ name: 'error_rate', metric: 'error_rate', op: '<', threshold: 0.001, unit: 'ratio', value: 0, pass: true }], pass: true,
    };
    const file = join(dir, 'v1.json');
    await writeFile(file, JSON.stringify(v1));
    const r = await readResults(file, 'bench');
    expect(r.schema).toBe('vdb-readiness/bench@2');
    expect(r.gates).toEqual({ profile: 'ci', label: 'ci label', results: v1.gates });
  });

  it('judges a readiness run again by another profile: the same measurement, another threshold', () => {
    const r = readiness();
    const ci = rejudge(r, GATE_PROFILES.ci);
    const prod = rejudge(r, GATE_PROFILES.production);
    expect(ci.gates.results.find((g) => g.name === 'search_p95')).toMatchObject({ value: 30, pass: true });
    expect(prod.gates.results.find((g) => g.name === 'search_p95')).toMatchObject({ value: 30, pass: false, threshold: 10 });
    expect(prod.gates.profile).toBe('production');
  });

  it('keeps reports/README.md\'s field tables equal to what the schemas generate, every field described', async () => {
    for (const kind of Object.keys(RESULT_KINDS) as (keyof typeof RESULT_KINDS)[]) {
      const undocumented = fieldDocs(kind).filter((f) => !f.description).map((f) => f.path);
      expect(undocumented, `${kind} fields without .describe()`).toEqual([]);
    }
    const readme = await readFile(join(REPO_ROOT, 'reports', 'README.md'), 'utf8');
    expect(withGeneratedTables(readme), 'reports/README.md is stale: run npm run docs:results').toBe(readme);
  });
});
