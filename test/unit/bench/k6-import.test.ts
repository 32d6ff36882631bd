/**
 * `bench import-k6` on JSON-lines files written per k6's documented `--out json` format
 * (grafana.com/docs/k6, "JSON output"): Metric and Point lines, times in RFC 3339 with
 * nanoseconds. Two runners of one test (different latencies, failures, dropped iterations,
 * recall samples, two models, a health endpoint), imported alone and together.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram, newLatencyHistogram, percentilesMs } from '../../../src/bench/histogram.ts';
import { classifyK6Failure } from '../../../src/bench/k6-import/classify.ts';
import { importK6 } from '../../../src/bench/k6-import/index.ts';
import { parseK6Time } from '../../../src/bench/k6-import/parse-lines.ts';
import { mergeResults } from '../../../src/bench/merge.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { UserError } from '../../../src/util/errors.ts';
import { runCommand } from '../../helpers/run-command.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const URL_TAG = 'http://127.0.0.1:8000/api/v1/vectors/search';

/** k6's time format: RFC 3339 with nanoseconds. */
const k6Time = (ms: number): string => {
  const whole = Math.floor(ms);
  const us = Math.round((ms - whole) * 1000);
  return `${new Date(whole).toISOString().slice(0, 23)}${String(us).padStart(3, '0')}000Z`;
};

interface Failure {
  status: string;
  error_code?: string;
}

interface RunnerSpec {
  startMs: number;
  searches: number;
  ratePerS: number;
  latencyMs: (i: number) => number;
  failure?: (i: number) => Failure | null;
  recall?: (i: number) => number;
  dropped?: number;
  healthEvery?: number;
  scenario?: string;
  profile?: string;
}

interface Written {
  lines: string[];
  /** Every search's http_req_duration value, in order. */
  searchMs: number[];
}

const metricLine = (metric: string, type: string, contains: string): string =>
  JSON.stringify({ type: 'Metric', data: { name: metric, type, contains, thresholds: [], submetrics: null }, metric });
const point = (metric: string, ms: number, value: number, tags: Record<string, string>): string =>
  JSON.stringify({ type: 'Point', data: { time: k6Time(ms), value, tags }, metric });

function runnerLines(spec: RunnerSpec): Written {
  const scenario = spec.scenario ?? 'load';
  const base = { scenario, scenario_type: scenario, profile: spec.profile ?? 'ci', group: '', proto: 'HTTP/1.1' };
  const lines = [
    metricLine('vus', 'gauge', 'default'),
    metricLine('http_reqs', 'counter', 'default'),
    metricLine('http_req_duration', 'trend', 'time'),
    metricLine('http_req_failed', 'rate', 'default'),
    metricLine('recall_at_k', 'trend', 'default'),
    metricLine('dropped_iterations', 'counter', 'default'),
    // setup(): the readiness gate, not the load
    point('http_req_duration', spec.startMs - 500, 2, { group: '::setup', endpoint: 'search', method: 'POST', status: '200', url: URL_TAG }),
    point('vus', spec.startMs, 4, { ...base }),
  ];
  const searchMs: number[] = [];
  for (let i = 0; i < spec.searches; i++) {
    const ms = spec.latencyMs(i);
    const at = spec.startMs + (i * 1000) / spec.ratePerS + ms;
    const model = i % 3 === 0 ? 'general' : 'mixtral';
    const fail = spec.failure?.(i) ?? null;
    const tags: Record<string, string> = { ...base, endpoint: 'search', model, method: 'POST', name: 'search', url: URL_TAG, status: fail?.status ?? '200', ...(fail?.error_code ? { error_code: fail.error_code } : {}) };
    searchMs.push(ms);
    lines.push(point('http_reqs', at, 1, tags));
    lines.push(point('http_req_waiting', at, ms * 0.9, tags));
    lines.push(point('http_req_duration', at, ms, tags));
    lines.push(point('http_req_failed', at, fail ? 1 : 0, tags));
    if (!fail && spec.recall) lines.push(point('recall_at_k', at, spec.recall(i), { ...base, model, endpoint: 'search' }));
    if (spec.healthEvery && i % spec.healthEvery === 0) {
      const h = { ...base, endpoint: 'health', method: 'GET', name: 'health', url: 'http://127.0.0.1:8000/health', status: '200' };
      lines.push(point('http_req_duration', at + 1, 1.5, h));
      lines.push(point('http_req_failed', at + 1, 0, h));
    }
  }
  for (let d = 0; d < (spec.dropped ?? 0); d++) lines.push(point('dropped_iterations', spec.startMs + 1000 * (d + 1), 1, { ...base }));
  return { lines, searchMs };
}

// Runner A: fast (5–14.9 ms), 1000 searches at 100/s, 5 failures of three kinds, 3 dropped.
const failA = (i: number): Failure | null => (i === 10 ? { status: '500' } : i === 20 ? { status: '429' } : i % 300 === 7 ? { status: '0', error_code: '1050' } : null);
const specA: RunnerSpec = { startMs: T0, searches: 1000, ratePerS: 100, latencyMs: (i) => 5 + (i % 100) / 10, failure: failA, recall: (i) => (i % 10 === 0 ? 0.9 : 1), dropped: 3, healthEvery: 50 };
// Runner B: slow (20–79 ms), 400 searches at 40/s, 2 connect failures, 1 dropped.
const failB = (i: number): Failure | null => (i === 5 || i === 6 ? { status: '0', error_code: '1212' } : null);
const specB: RunnerSpec = { startMs: T0 + 250, searches: 400, ratePerS: 40, latencyMs: (i) => 20 + (i % 60), failure: failB, recall: () => 0.8, dropped: 1, healthEvery: 40 };
const specClean: RunnerSpec = { startMs: T0, searches: 600, ratePerS: 100, latencyMs: (i) => 2 + (i % 10) / 10, recall: () => 1 };

let dir: string;
let fileA: string;
let fileB: string;
let fileClean: string;
let written: { a: Written; b: Written };

const countFailures = (spec: RunnerSpec): number => Array.from({ length: spec.searches }, (_, i) => spec.failure?.(i)).filter(Boolean).length;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k6-import-'));
  written = { a: runnerLines(specA), b: runnerLines(specB) };
  fileA = join(dir, 'runner-a.json');
  fileB = join(dir, 'runner-b.json');
  fileClean = join(dir, 'clean.json');
  await writeFile(fileA, `${written.a.lines.join('\n')}\n`);
  await writeFile(fileB, `${written.b.lines.join('\n')}\n`);
  await writeFile(fileClean, `${runnerLines(specClean).lines.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function histOf(...values: number[][]) {
  const h = newLatencyHistogram();
  for (const v of values.flat()) h.recordValue(Math.max(1, Math.round(v * 1000)));
  return h;
}

describe('k6 JSON output parsing', () => {
  it('reads k6 times with nanoseconds and offsets, to the microsecond', () => {
    expect(parseK6Time('2017-05-09T14:34:45.625742514+02:00')).toBeCloseTo(Date.parse('2017-05-09T12:34:45.625Z') + 0.742, 6);
    expect(parseK6Time('2026-03-01T10:00:00Z')).toBe(T0);
    expect(parseK6Time('yesterday')).toBeNaN();
  });

  it("classifies failed requests by status, then by k6's error_code", () => {
    expect(classifyK6Failure({ status: '503' })).toBe('5xx');
    expect(classifyK6Failure({ status: '401' })).toBe('4xx');
    expect(classifyK6Failure({ status: '0', error_code: '1050' })).toBe('timeout');
    expect(classifyK6Failure({ status: '0', error_code: '1212' })).toBe('connect');
    expect(classifyK6Failure({ status: '0', error: 'dial tcp 127.0.0.1:1: connect: connection refused' })).toBe('connect');
    expect(classifyK6Failure({ status: '0' })).toBe('other');
  });
});

describe('import-k6', () => {
  let a: BenchResults;
  let b: BenchResults;
  let joint: BenchResults;

  beforeAll(async () => {
    a = await importK6([fileA]);
    b = await importK6([fileB]);
    joint = await importK6([fileA, fileB]);
  });

  it('one runner: searches as the top-level stream, failures by class, dropped iterations as requests and errors', () => {
    expect(benchResultsSchema.safeParse(a).success).toBe(true);
    const failures = countFailures(specA);
    expect(a.requests).toBe(specA.searches + 3);
    expect(a.errors).toBe(failures + 3);
    expect(a.ok).toBe(specA.searches - failures);
    expect(a.errors_by_class).toMatchObject({ '5xx': 1, '4xx': 1, timeout: failures - 2, dropped: 3 });
    expect(a.error_rate).toBeCloseTo((failures + 3) / (specA.searches + 3), 6);
    expect(a.latency_ms).toEqual(percentilesMs(histOf(written.a.searchMs)));
    // recall: mean of the recall_at_k samples (one per good answer)
    const recalls = Array.from({ length: specA.searches }, (_, i) => i).filter((i) => !failA(i)).map((i) => specA.recall!(i));
    expect(a.recall_samples).toBe(recalls.length);
    expect(a.recall_at_k).toBeCloseTo(recalls.reduce((s, x) => s + x, 0) / recalls.length, 6);
    expect(a.k).toBe(10);
    expect(a.mode).toBe('open');
    expect(a.latency_corrected).toBe(true);
    expect(a.latency_note).toMatch(/actual send.*dropped/);
    expect(a.runner).toEqual({ tool: 'k6', source: 'k6-json', scenario: 'load' });
    expect(a.params).toMatchObject({ files: [fileA], scenario: 'load', profile: 'ci' });
    expect(a.target).toEqual({ url: 'http://127.0.0.1:8000', api: 'gateway' });
    expect(a.gates.profile).toBe('ci'); // from the samples' profile tag
    expect(a.driver).toHaveLength(1);
    expect(a.merged_from).toBeUndefined();
    expect(a.warnings.some((w) => /dropped 3 iteration/.test(w))).toBe(true);
  });

  it('keeps per-model (per_collection) and per-endpoint figures; health is not a search', () => {
    const byModel = Object.fromEntries(a.per_collection.map((c) => [c.collection, c]));
    expect(Object.keys(byModel).sort()).toEqual(['general', 'mixtral']);
    expect(byModel.general!.dataset).toBe('model-general');
    expect(byModel.general!.requests + byModel.mixtral!.requests).toBe(specA.searches);
    expect(byModel.general!.weight + byModel.mixtral!.weight).toBeCloseTo(1, 6);
    expect(byModel.general!.requests).toBe(Math.ceil(specA.searches / 3));
    expect(byModel.general!.latency_ms).toEqual(percentilesMs(histOf(written.a.searchMs.filter((_, i) => i % 3 === 0))));
    const endpoints = Object.fromEntries((a.per_endpoint ?? []).map((e) => [e.endpoint, e]));
    expect(Object.keys(endpoints).sort()).toEqual(['health', 'search']);
    expect(endpoints.health!.requests).toBe(specA.searches / specA.healthEvery!);
    expect(endpoints.health!.latency_ms.p99).toBeCloseTo(1.5, 2);
    expect(endpoints.search!.requests).toBe(a.requests);
    expect(endpoints.search!.latency_ms).toEqual(a.latency_ms);
  });

  it('timeline per second of sample time, throughput from the searches\' time window', () => {
    expect(a.timeline.reduce((s, t) => s + t.requests, 0)).toBe(a.requests);
    expect(a.timeline.reduce((s, t) => s + t.errors, 0)).toBe(a.errors);
    expect(a.timeline[0]!.second).toBe(0);
    expect(a.timeline.map((t) => t.second)).toEqual(a.timeline.map((_, i) => i));
    expect(a.duration_s).toBeGreaterThan(9.9);
    expect(a.duration_s).toBeLessThan(10.1);
    expect(a.throughput_rps).toBeCloseTo(a.ok / a.duration_s, 0);
    expect(a.started_at < a.finished_at).toBe(true);
    // setup() samples are not the load
    expect(a.driver[0]!.setup_samples_excluded).toBe(1);
  });

  it('several runners: all samples pooled into the same histograms, exactly as one histogram of all points', () => {
    expect(benchResultsSchema.safeParse(joint).success).toBe(true);
    const one = histOf(written.a.searchMs, written.b.searchMs);
    expect(joint.latency_ms).toEqual(percentilesMs(one));
    const decoded = decodeHistogram(joint.histogram!.data);
    expect(decoded.totalCount).toBe(specA.searches + specB.searches);
    // Averaging the runners' p95s would say something else entirely.
    expect(joint.latency_ms.p95).not.toBeCloseTo((a.latency_ms.p95 + b.latency_ms.p95) / 2, 0);
    expect(joint.requests).toBe(a.requests + b.requests);
    expect(joint.errors).toBe(a.errors + b.errors);
    expect(joint.ok).toBe(a.ok + b.ok);
    expect(joint.errors_by_class.connect).toBe(2);
    expect(joint.errors_by_class.dropped).toBe(4);
    expect(joint.recall_samples).toBe(a.recall_samples + b.recall_samples);
    expect(joint.recall_at_k).toBeCloseTo((a.recall_at_k! * a.recall_samples + b.recall_at_k! * b.recall_samples) / (a.recall_samples + b.recall_samples), 6);
    expect(joint.timeline.reduce((s, t) => s + t.requests, 0)).toBe(joint.requests);
    for (const model of ['general', 'mixtral']) {
      const of = (r: BenchResults) => r.per_collection.find((c) => c.collection === model)!;
      expect(of(joint).requests).toBe(of(a).requests + of(b).requests);
    }
    expect(joint.merged_from).toEqual(['runner-a.json', 'runner-b.json']);
  });

  it('keeps each runner\'s own figures in driver[]', () => {
    expect(joint.driver).toHaveLength(2);
    const [da, db] = joint.driver as Record<string, unknown>[];
    expect(da).toMatchObject({ runner: 'k6', file: fileA, requests: a.requests, errors: a.errors, p50_ms: a.latency_ms.p50, p95_ms: a.latency_ms.p95, p99_ms: a.latency_ms.p99 });
    expect(db).toMatchObject({ runner: 'k6', file: fileB, requests: b.requests, errors: b.errors, p50_ms: b.latency_ms.p50, p95_ms: b.latency_ms.p95, p99_ms: b.latency_ms.p99 });
  });

  it('merging the single imports (`bench merge`) gives the joint import\'s percentiles', () => {
    const merged = mergeResults([a, b]);
    expect(merged.latency_ms).toEqual(joint.latency_ms);
    expect(merged.requests).toBe(joint.requests);
    expect(merged.errors_by_class).toEqual(joint.errors_by_class);
    for (const c of joint.per_collection) expect(merged.per_collection.find((m) => m.collection === c.collection)!.latency_ms).toEqual(c.latency_ms);
  });

  it('judges the gates: a p95 over the gate fails, a clean fast run passes', async () => {
    const p95 = (r: BenchResults) => r.gates.results.find((g) => g.name === 'search_p95')!;
    expect(b.latency_ms.p95).toBeGreaterThan(50);
    expect(p95(b).pass).toBe(false);
    expect(b.pass).toBe(false);
    expect(p95(a).pass).toBe(true);
    expect(a.gates.results.find((g) => g.name === 'error_rate')!.pass).toBe(false);
    const clean = await importK6([fileClean]);
    expect(clean.gates.results.every((g) => g.pass)).toBe(true);
    expect(clean.pass).toBe(true);
    // --profile wins over the samples' tag
    const prod = await importK6([fileClean], { profile: 'production', targetUrl: 'https://gw.example', k: 5, runId: 'r1' });
    expect(prod.gates.profile).toBe('production');
    expect(prod.pass).toBe(false); // 10,000 ops/s is not 100
    expect(prod).toMatchObject({ run_id: 'r1', k: 5, target: { url: 'https://gw.example' } });
  });

  it('a closed-loop scenario (per-vu-iterations) is not latency-corrected and its latency gates are not judged', async () => {
    const f = join(dir, 'smoke.json');
    await writeFile(f, runnerLines({ ...specClean, scenario: 'smoke' }).lines.join('\n'));
    const r = await importK6([f]);
    expect(r.mode).toBe('closed');
    expect(r.latency_corrected).toBe(false);
    expect(r.gates.results.some((g) => g.metric.startsWith('latency_ms.'))).toBe(false);
    expect(r.runner?.scenario).toBe('smoke');
  });

  it("judges a scenario's run by the scenario's gates only, as its k6 thresholds do", async () => {
    const f = join(dir, 'stress.json');
    await writeFile(f, runnerLines({ ...specB, scenario: 'stress' }).lines.join('\n'));
    const r = await importK6([f]);
    expect(r.mode).toBe('open'); // ramping-arrival-rate
    expect(r.gates.results.map((g) => g.name)).toEqual(['error_rate', 'recall_at_10']);
    expect(a.gates.results.map((g) => g.name)).toEqual(['search_p95', 'throughput', 'error_rate', 'recall_at_10']);
  });

  it("counts the scripts' bad_body verdicts (search_errors) as errors and their cached answers (search_cached)", async () => {
    const f = join(dir, 'bad-body.json');
    const lines = runnerLines(specClean).lines;
    const tags = { scenario: 'load', scenario_type: 'load', profile: 'ci', model: 'mixtral' };
    lines.push(point('search_errors', T0 + 100, 1, { ...tags, class: 'bad_body' }), point('search_errors', T0 + 200, 1, { ...tags, class: 'bad_body' }));
    lines.push(point('search_errors', T0 + 300, 1, { ...tags, class: '5xx' })); // an http_req_failed sample already
    for (let i = 0; i < 60; i++) lines.push(point('search_cached', T0 + i, 1, tags));
    await writeFile(f, lines.join('\n'));
    const r = await importK6([f]);
    expect(r.errors_by_class.bad_body).toBe(2);
    expect(r.errors_by_class['5xx']).toBe(0);
    expect(r.ok).toBe(specClean.searches - 2);
    expect(r.per_collection.find((c) => c.collection === 'mixtral')!.errors_by_class.bad_body).toBe(2);
    expect(r.cached_answers).toBe(60);
    expect(r.warnings.some((w) => /from the gateway's cache/.test(w))).toBe(true);
    expect(r.timeline.reduce((s2, t) => s2 + t.errors, 0)).toBe(2);
  });

  it('reads gzipped output (k6 run --out json=out.gz) like plain', async () => {
    const gz = join(dir, 'runner-a.gz');
    await writeFile(gz, gzipSync(await readFile(fileA)));
    const r = await importK6([gz]);
    expect(r.latency_ms).toEqual(a.latency_ms);
    expect(r.requests).toBe(a.requests);
  });

  it('warns when a runner has no searches or the runners\' time ranges do not overlap', async () => {
    const healthOnly = join(dir, 'health-only.json');
    const h = runnerLines({ ...specClean, searches: 0 }).lines;
    h.push(point('http_req_duration', T0 + 100, 1, { endpoint: 'health', scenario: 'load', status: '200' }));
    await writeFile(healthOnly, h.join('\n'));
    const later = join(dir, 'later.json');
    await writeFile(later, runnerLines({ ...specClean, startMs: T0 + 3_600_000 }).lines.join('\n'));
    const r = await importK6([fileClean, healthOnly, later]);
    expect(r.warnings.some((w) => w.includes('health-only.json: no search requests'))).toBe(true);
    expect(r.warnings.some((w) => /time ranges do not overlap/.test(w))).toBe(true);
    expect(r.driver).toHaveLength(3);
  });

  it('refuses, in one line naming the file and what to pass, a missing file, a file that is not k6 JSON output, and no searches at all', async () => {
    const notK6 = join(dir, 'results.json');
    await writeFile(notK6, JSON.stringify({ schema: 'vdb-readiness/bench@2' }, null, 2));
    const csv = join(dir, 'out.csv');
    await writeFile(csv, 'metric_name,timestamp,metric_value\nhttp_reqs,1595325560,1.000000\n');
    const healthOnly = join(dir, 'only-health.json');
    await writeFile(healthOnly, point('http_req_duration', T0, 1, { endpoint: 'health' }));
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '\n\n');
    const cases: [string, RegExp][] = [
      [join(dir, 'nope.json'), /nope\.json \(no such file\).*k6 run --out json=out\.json/],
      [notK6, /results\.json is not k6 JSON output.*k6 run --out json=/],
      [csv, /out\.csv is not k6 JSON output/],
      [empty, /empty\.json is not k6 JSON output \(it is empty\)/],
      [healthOnly, /no search requests in .*only-health\.json.*endpoint:search/],
    ];
    for (const [file, message] of cases) {
      const err = await importK6([file]).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('skips a line cut short at the end (k6 killed mid-write), and says so', async () => {
    const cut = join(dir, 'cut.json');
    await writeFile(cut, `${written.a.lines.join('\n')}\n{"type":"Point","data":{"time":"2026-03-01T10:00:`);
    const r = await importK6([cut]);
    expect(r.requests).toBe(a.requests);
    expect(r.warnings.some((w) => /1 line\(s\) were not k6 JSON/.test(w))).toBe(true);
  });
});

describe('npm run bench -- import-k6 (CLI)', () => {
  const cli = (...args: string[]) => runCommand(process.execPath, ['--import', 'tsx', 'src/cli/bench.ts', ...args], { timeoutMs: 60_000 });
  const runDir = async (out: string): Promise<string> => {
    const runs = (await readdir(out)).filter((n) => !n.startsWith('latest') && !n.startsWith('.'));
    expect(runs).toHaveLength(1);
    return join(out, runs[0]!);
  };

  it('writes results.json and junit.xml, exits by the gates, and merges like the joint import', async () => {
    const outPass = join(dir, 'out-pass');
    const pass = await cli('import-k6', fileClean, '--out', outPass);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    const passDir = await runDir(outPass);
    expect(existsSync(join(passDir, 'junit.xml'))).toBe(true);
    expect(pass.stdout).toContain('verdict: PASS');

    const outA = join(dir, 'out-a');
    const outB = join(dir, 'out-b');
    const outJoint = join(dir, 'out-joint');
    const [ra, rb, rj] = await Promise.all([cli('import-k6', fileA, '--out', outA), cli('import-k6', fileB, '--out', outB), cli('import-k6', fileA, fileB, '--out', outJoint, '--profile', 'ci', '--scenario', 'load')]);
    expect([ra.code, rb.code, rj.code]).toEqual([1, 1, 1]);
    const [dirA, dirB, dirJoint] = await Promise.all([runDir(outA), runDir(outB), runDir(outJoint)]);
    const jointResults = benchResultsSchema.parse(JSON.parse(await readFile(join(dirJoint, 'results.json'), 'utf8')));
    expect(await readFile(join(dirJoint, 'junit.xml'), 'utf8')).toContain('search_p95');
    const mergedFile = join(dir, 'merged.json');
    const m = await cli('merge', join(dirA, 'results.json'), join(dirB, 'results.json'), '-o', mergedFile);
    expect(m.code).toBe(1);
    const merged = benchResultsSchema.parse(JSON.parse(await readFile(mergedFile, 'utf8')));
    expect(merged.latency_ms).toEqual(jointResults.latency_ms);
    expect(merged.requests).toBe(jointResults.requests);
  });

  it('a bad file is one line on stderr and exit 2', async () => {
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'running (0m01.0s), 1/1 VUs\n');
    const r = await cli('import-k6', bad, '--out', join(dir, 'out-bad'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*bad\.txt is not k6 JSON output.*k6 run --out json=out\.json/);
    const unknownProfile = await cli('import-k6', fileA, '--profile', 'staging');
    expect(unknownProfile.code).toBe(2);
    expect(unknownProfile.stderr).toMatch(/--profile must be one of production, ci/);
  });
});
