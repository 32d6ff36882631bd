import type { BenchResults } from '../../src/results/bench.ts';
import type { GatesSection } from '../../src/results/common.ts';
import type { AnyResults } from '../../src/results/kinds.ts';
import type { CheckResult, Evidence, ReadinessResults } from '../../src/results/readiness.ts';
import { capacityJunit } from './capacity.ts';
import { fuzzJunit } from './fuzz.ts';
import { xmlEscape as x } from './xml.ts';

/**
 * JUnit XML of a readiness run: one testsuite per group, one testcase per check (skip reasons and
 * evidence included), plus a `gates` suite with one testcase per release gate. Rendered from
 * results.json rather than by vitest's junit reporter so gates, skip reasons and evidence are in it.
 */
/** JUnit XML of any run: the one entry point runners and `npm run gate` call. */
export function renderJunit(r: AnyResults): string {
  if (r.kind === 'fuzz') return fuzzJunit(r);
  if (r.kind === 'capacity') return capacityJunit(r);
  return r.kind === 'readiness' ? readinessJunit(r) : benchJunit(r);
}

function readinessJunit(r: ReadinessResults): string {
  const groups = new Map<string, CheckResult[]>();
  for (const c of r.checks) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const suites: string[] = [];
  for (const [group, checks] of groups) {
    const failures = checks.filter((c) => c.status === 'failed').length;
    const skipped = checks.filter((c) => c.status === 'skipped').length;
    const time = checks.reduce((s, c) => s + c.duration_ms, 0) / 1000;
    suites.push(
      `  <testsuite name="readiness.${x(group)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n${checks.map(testcase).join('\n')}\n  </testsuite>`,
    );
  }
  const gates = r.gates.results;
  if (gates.length > 0) suites.push(gatesSuite('readiness', r.gates));
  const tests = r.checks.length + gates.length;
  const failures = r.summary.failed + gates.filter((g) => !g.pass).length;
  const time = (r.wall_time_ms ?? 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdb-readiness ${x(r.run_id)} ${r.verdict}" tests="${tests}" failures="${failures}" errors="0" skipped="${r.summary.skipped}" time="${time.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function evidenceLine(e: Evidence): string {
  return [e.label, e.request, e.status !== undefined ? `→ ${e.status}` : '', e.latency_ms !== undefined ? `${e.latency_ms} ms` : '', e.excerpt ?? '', e.note ?? '']
    .filter(Boolean)
    .join('  ');
}

function testcase(c: CheckResult): string {
  const head = `    <testcase classname="readiness.${x(c.group)}" name="${x(c.title)}" time="${(c.duration_ms / 1000).toFixed(3)}">`;
  const parts: string[] = [];
  if (c.status === 'skipped') parts.push(`      <skipped message="${x(c.skip_reason ?? 'skipped')}"/>`);
  if (c.status === 'failed') {
    const msg = c.errors?.[0]?.split('\n')[0] ?? 'failed';
    parts.push(`      <failure message="${x(msg)}" type="${c.required ? 'required' : 'advisory'}">${x((c.errors ?? []).join('\n\n'))}</failure>`);
  }
  if (c.evidence.length > 0) parts.push(`      <system-out>${x(c.evidence.map(evidenceLine).join('\n'))}</system-out>`);
  return parts.length === 0 ? `${head}</testcase>` : `${head}\n${parts.join('\n')}\n    </testcase>`;
}

/** One testcase per release gate, so a CI that reads JUnit sees which gate failed and by how much. */
function gatesSuite(kind: string, section: GatesSection, systemErr = ''): string {
  const cases = section.results.map((g) => {
    const line = `${g.metric} = ${g.value ?? 'not measured'} ${g.unit} (needs ${g.op} ${g.threshold})`;
    const body = g.pass ? `      <system-out>${x(line)}</system-out>` : `      <failure message="${x(`gate ${g.name} failed: ${line}`)}" type="gate"/>`;
    return `    <testcase classname="${kind}.gates" name="${x(`gate ${g.name} (${section.profile})`)}" time="0">\n${body}\n    </testcase>`;
  });
  return `  <testsuite name="${kind}.gates" tests="${section.results.length}" failures="${section.results.filter((g) => !g.pass).length}" errors="0" skipped="0" time="0">\n${cases.join('\n')}${systemErr ? `\n    <system-err>${x(systemErr)}</system-err>` : ''}\n  </testsuite>`;
}

/**
 * A k6 run's thresholds as k6 judged them, one testcase each (k6 exits 99 when one fails), so a CI
 * reading JUnit sees the same verdicts as k6's exit code. Empty for runs not driven by k6.
 */
function k6ThresholdsSuite(r: BenchResults): { xml: string; tests: number; failures: number } | null {
  const thresholds = r.runner?.tool === 'k6' ? (r.runner.thresholds ?? []) : [];
  if (thresholds.length === 0) return null;
  const cases = thresholds.map((t) => {
    const name = `${t.metric} ${t.expression}`;
    const body = t.ok ? `      <system-out>${x(`k6: ${name} held`)}</system-out>` : `      <failure message="${x(`k6 threshold ${name} failed`)}" type="threshold"/>`;
    return `    <testcase classname="k6.thresholds" name="${x(name)}" time="0">\n${body}\n    </testcase>`;
  });
  const failures = thresholds.filter((t) => !t.ok).length;
  const scenario = r.runner?.scenario ? ` ${x(r.runner.scenario)}` : '';
  return {
    xml: `  <testsuite name="k6.thresholds${scenario}" tests="${thresholds.length}" failures="${failures}" errors="0" skipped="0" time="${r.duration_s.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`,
    tests: thresholds.length,
    failures,
  };
}

/** JUnit XML of a bench run: its gates (the run's verdict), with the warnings as system-err; a k6 run adds its thresholds. */
function benchJunit(r: BenchResults): string {
  const k6 = k6ThresholdsSuite(r);
  const tests = r.gates.results.length + (k6?.tests ?? 0);
  const failures = r.gates.results.filter((g) => !g.pass).length + (k6?.failures ?? 0);
  const suites = [gatesSuite('bench', r.gates, r.warnings.join('\n')), ...(k6 ? [k6.xml] : [])].join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdb-readiness ${x(r.run_id)} bench ${r.pass ? 'PASS' : 'FAIL'}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${r.duration_s.toFixed(3)}">\n${suites}\n</testsuites>\n`;
}
