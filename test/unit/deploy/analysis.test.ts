import { describe, expect, it } from 'vitest';
import { MIN_P95_SAMPLES, analysisVerdict, judgeInterval, resolveAnalysis } from '../../../src/deploy/analysis.ts';
import type { AnalysisInterval, AnalysisSettings } from '../../../src/deploy/types.ts';
import { DEFAULT_ANALYSIS } from '../../../src/launcher/gateway-config.ts';
import { UserError } from '../../../src/util/errors.ts';

const S: AnalysisSettings = { interval_s: 2, count: 5, failure_limit: 1, max_error_rate: 0.01, max_p95_ms: 250, probe_rate_per_s: 20 };
const ok = { requests: 40, errors: 0, p95_ms: 5 };

const interval = (index: number, pass: boolean): AnalysisInterval => ({ index, started_at: '', probe: ok, live: ok, pass, reason: pass ? null : `reason ${index}` });

describe('analysis verdicts', () => {
  it('passes an interval within both limits, probe and live', () => {
    expect(judgeInterval(ok, { requests: 1000, errors: 10, p95_ms: 250 }, S)).toEqual({ pass: true, reason: null });
  });

  it('fails on an error rate over max_error_rate, on either side, and says which', () => {
    const r = judgeInterval({ requests: 40, errors: 1, p95_ms: 5 }, ok, S);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/^probe error rate 1\/40 \(2\.50 %\) > 1\.00 %$/);
    expect(judgeInterval(ok, { requests: 1000, errors: 11, p95_ms: 5 }, S).reason).toMatch(/^live error rate 11\/1000/);
  });

  it('does not judge a p95 of fewer than MIN_P95_SAMPLES answers (their errors still count)', () => {
    const few = MIN_P95_SAMPLES - 1;
    expect(judgeInterval({ requests: few, errors: 0, p95_ms: 900 }, ok, S).pass).toBe(true);
    expect(judgeInterval({ requests: MIN_P95_SAMPLES, errors: 0, p95_ms: 900 }, ok, S).reason).toBe('probe p95 900.0 ms > 250 ms');
    expect(judgeInterval({ requests: few, errors: 1, p95_ms: 5 }, ok, S).pass).toBe(false);
  });

  it('fails on a p95 over max_p95_ms; an interval without traffic has nothing to fail on', () => {
    expect(judgeInterval({ requests: 40, errors: 0, p95_ms: 312.4 }, ok, S).reason).toBe('probe p95 312.4 ms > 250 ms');
    expect(judgeInterval(ok, { requests: 30, errors: 0, p95_ms: 251 }, S).reason).toBe('live p95 251.0 ms > 250 ms');
    expect(judgeInterval({ requests: 0, errors: 0, p95_ms: null }, { requests: 0, errors: 0, p95_ms: null }, S).pass).toBe(true);
  });

  it('rolls back once more intervals failed than failure_limit, not before', () => {
    expect(analysisVerdict([interval(1, false)], S)).toMatchObject({ failures: 1, rollback: false, reason: null });
    const v = analysisVerdict([interval(1, false), interval(2, true), interval(3, false)], S);
    expect(v.rollback).toBe(true);
    expect(v.reason).toBe('analysis: 2 of 3 interval(s) failed (limit 1); last: reason 3');
    expect(analysisVerdict([interval(1, false)], { ...S, failure_limit: 0 }).rollback).toBe(true);
  });

  it('takes deployment.yaml\'s settings with the caller\'s overrides, and refuses nonsense', () => {
    expect(resolveAnalysis(DEFAULT_ANALYSIS, { interval_s: 0.25, count: 3, max_p95_ms: undefined })).toEqual({ ...DEFAULT_ANALYSIS, interval_s: 0.25, count: 3 });
    expect(() => resolveAnalysis(DEFAULT_ANALYSIS, { count: 0 })).toThrow(UserError);
    expect(() => resolveAnalysis(DEFAULT_ANALYSIS, { max_error_rate: 2 })).toThrow(/max_error_rate must be a ratio/);
  });
});
