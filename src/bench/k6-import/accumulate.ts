/**
 * What one k6 runner's JSON output adds up to: exact HDR histograms (µs) and counts for the
 * searches in total, per model, per endpoint and per endpoint × scenario, and per second of
 * sample time; then runners pooled by adding histograms and counts (exact, never averaged).
 */
import type { Histogram } from 'hdr-histogram-js';
import { emptyErrorCounts } from '../error-class.ts';
import type { ErrorClass, ErrorCounts } from '../error-class.ts';
import { newLatencyHistogram } from '../histogram.ts';
import { classifyK6Failure } from './classify.ts';
import type { K6Line, K6Point } from './parse-lines.ts';

export interface StreamAcc {
  /** Requests (k6 HTTP samples, plus dropped iterations where they count). */
  requests: number;
  errors_by_class: ErrorCounts;
  recallSum: number;
  recallCount: number;
  hist: Histogram;
}

export interface SecondAcc {
  requests: number;
  errors: number;
  hist: Histogram;
}

export const newStream = (): StreamAcc => ({ requests: 0, errors_by_class: emptyErrorCounts(), recallSum: 0, recallCount: 0, hist: newLatencyHistogram() });
const newSecond = (): SecondAcc => ({ requests: 0, errors: 0, hist: newLatencyHistogram() });

export const errorsOf = (s: StreamAcc): number => Object.values(s.errors_by_class).reduce((a, b) => a + b, 0);

/** Microseconds as the histograms record them (at least 1, like the built-in driver's recorder). */
export const toUs = (ms: number): number => Math.max(1, Math.round(ms * 1000));

/** Tag values that mark no endpoint / no model / no scenario. */
export const UNTAGGED = 'untagged';
const SETUP_GROUPS = new Set(['::setup', '::teardown']);

function addStream(into: StreamAcc, from: StreamAcc): void {
  into.requests += from.requests;
  for (const [c, n] of Object.entries(from.errors_by_class)) into.errors_by_class[c as ErrorClass] += n;
  into.recallSum += from.recallSum;
  into.recallCount += from.recallCount;
  into.hist.add(from.hist);
}

function addMap<K, T>(into: Map<K, T>, from: Map<K, T>, make: () => T, add: (a: T, b: T) => void): void {
  for (const [k, v] of from) {
    let t = into.get(k);
    if (!t) into.set(k, (t = make()));
    add(t, v);
  }
}

const getOr = <K, T>(m: Map<K, T>, k: K, make: () => T): T => {
  let v = m.get(k);
  if (!v) m.set(k, (v = make()));
  return v;
};

/** Key of an endpoint × scenario stream. */
export const endpointScenarioKey = (endpoint: string, scenario: string): string => `${endpoint}\u0000${scenario}`;

export class RunnerAcc {
  /** The searches (`endpoint:search`), with dropped iterations: bench@2's top-level stream. */
  readonly search = newStream();
  readonly models = new Map<string, StreamAcc>();
  readonly endpoints = new Map<string, StreamAcc>();
  readonly endpointScenarios = new Map<string, StreamAcc>();
  /** Searches by absolute second of sample time (epoch seconds), so runners line up. */
  readonly seconds = new Map<number, SecondAcc>();
  firstMs = Infinity;
  lastMs = -Infinity;
  searchFirstMs = Infinity;
  searchLastMs = -Infinity;
  /** The `url` tag of the earliest search sample, and its time. */
  firstSearchUrl: { url: string; atMs: number } | undefined;
  readonly scenarios = new Set<string>();
  readonly scenarioTypes = new Set<string>();
  readonly profiles = new Set<string>();
  version: string | undefined;
  dropped = 0;
  /** Answers the gateway marked cached (the scripts' `search_cached` Counter). */
  cached = 0;
  /** Samples of setup() and teardown(): the readiness gate, not the load. */
  setupSamples = 0;
  invalidLines = 0;

  constructor(readonly file: string) {}

  add(l: K6Line): void {
    if (l.type === 'Metric') {
      const v = l.line.data.version;
      if (typeof v === 'string' && !this.version) this.version = v;
      return;
    }
    const p = l.point;
    if (SETUP_GROUPS.has(p.tags.group ?? '')) {
      this.setupSamples++;
      return;
    }
    this.firstMs = Math.min(this.firstMs, p.timeMs);
    this.lastMs = Math.max(this.lastMs, p.timeMs);
    if (p.tags.k6_version && !this.version) this.version = p.tags.k6_version;
    if (p.tags.scenario) this.scenarios.add(p.tags.scenario);
    if (p.tags.scenario_type) this.scenarioTypes.add(p.tags.scenario_type);
    if (p.tags.profile) this.profiles.add(p.tags.profile);
    this.point(p);
  }

  private streamsOf(p: K6Point, withModel: boolean): StreamAcc[] {
    const endpoint = p.tags.endpoint ?? UNTAGGED;
    const scenario = p.tags.scenario ?? UNTAGGED;
    const out = [getOr(this.endpoints, endpoint, newStream), getOr(this.endpointScenarios, endpointScenarioKey(endpoint, scenario), newStream)];
    if (endpoint === 'search') {
      out.push(this.search);
      if (withModel) out.push(getOr(this.models, p.tags.model ?? UNTAGGED, newStream));
    }
    return out;
  }

  private second(timeMs: number): SecondAcc {
    return getOr(this.seconds, Math.floor(timeMs / 1000), newSecond);
  }

  private point(p: K6Point): void {
    const isSearch = p.tags.endpoint === 'search';
    switch (p.metric) {
      case 'http_req_duration': {
        const us = toUs(p.value);
        for (const s of this.streamsOf(p, true)) {
          s.requests++;
          s.hist.recordValue(us);
        }
        if (!isSearch) return;
        this.searchFirstMs = Math.min(this.searchFirstMs, p.timeMs);
        this.searchLastMs = Math.max(this.searchLastMs, p.timeMs);
        if (p.tags.url && (!this.firstSearchUrl || p.timeMs < this.firstSearchUrl.atMs)) this.firstSearchUrl = { url: p.tags.url, atMs: p.timeMs };
        const sec = this.second(p.timeMs);
        sec.requests++;
        sec.hist.recordValue(us);
        return;
      }
      case 'http_req_failed': {
        if (p.value === 0) return;
        const c = classifyK6Failure(p.tags);
        for (const s of this.streamsOf(p, true)) s.errors_by_class[c]++;
        if (isSearch) this.second(p.timeMs).errors++;
        return;
      }
      case 'dropped_iterations': {
        // An iteration k6 could not start on time: a request that was never sent counts as one
        // request and one error (class dropped), so the error rate stays honest.
        const n = Math.max(0, Math.round(p.value));
        this.dropped += n;
        const scenario = p.tags.scenario ?? UNTAGGED;
        for (const s of [this.search, getOr(this.endpoints, 'search', newStream), getOr(this.endpointScenarios, endpointScenarioKey('search', scenario), newStream)]) {
          s.requests += n;
          s.errors_by_class.dropped += n;
        }
        const sec = this.second(p.timeMs);
        sec.requests += n;
        sec.errors += n;
        return;
      }
      case 'search_errors': {
        // The scripts' own verdict per search. Only bad_body adds anything: a 200 whose body is
        // wrong (no results, ids not integers, not ordered), which k6 did not mark failed; the
        // other classes are http_req_failed samples already.
        if (p.tags.class !== 'bad_body') return;
        const n = Math.max(0, Math.round(p.value));
        for (const s of this.streamsOf({ ...p, tags: { ...p.tags, endpoint: 'search' } }, true)) s.errors_by_class.bad_body += n;
        this.second(p.timeMs).errors += n;
        return;
      }
      case 'search_cached':
        this.cached += Math.max(0, Math.round(p.value));
        return;
      case 'recall_at_k': {
        const withEndpoint = { ...p, tags: { ...p.tags, endpoint: 'search' } };
        for (const s of this.streamsOf(withEndpoint, true)) {
          s.recallSum += p.value;
          s.recallCount++;
        }
        return;
      }
    }
  }

  /** Adds another runner's figures (pooling several runners of one test). */
  addRunner(o: RunnerAcc): void {
    addStream(this.search, o.search);
    addMap(this.models, o.models, newStream, addStream);
    addMap(this.endpoints, o.endpoints, newStream, addStream);
    addMap(this.endpointScenarios, o.endpointScenarios, newStream, addStream);
    addMap(this.seconds, o.seconds, newSecond, (a, b) => {
      a.requests += b.requests;
      a.errors += b.errors;
      a.hist.add(b.hist);
    });
    this.firstMs = Math.min(this.firstMs, o.firstMs);
    this.lastMs = Math.max(this.lastMs, o.lastMs);
    this.searchFirstMs = Math.min(this.searchFirstMs, o.searchFirstMs);
    this.searchLastMs = Math.max(this.searchLastMs, o.searchLastMs);
    if (o.firstSearchUrl && (!this.firstSearchUrl || o.firstSearchUrl.atMs < this.firstSearchUrl.atMs)) this.firstSearchUrl = o.firstSearchUrl;
    for (const s of o.scenarios) this.scenarios.add(s);
    for (const s of o.scenarioTypes) this.scenarioTypes.add(s);
    for (const s of o.profiles) this.profiles.add(s);
    this.version ??= o.version;
    this.dropped += o.dropped;
    this.cached += o.cached;
    this.setupSamples += o.setupSamples;
    this.invalidLines += o.invalidLines;
  }
}

/** All runners' figures in one accumulator. */
export function poolRunners(runners: RunnerAcc[]): RunnerAcc {
  const pooled = new RunnerAcc(runners.map((r) => r.file).join(', '));
  for (const r of runners) pooled.addRunner(r);
  return pooled;
}
