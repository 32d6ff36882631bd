/**
 * k6's end-of-test summary (handleSummary's `data`) → the suite's bench@2 results, judged by the
 * scenario's gates, with the JUnit XML and a short text summary: what `handleSummary` returns.
 * Pure (no k6 module, no Node API, no zod): it runs inside k6 and in the unit tests alike.
 *
 * The summary's documented shape: `metrics[name] = {type, contains, values, thresholds?}` (a
 * submetric's name is `metric{tag:value,…}`, present when a threshold names it: options.ts declares
 * the ones read here), `state.testRunDurationMs`, `options`, `root_group`, and `setup_data`.
 */
import type { Options, Threshold } from 'k6/options';
import { renderJunit } from '../../../reports/render/junit.ts';
import type { ErrorClass } from '../../../src/bench/error-class.ts';
import { judgeBench } from '../../../src/gates/apply.ts';
import type { GateProfile } from '../../../src/gates/definitions.ts';
import type { BenchResults, StreamResults } from '../../../src/results/bench.ts';
import type { ScenarioDef, ShapeOverrides } from '../../model.ts';
import { k6Scenario } from '../../model.ts';
import { maskUrl } from './config.ts';
import { METRIC, SEARCH_ERROR_CLASSES, gateThresholds, isDeclaration } from './options.ts';
import type { SetupData } from './types.ts';

export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend' | string;
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  path?: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  name?: string;
  path?: string;
  checks?: SummaryCheck[];
  groups?: SummaryGroup[];
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  state: { testRunDurationMs: number; [key: string]: unknown };
  options?: Record<string, unknown>;
  root_group?: SummaryGroup;
  setup_data?: unknown;
}

export interface SummaryContext {
  scenario: ScenarioDef;
  profile: GateProfile;
  overrides: ShapeOverrides;
  /** The options the script exported. */
  options: Options;
  k: number;
  runId: string;
  finishedAt: Date;
  gatewayUrl: string;
  k6Version?: string | undefined;
  /** The models the script declared per-model submetrics for. */
  declaredModels: string[];
}

type Tags = Record<string, string>;

/** `name{a:x,b:y}` → name and tags (order and spaces ignored). */
function parseKey(key: string): { name: string; tags: Tags } {
  const i = key.indexOf('{');
  if (i < 0 || !key.endsWith('}')) return { name: key, tags: {} };
  const tags: Tags = {};
  for (const part of key.slice(i + 1, -1).split(',')) {
    const c = part.indexOf(':');
    if (c > 0) tags[part.slice(0, c).trim()] = part.slice(c + 1).trim();
  }
  return { name: key.slice(0, i), tags };
}

const sameTags = (a: Tags, b: Tags): boolean => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** The metric or submetric with exactly these tags, if the summary has it. */
export function findMetric(metrics: SummaryData['metrics'], name: string, tags: Tags = {}): SummaryMetric | undefined {
  const direct = metrics[Object.keys(tags).length === 0 ? name : `${name}{${Object.entries(tags).map(([k, v]) => `${k}:${v}`).join(',')}}`];
  if (direct) return direct;
  for (const [key, m] of Object.entries(metrics)) {
    const p = parseKey(key);
    if (p.name === name && sameTags(p.tags, tags)) return m;
  }
  return undefined;
}

const value = (m: SummaryMetric | undefined, stat: string): number => {
  const v = m?.values[stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
};
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : 0);

const TREND_STATS: [keyof StreamResults['latency_ms'], string[]][] = [
  ['p50', ['p(50)', 'med']],
  ['p90', ['p(90)']],
  ['p95', ['p(95)']],
  ['p99', ['p(99)']],
  ['p999', ['p(99.9)']],
  ['max', ['max']],
  ['min', ['min']],
  ['mean', ['avg']],
];

function latencyMs(m: SummaryMetric | undefined, missing: Set<string>): StreamResults['latency_ms'] {
  const out = {} as StreamResults['latency_ms'];
  for (const [field, stats] of TREND_STATS) {
    const stat = stats.find((s) => typeof m?.values[s] === 'number');
    if (m && value(m, 'count') !== 0 && !stat) missing.add(stats[0]!);
    out[field] = stat ? round(value(m, stat)) : 0;
  }
  return out;
}

/** One stream (all searches, or one model's) from the summary's metrics. */
function streamOf(metrics: SummaryData['metrics'], model: string | undefined, dropped: number, missing: Set<string>): StreamResults {
  const byModel: Tags = model === undefined ? {} : { model };
  const searches = value(findMetric(metrics, 'http_reqs', { endpoint: 'search', ...byModel }), 'count');
  const errorsByClass = { timeout: 0, connect: 0, '4xx': 0, '5xx': 0, bad_body: 0, dropped, other: 0 } as Record<ErrorClass, number>;
  for (const c of SEARCH_ERROR_CLASSES) errorsByClass[c] = value(findMetric(metrics, METRIC.searchErrors, { ...byModel, class: c }), 'count');
  const searchErrors = SEARCH_ERROR_CLASSES.reduce((a, c) => a + errorsByClass[c], 0);
  const errors = searchErrors + dropped;
  const requests = searches + dropped;
  const recall = findMetric(metrics, METRIC.recall, byModel);
  const recallSamples = value(recall, 'count');
  return {
    requests,
    ok: Math.max(0, searches - searchErrors),
    errors,
    errors_by_class: errorsByClass,
    error_rate: ratio(errors, requests),
    // no `count` stat (summaryTrendStats changed): trust the average when there is one
    recall_at_k: recall && typeof recall.values.avg === 'number' && (recallSamples > 0 || recall.values.count === undefined) ? round(value(recall, 'avg'), 6) : null,
    recall_samples: recallSamples,
    latency_ms: latencyMs(findMetric(metrics, 'http_req_duration', { endpoint: 'search', ...byModel }), missing),
  };
}

/** Every threshold k6 judged, except the always-true declarations (options.ts). */
export function summaryThresholds(metrics: SummaryData['metrics']): { metric: string; expression: string; ok: boolean }[] {
  const out: { metric: string; expression: string; ok: boolean }[] = [];
  for (const [metric, m] of Object.entries(metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
      if (!isDeclaration(expression)) out.push({ metric, expression, ok: t.ok === true });
    }
  }
  return out;
}

function allChecks(g: SummaryGroup | undefined): SummaryCheck[] {
  if (!g) return [];
  return [...(g.checks ?? []), ...(g.groups ?? []).flatMap(allChecks)];
}

const setupModels = (data: SummaryData): SetupData['models'] | null => {
  const models = (data.setup_data as Partial<SetupData> | null | undefined)?.models;
  return Array.isArray(models) ? models : null;
};

export function summaryToResults(data: SummaryData, ctx: SummaryContext): BenchResults {
  const { scenario: def, profile, overrides } = ctx;
  const metrics = data.metrics ?? {};
  const missing = new Set<string>();
  const warnings: string[] = [];
  const k6s = k6Scenario(def, profile, overrides);
  const open = def.executor !== 'per-vu-iterations';
  const dropped = value(metrics.dropped_iterations, 'count');
  const total = streamOf(metrics, undefined, dropped, missing);
  const durationS = round((data.state?.testRunDurationMs ?? 0) / 1000);
  const finished = ctx.finishedAt;
  const started = new Date(finished.getTime() - (data.state?.testRunDurationMs ?? 0));
  const cached = value(metrics[METRIC.searchCached], 'count');

  // per model: the setup's models (with their collections), else the ones declared
  const models = setupModels(data) ?? ctx.declaredModels.map((name) => ({ name, collection: name, dimension: 0, distance: '' }));
  const perCollection = models.map((m) => ({
    collection: m.collection,
    dataset: `model-${m.name}`,
    weight: round(1 / models.length, 6),
    ...streamOf(metrics, m.name, 0, missing),
  }));
  const undeclared = models.filter((m) => !ctx.declaredModels.includes(m.name)).map((m) => m.name);
  if (undeclared.length > 0) warnings.push(`no per-model figures for ${undeclared.join(', ')}: the script declares per-model submetrics for VDB_MODELS (default: the runbook's nine models); set VDB_MODELS=${models.map((m) => m.name).join(',')}`);

  if (total.requests === 0) warnings.push('no search was measured: the figures are empty');
  if (dropped > 0) warnings.push(`k6 dropped ${dropped} iteration(s) it could not start on time (all VUs busy): counted as errors of class \`dropped\`; raise maxVUs or lower VDB_RATE_SCALE`);
  if (total.ok > 0 && cached / total.ok > 0.05) warnings.push(`${((cached / total.ok) * 100).toFixed(1)} % of answers came from the gateway's cache: their latency is the cache's, not the engine's`);
  if (!open) warnings.push('closed loop (per-vu-iterations): latency is not corrected for coordinated omission, so latency gates are not evaluated here (k6 still judged its thresholds)');
  if (missing.size > 0) warnings.push(`the summary lacks ${[...missing].join(', ')} (summaryTrendStats): those latency figures are 0`);
  const thresholds = summaryThresholds(metrics);
  for (const t of thresholds.filter((x) => !x.ok)) warnings.push(`k6 threshold failed: ${t.metric} ${t.expression} (k6 exits 99)`);
  for (const c of allChecks(data.root_group).filter((x) => x.fails > 0)) warnings.push(`check "${c.name}" failed ${c.fails} of ${c.passes + c.fails}`);

  const checks = metrics.checks;
  const results = {
    schema: 'vdb-readiness/bench@2' as const,
    kind: 'bench' as const,
    run_id: ctx.runId,
    state: 'complete' as const,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    mode: open ? ('open' as const) : ('closed' as const),
    latency_corrected: open,
    latency_note: open
      ? `k6 ${def.executor}: every iteration starts at its scheduled time; k6 drops an iteration it cannot start on time instead of delaying it, so the dropped ones (${dropped} here) count as errors of class \`dropped\`. Latency is http_req_duration of the searches, from k6's end-of-test summary (percentiles only, no histogram)`
      : 'k6 per-vu-iterations (closed loop): latency from actual send time (http_req_duration), NOT corrected for coordinated omission; from k6\'s end-of-test summary (percentiles only)',
    duration_s: durationS,
    throughput_rps: durationS > 0 ? round(total.ok / durationS, 1) : 0,
    cached_answers: cached,
    k: ctx.k,
    params: {
      scenario: def.name,
      profile: profile.name,
      executor: def.executor,
      rate_scale: overrides.rateScale ?? 1,
      duration_scale: overrides.durationScale ?? 1,
      models: models.map((m) => m.name),
      k: ctx.k,
      mix: def.mix,
    },
    target: { url: maskUrl(ctx.gatewayUrl), api: 'gateway' as const },
    ...total,
    timeline: [],
    per_collection: perCollection,
    driver: [
      {
        tool: 'k6',
        version: ctx.k6Version ?? 'unknown',
        test_run_duration_ms: round(data.state?.testRunDurationMs ?? 0),
        iterations: value(metrics.iterations, 'count'),
        iterations_per_s: round(value(metrics.iterations, 'rate'), 2),
        dropped_iterations: dropped,
        vus_max: value(metrics.vus_max, 'max') || value(metrics.vus_max, 'value'),
        http_reqs: value(metrics.http_reqs, 'count'),
        http_req_failed_rate: round(value(metrics.http_req_failed, 'rate'), 6),
        checks_passed: value(checks, 'passes'),
        checks_failed: value(checks, 'fails'),
        data_sent_bytes: value(metrics.data_sent, 'count'),
        data_received_bytes: value(metrics.data_received, 'count'),
        warnings: [],
      },
    ],
    warnings,
    runner: {
      tool: 'k6' as const,
      ...(ctx.k6Version ? { version: ctx.k6Version } : {}),
      scenario: def.name,
      source: 'k6-summary' as const,
      options: {
        scenarios: { [def.name]: k6s },
        thresholds: gateThresholds(ctx.options.thresholds as Record<string, Threshold[]> | undefined),
        summaryTrendStats: ctx.options.summaryTrendStats,
        tags: ctx.options.tags,
      },
      thresholds,
    },
  };
  // judgeBench keeps to the scenario's own gates (runner.scenario: a smoke test is not a throughput gate)
  return judgeBench(results, profile) as BenchResults;
}

const fmt = (x: number | null, unit = ''): string => (x === null ? 'n/a' : `${Math.round(x * 100) / 100}${unit}`);

/** The short text summary handleSummary prints. */
export function textSummary(r: BenchResults, files: string[]): string {
  const l = r.latency_ms;
  const lines = [
    '',
    `vdb-readiness k6 ${r.runner?.scenario ?? ''} (${r.gates.label}) — ${r.pass ? 'PASS' : 'FAIL'}`,
    `  searches ${r.requests - r.errors_by_class.dropped}, ok ${r.ok}, errors ${r.errors} (${fmt(r.error_rate * 100, ' %')}), dropped ${r.errors_by_class.dropped}, ${fmt(r.throughput_rps, '/s')} good answers`,
    `  latency ms p50 ${fmt(l.p50)}  p95 ${fmt(l.p95)}  p99 ${fmt(l.p99)}  max ${fmt(l.max)}  (${r.latency_corrected ? 'open loop' : 'closed loop, not corrected'})`,
    `  recall@${r.k} ${fmt(r.recall_at_k)} over ${r.recall_samples} answers`,
    '  thresholds (k6):',
    ...(r.runner?.thresholds ?? []).map((t) => `    ${t.ok ? '✓' : '✗'} ${t.metric} ${t.expression}`),
    '  gates:',
    ...r.gates.results.map((g) => `    ${g.pass ? '✓' : '✗'} ${g.name}: ${g.metric} = ${g.value ?? 'not measured'} ${g.unit} (needs ${g.op} ${g.threshold})`),
    ...r.warnings.map((w) => `  ! ${w}`),
    ...files.map((f) => `  wrote ${f}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** What handleSummary returns: the text on stdout, results.json and junit.xml in `outDir`. */
export function summaryOutputs(data: SummaryData, ctx: SummaryContext, outDir: string): Record<string, string> {
  const results = summaryToResults(data, ctx);
  const files = { results: `${outDir}/results.json`, junit: `${outDir}/junit.xml` };
  return {
    stdout: textSummary(results, [files.results, files.junit]),
    [files.results]: `${JSON.stringify(results, null, 2)}\n`,
    [files.junit]: renderJunit(results),
  };
}

/** A run id in the suite's form, `<yyyymmdd>-<hhmmss>-k6-<random>` (src/results/run-dir.ts). */
export function k6RunId(startedAt: Date, random: number): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-k6-${Math.floor(random * 0x10000).toString(16).padStart(4, '0')}`;
}
