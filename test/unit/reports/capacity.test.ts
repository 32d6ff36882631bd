/**
 * A capacity run (`vdb-readiness/capacity@1`): read like any results file, shown in the report as
 * a plan beside the verdict, never a reason for one; its JUnit skips a target out of reach.
 */
import { describe, expect, it } from 'vitest';
import { renderJunit, renderReportHtml, renderSummary } from '../../../reports/render/index.ts';
import { diffBaseline } from '../../../src/report/baseline.ts';
import { combine } from '../../../src/report/combine.ts';
import { asInput } from '../../../src/report/inputs.ts';
import { kindOfSchema } from '../../../src/results/kinds.ts';
import { bench, capacity, healthyChecks, latencies, readiness } from './build.ts';

describe('a capacity run', () => {
  it('is a known results kind: its schema reads, and a document missing its plan is refused', () => {
    const doc = capacity();
    expect(kindOfSchema(doc.schema)?.kind).toBe('capacity');
    const { plan: _plan, ...noPlan } = doc;
    expect(kindOfSchema(doc.schema)!.parser.safeParse(noPlan).success).toBe(false);
  });

  it('changes no verdict: a GO release with a capacity run out of reach stays GO, with the same reasons', () => {
    const runs = [asInput(readiness(healthyChecks()), 'r.json'), asInput(bench({ ms: latencies(2000, 3) }), 'b.json')];
    const without = combine(runs);
    expect(without.verdict).toBe('GO');
    const withPlan = combine([...runs, asInput(capacity({ withinReach: false }), 'c.json')]);
    expect(withPlan.verdict).toBe('GO');
    expect(withPlan.reasons).toEqual(without.reasons);
    expect(withPlan.missing).toEqual(without.missing);
    expect(withPlan.gates).toEqual(without.gates);
    expect(withPlan.profile).toBe(without.profile);
  });

  it('shows in the report: the verdict line naming what it is short on, the engine caveat, the per-core table and the scaling', () => {
    const c = combine([asInput(readiness(healthyChecks()), 'r.json'), asInput(capacity({ withinReach: false }), 'c.json', 'f'.repeat(64))]);
    const html = renderReportHtml(c, { generated_at: '2026-12-03T12:00:00Z' });
    const section = html.slice(html.indexOf('id="run-20261203-110000-capacity-abc123"'));
    expect(section).toContain('10,000 searches/s at p95 &lt; 10 ms with 16 engine cores and 2 × 16 gateway workers: NOT within reach: short on the engine (needs 18 cores, has 16)');
    expect(section).toContain('engine figures are qdrant-local&apos;s, not a real Qdrant&apos;s: measure with QDRANT_BIN set');
    expect(section).toMatch(/<td>engine<\/td><td class="num">1\.240 ms<\/td><td class="num">804<\/td><td class="num">16 cores<\/td><td class="num">9,008\/s<\/td><td class="num">18 cores<\/td>/);
    expect(section).toContain('2 workers give ×0.98 of 1 (asked ×1.25: not met); this machine allows at most ×1.27');
    expect(section).toContain('the hypervisor took 12.5 % of the CPU (steal), so CPU per search reads high');
    // the sign-off table says what the plan concluded, not GO
    expect(html).toMatch(/<td>capacity<\/td><td><code>20261203-110000-capacity-abc123<\/code>.*?<\/td><td>plan: not within reach<\/td>/s);
  });

  it('shows the gateway-bound figures when the run measured them, and reads a file without them', () => {
    const section = (r: ReturnType<typeof capacity>) => renderReportHtml(combine([asInput(r, 'c.json')]));
    const withBound = section(capacity({ bound: true }));
    expect(withBound).toContain('<tr><th>gateway bound</th><td>with an engine that answers at once, one gateway served 4,119 uncached searches/s at gateway 0.184 ms · Redis 0.028 ms of CPU each');
    // the plan stays on the in-path figures
    expect(withBound).toMatch(/<td>gateway workers \(uncached\)<\/td><td class="num">0\.840 ms<\/td>/);
    const without = section(capacity());
    expect(without).not.toContain('gateway bound');
    expect(without).toContain('gateway workers (uncached)');
  });

  it('against a baseline capacity run: its figures side by side, better or worse, and never a regression of the release', () => {
    const base = capacity({ runId: '20261101-110000-capacity-base00' });
    base.measured.cpu_ms_per_search.uncached.gateway = 0.5;
    base.per_core.gateway_uncached = 2000;
    const cur = capacity({ bound: true });
    const release = [asInput(readiness(healthyChecks()), 'r.json'), asInput(bench({ ms: latencies(2000, 3) }), 'b.json')];
    const baseRelease = [asInput(readiness(healthyChecks(), 'ci', 'base-r'), 'br.json'), asInput(bench({ ms: latencies(2000, 3), runId: 'base-b' }), 'bb.json')];
    const diff = diffBaseline([...release, asInput(cur, 'c.json')], [...baseRelease, asInput(base, 'bc.json')]);
    const gw = diff.capacity.find((r) => r.label === 'gateway CPU per uncached search')!;
    expect(gw).toMatchObject({ baseline: 0.5, current: 0.84, better: 'down' });
    expect(gw.change_pct).toBeCloseTo(0.68, 5);
    // the figure a baseline run did not measure is shown as missing, not dropped
    expect(diff.capacity.find((r) => r.label === 'gateway CPU per uncached search, fully busy')).toMatchObject({ baseline: null, current: 0.184 });
    expect(renderReportHtml(combine([asInput(cur, 'c.json')], { diff }))).toMatch(/<td>gateway CPU per uncached search, fully busy<\/td><td class="num">—<\/td><td class="num">0\.1840 ms<\/td><td class="num">—<\/td><td class="muted small"><\/td>/);
    expect(diff.regressions).toEqual([]);
    expect(diff.comparable).toBe(true);
    const c = combine([...release, asInput(cur, 'c.json')], { diff });
    expect(c.verdict).toBe('GO');
    const html = renderReportHtml(c);
    expect(html).toMatch(/<tr><td class="small">capacity 20261203-110000-capacity-abc123<\/td><td>gateway CPU per uncached search<\/td><td class="num">0\.5000 ms<\/td><td class="num">0\.8400 ms<\/td><td class="num">\+68\.0 %<\/td><td class="muted small">worse<\/td><\/tr>/);
    expect(html).toMatch(/<td>uncached searches\/s per gateway core<\/td><td class="num">2,000 \/s<\/td><td class="num">1,186 \/s<\/td><td class="num">−40\.7 %<\/td><td class="muted small">worse<\/td>/);
    expect(html).toContain('<h3>Fingerprints</h3>');
    // the same steal on both sides is said once per run
    expect(diff.capacity_note).toBe('the baseline had 12.5 % steal; this run had 12.5 % steal: read its CPU figures with care');
  });

  it('says when a baseline capacity run measured another engine, and that capacity runs alone are not a release to compare', () => {
    const diff = diffBaseline([asInput(capacity({ engine: 'qdrant' }), 'c.json')], [asInput(capacity({ runId: 'base' }), 'b.json')]);
    expect(diff.capacity_note).toMatch(/^the engine differs \(qdrant-local 1\.19\.0 → qdrant 1\.19\.0\)/);
    expect(diff.comparability).toBe('not comparable because these are capacity runs only: their figures are set beside the baseline\'s below, a plan, never a regression');
    expect(diff.regressions).toEqual([]);
    // no release run was paired: no empty fingerprint table
    const html = renderReportHtml(combine([asInput(capacity({ engine: 'qdrant' }), 'c.json')], { diff }));
    expect(html).toContain('<h3>Capacity');
    expect(html).not.toContain('<h3>Fingerprints</h3>');
  });

  it('a real Qdrant within reach: no caveat, the limiting side named', () => {
    const r = capacity({ withinReach: true, engine: 'qdrant' });
    const html = renderReportHtml(combine([asInput(r, 'c.json')]));
    expect(html).toContain('within reach, limited first by the engine');
    expect(html).not.toContain('qdrant-local&apos;s');
    expect(renderSummary(r)).toMatch(/^capacity \(qdrant 1\.19\.0, 2 cores\): 10,000 searches\/s .*: within reach, limited first by the engine$/m);
    expect(renderSummary(r)).toMatch(/^ {2}2 gateway workers: ×0\.98 of 1 \(asked ×1\.25; this machine allows ×1\.27\)$/m);
  });

  it('JUnit: out of reach is skipped (a plan, not a gate), within reach passes; never a failure', () => {
    const out = renderJunit(capacity({ withinReach: false }));
    expect(out).toMatch(/<testsuites [^>]*tests="1" failures="0" errors="0" skipped="1"/);
    expect(out).toMatch(/<skipped message="a plan, not a gate: 10,000 searches\/s .*NOT within reach/);
    const ok = renderJunit(capacity({ withinReach: true }));
    expect(ok).toMatch(/skipped="0"/);
    expect(ok).not.toContain('<skipped');
  });
});
