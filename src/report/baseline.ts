/**
 * `--baseline`: this release's runs against a previous one's. Runs are paired (bench by tool,
 * mode, scenario and dataset; readiness with readiness), their key figures and gates set side by
 * side, regressions flagged by rules that are data, and fingerprints compared so that a reader
 * sees whether the two are comparable at all.
 */
import { readMetric } from '../gates/evaluate.ts';
import type { BenchResults } from '../results/bench.ts';
import type { CapacityResults } from '../results/capacity.ts';
import type { ReadinessResults } from '../results/readiness.ts';
import type { RunInput } from './inputs.ts';
import { inputId } from './inputs.ts';

export interface RegressionRule {
  /** A metric key of a bench run (`latency_ms.p95`) or a readiness gate's metric. */
  metric: string;
  label: string;
  unit: string;
  /** Which way is worse. */
  worse: 'up' | 'down';
  /** Flag when it got worse by more than this share of the baseline (0.10: 10 %). */
  relative?: number;
  /** Flag when it got worse by more than this much, in `unit`. */
  absolute?: number;
}

/** The defaults: p95 or p99 +10 %, throughput −10 %, recall −0.01 (any newly failing check or gate is a regression too). */
export const DEFAULT_RULES: RegressionRule[] = [
  { metric: 'latency_ms.p95', label: 'search p95', unit: 'ms', worse: 'up', relative: 0.1 },
  { metric: 'latency_ms.p99', label: 'search p99', unit: 'ms', worse: 'up', relative: 0.1 },
  { metric: 'throughput_rps', label: 'throughput', unit: 'ops/s', worse: 'down', relative: 0.1 },
  { metric: 'recall_at_k', label: 'recall@k', unit: 'ratio', worse: 'down', absolute: 0.01 },
];

/** Figures shown side by side without a rule. */
const SHOWN = [
  { metric: 'latency_ms.p50', label: 'search p50', unit: 'ms' },
  { metric: 'error_rate', label: 'error rate', unit: 'ratio' },
];

export interface FigureRow {
  run: string;
  label: string;
  metric: string;
  unit: string;
  baseline: number | null;
  current: number | null;
  /** current − baseline. */
  change: number | null;
  change_pct: number | null;
  /** The rule it broke, in words; null when none. */
  regression: string | null;
}

export interface GateRow {
  run: string;
  name: string;
  op: string;
  threshold: number;
  unit: string;
  baseline: { value: number | null; pass: boolean } | null;
  current: { value: number | null; pass: boolean };
}

export interface FingerprintRow {
  run: string;
  what: string;
  baseline: string;
  current: string;
  same: boolean;
  /** Differences here make the runs not comparable (the gateway's own version is what is being released). */
  matters: boolean;
}

/** A capacity figure beside the baseline's: shown, never a regression (a plan is not gated). */
export interface CapacityRow {
  run: string;
  label: string;
  unit: string;
  /** Which way is better. */
  better: 'up' | 'down';
  baseline: number | null;
  current: number | null;
  change_pct: number | null;
}

export interface BaselineDiff {
  baseline_runs: Array<{ kind: string; id: string; path: string; sha256: string }>;
  comparable: boolean;
  /** "comparable" or "not comparable because …": one line. */
  comparability: string;
  fingerprint: FingerprintRow[];
  figures: FigureRow[];
  gates: GateRow[];
  newly_failing: Array<{ run: string; id: string; title: string }>;
  /** Capacity runs against the baseline's: per-core figures across releases (none of it decides anything). */
  capacity: CapacityRow[];
  /** What makes the capacity figures less comparable (another engine, other cores, high steal); null when nothing does. */
  capacity_note: string | null;
  unpaired: string[];
  /** Every regression, one line each. */
  regressions: string[];
}

const benchKey = (b: BenchResults): string => {
  const datasets = [...new Set(b.per_collection.map((c) => c.dataset))].sort().join('+') || String(b.params.dataset ?? '?');
  return [b.runner?.tool ?? 'vdb-readiness', b.mode, b.runner?.scenario ?? (typeof b.params.scenario === 'string' ? b.params.scenario : ''), datasets].join('/');
};

export const benchLabel = (b: BenchResults): string => {
  const tool = b.runner?.tool === 'k6' ? 'k6' : 'bench';
  const scenario = b.runner?.scenario ?? (typeof b.params.scenario === 'string' ? b.params.scenario : undefined);
  const rate = b.mode === 'open' && typeof b.params.rate === 'number' ? ` ${b.params.rate}/s` : '';
  return `${tool} ${b.mode} loop${scenario ? ` ${scenario}` : ''}${rate}`;
};

const str = (v: unknown): string => (v === undefined || v === null || v === '' ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function judge(rule: RegressionRule, base: number, cur: number): string | null {
  const worse = rule.worse === 'up' ? cur - base : base - cur;
  if (worse <= 0) return null;
  if (rule.relative !== undefined && base > 0 && worse / base > rule.relative) return `${rule.label} ${rule.worse === 'up' ? '+' : '−'}${((worse / base) * 100).toFixed(1)} % (rule: ${rule.worse === 'up' ? '+' : '−'}${rule.relative * 100} %)`;
  if (rule.absolute !== undefined && worse > rule.absolute) return `${rule.label} ${rule.worse === 'up' ? '+' : '−'}${worse.toFixed(4)} ${rule.unit} (rule: ${rule.worse === 'up' ? '+' : '−'}${rule.absolute})`;
  return null;
}

function figureRows(run: string, base: object, cur: object, rules: RegressionRule[]): FigureRow[] {
  const ruled = rules.map((r) => ({ ...r, rule: r as RegressionRule | undefined }));
  return [...ruled, ...SHOWN.map((s) => ({ ...s, rule: undefined }))].flatMap((f) => {
    const b = readMetric(base, f.metric);
    const c = readMetric(cur, f.metric);
    if (b === null && c === null) return [];
    const change = b !== null && c !== null ? c - b : null;
    return [{ run, label: f.label, metric: f.metric, unit: f.unit, baseline: b, current: c, change, change_pct: change !== null && b ? change / b : null, regression: f.rule && b !== null && c !== null ? judge(f.rule, b, c) : null }];
  });
}

function gateRows(run: string, base: ReadinessResults | BenchResults, cur: ReadinessResults | BenchResults): GateRow[] {
  const baseGates = base.gates.results;
  return cur.gates.results.map((g) => {
    const b = baseGates.find((x) => x.name === g.name);
    return { run, name: g.name, op: g.op, threshold: g.threshold, unit: g.unit, baseline: b ? { value: b.value, pass: b.pass } : null, current: { value: g.value, pass: g.pass } };
  });
}

function readinessPrints(run: string, b: ReadinessResults, c: ReadinessResults): FingerprintRow[] {
  const fb = b.target.fingerprint;
  const fc = c.target.fingerprint;
  const row = (what: string, x: unknown, y: unknown, matters = true): FingerprintRow => ({ run, what, baseline: str(x), current: str(y), same: str(x) === str(y), matters });
  const colls = (f: typeof fb): string => JSON.stringify(Object.fromEntries(Object.entries(f.collections).sort().map(([n, k]) => [n, `${k.dim ?? '?'}/${k.distance ?? '?'}`])));
  return [
    row('gateway version', fb.gateway?.version, fc.gateway?.version, false),
    row('engine (Qdrant) version', fb.qdrant?.version, fc.qdrant?.version),
    row('Redis version', fb.redis?.version, fc.redis?.version),
    row('config hash', fb.config_hash, fc.config_hash),
    row('collection configs (dim/distance)', colls(fb), colls(fc)),
    row('target', b.target.kind, c.target.kind),
    row('target set-up (stand-ins)', (fb.setup ?? []).filter((l) => l.startsWith('stand-in')).join('; '), (fc.setup ?? []).filter((l) => l.startsWith('stand-in')).join('; ')),
  ];
}

function benchPrints(run: string, b: BenchResults, c: BenchResults): FingerprintRow[] {
  const row = (what: string, x: unknown, y: unknown): FingerprintRow => ({ run, what, baseline: str(x), current: str(y), same: str(x) === str(y), matters: true });
  const mix = (r: BenchResults): string => r.per_collection.map((p) => `${p.collection}=${p.dataset}:${p.weight}`).join(',');
  return [
    row('dataset (collection=dataset:weight)', mix(b), mix(c)),
    row('tool', b.runner?.tool ?? 'vdb-readiness', c.runner?.tool ?? 'vdb-readiness'),
    row('mode', b.mode, c.mode),
    row('rate', b.params.rate ?? (b.mode === 'closed' ? 'max' : undefined), c.params.rate ?? (c.mode === 'closed' ? 'max' : undefined)),
    row('connections', b.params.connections, c.params.connections),
    row('k', b.k, c.k),
    row('search API', b.target.api, c.target.api),
  ];
}

/** Steal (%) above which CPU per search reads high (as the report's capacity section says). */
const HIGH_STEAL_PCT = 5;

function capacityRows(run: string, b: CapacityResults, c: CapacityResults): CapacityRow[] {
  const row = (label: string, unit: string, better: 'up' | 'down', pick: (r: CapacityResults) => number | null | undefined): CapacityRow[] => {
    const x = pick(b) ?? null;
    const y = pick(c) ?? null;
    if (x === null && y === null) return [];
    return [{ run, label, unit, better, baseline: x, current: y, change_pct: x !== null && y !== null && x !== 0 ? (y - x) / x : null }];
  };
  return [
    ...row('gateway CPU per uncached search', 'ms', 'down', (r) => r.measured.cpu_ms_per_search.uncached.gateway),
    ...row('gateway CPU per uncached search, fully busy', 'ms', 'down', (r) => r.measured.gateway_bound?.cpu_ms_per_search.gateway),
    ...row('gateway tier CPU per uncached search', 'ms', 'down', (r) => r.measured.cpu_ms_per_search.uncached.gateway + r.measured.cpu_ms_per_search.uncached.nginx + r.measured.cpu_ms_per_search.uncached.redis),
    ...row('gateway CPU per cached search', 'ms', 'down', (r) => r.measured.cpu_ms_per_search.cached.gateway),
    ...row('engine CPU per search', 'ms', 'down', (r) => r.measured.cpu_ms_per_search.direct_engine),
    ...row('uncached searches/s per gateway core', '/s', 'up', (r) => r.per_core.gateway_uncached),
    ...row('searches/s per engine core', '/s', 'up', (r) => r.per_core.engine),
    ...row('2 gateway workers over 1 (cached)', '×', 'up', (r) => r.scaling?.two_over_one),
  ];
}

function capacityNote(b: CapacityResults, c: CapacityResults): string | null {
  const engine = (r: CapacityResults) => `${r.engine.kind} ${r.engine.version ?? '?'}`;
  const notes: string[] = [];
  if (engine(b) !== engine(c)) notes.push(`the engine differs (${engine(b)} → ${engine(c)})`);
  if (b.machine.cores !== c.machine.cores) notes.push(`the cores differ (${b.machine.cores} → ${c.machine.cores})`);
  if (b.machine.placement !== c.machine.placement) notes.push('the placement differs');
  const high = [b, c].filter((r) => (r.machine.steal_pct ?? 0) >= HIGH_STEAL_PCT).map((r) => `${r === b ? 'the baseline' : 'this run'} had ${r.machine.steal_pct?.toFixed(1)} % steal`);
  notes.push(...high);
  return notes.length ? `${notes.join('; ')}: read its CPU figures with care` : null;
}

/** Pairs each current run with a baseline run of the same kind (and, for bench, the same shape). */
export function diffBaseline(current: RunInput[], baseline: RunInput[], rules: RegressionRule[] = DEFAULT_RULES): BaselineDiff {
  const used = new Set<RunInput>();
  const pick = (pred: (b: RunInput) => boolean): RunInput | undefined => {
    const found = baseline.find((b) => !used.has(b) && pred(b));
    if (found) used.add(found);
    return found;
  };
  const diff: BaselineDiff = {
    baseline_runs: baseline.map((b) => ({ kind: b.kind, id: inputId(b), path: b.path, sha256: b.sha256 })),
    comparable: true,
    comparability: '',
    fingerprint: [],
    figures: [],
    gates: [],
    newly_failing: [],
    capacity: [],
    capacity_note: null,
    unpaired: [],
    regressions: [],
  };
  const benches = current.filter((c) => c.kind === 'bench');
  const otherWorkload: string[] = [];
  const held = [...new Set(baseline.map((b) => (b.kind === 'bench' ? benchLabel(b.results) : b.kind)))].join(', ') || 'no run';
  for (const cur of current) {
    if (cur.kind === 'deployment') continue;
    // a capacity run is a plan beside the verdict: shown against the baseline's, but nothing of
    // it can regress a release or make it not comparable
    if (cur.kind === 'capacity') {
      const base = pick((b) => b.kind === 'capacity');
      if (base?.kind === 'capacity') {
        diff.capacity.push(...capacityRows(`capacity ${cur.results.run_id}`, base.results, cur.results));
        diff.capacity_note = capacityNote(base.results, cur.results);
      }
      continue;
    }
    if (cur.kind === 'bench') {
      const key = benchKey(cur.results);
      const onlyOne = benches.length === 1 && baseline.filter((b) => b.kind === 'bench').length === 1;
      const base = pick((b) => b.kind === 'bench' && (benchKey(b.results) === key || onlyOne));
      const run = benchLabel(cur.results);
      if (!base || base.kind !== 'bench') {
        diff.unpaired.push(`${run} (${cur.results.run_id}): ${baseline.some((b) => b.kind === 'bench') ? 'no baseline run of the same shape' : 'no baseline bench run'} (the baseline holds ${held})`);
        continue;
      }
      const prints = benchPrints(run, base.results, cur.results);
      diff.fingerprint.push(...prints);
      // another workload (dataset, tool, mode, rate, …): its figures measure something else, so no
      // figure or gate is set beside the baseline's and none can be a regression
      if (prints.some((f) => f.matters && !f.same)) {
        otherWorkload.push(run);
        continue;
      }
      diff.figures.push(...figureRows(run, base.results, cur.results, rules));
      diff.gates.push(...gateRows(run, base.results, cur.results));
    } else {
      const base = pick((b) => b.kind === 'readiness');
      const run = `readiness ${cur.results.run_id}`;
      if (!base || base.kind !== 'readiness') {
        diff.unpaired.push(`${run}: no baseline readiness run (the baseline holds ${held})`);
        continue;
      }
      diff.fingerprint.push(...readinessPrints(run, base.results, cur.results));
      diff.gates.push(...gateRows(run, base.results, cur.results));
      const before = new Map(base.results.checks.map((c) => [c.id, c]));
      for (const c of cur.results.checks) {
        if (c.status === 'failed' && c.required && before.get(c.id)?.status === 'passed') diff.newly_failing.push({ run, id: c.id, title: c.title });
      }
    }
  }
  for (const f of diff.figures) if (f.regression) diff.regressions.push(`${f.run}: ${f.regression}: ${fmtNum(f.baseline)} → ${fmtNum(f.current)} ${f.unit}`);
  for (const g of diff.gates) if (g.baseline?.pass && !g.current.pass) diff.regressions.push(`${g.run}: gate ${g.name} passed in the baseline and fails now`);
  for (const n of diff.newly_failing) diff.regressions.push(`${n.run}: check newly failing: ${n.title}`);
  const differs = diff.fingerprint.filter((f) => f.matters && !f.same);
  const paired = diff.fingerprint.length > 0;
  diff.comparable = paired && differs.length === 0;
  const notCompared = diff.unpaired.length ? `; not compared: ${diff.unpaired.join('; ')}` : '';
  diff.comparability = !paired
    ? diff.capacity.length > 0 && current.every((c) => c.kind === 'capacity' || c.kind === 'deployment')
      ? 'not comparable because these are capacity runs only: their figures are set beside the baseline\'s below, a plan, never a regression'
      : `not comparable because no run has a baseline run of its kind and shape${notCompared}`
    : diff.comparable
      ? `comparable: the same ${[...new Set(diff.fingerprint.filter((f) => f.matters).map((f) => f.what.replace(/ \(.*\)$/, '')))].join(', ')}${notCompared}`
      : `not comparable because ${differs.map((f) => `${f.what} differs (${f.baseline} → ${f.current})`).join('; ')}${otherWorkload.length ? `: another workload, so no figure of ${otherWorkload.join(', ')} was compared` : ''}${notCompared}`;
  return diff;
}

export const fmtNum = (v: number | null): string => (v === null ? '—' : Number.isInteger(v) ? String(v) : Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(2));
