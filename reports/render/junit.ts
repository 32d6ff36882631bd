import type { CheckResult, ReadinessResults } from '../../src/results/readiness-results.ts';
import type { Evidence } from '../../src/readiness/evidence.ts';
import { xmlEscape as x } from './xml.ts';

/**
 * JUnit XML of a readiness run: one testsuite per group, one testcase per check (skip reasons and
 * evidence included), plus a `gates` suite with one testcase per release gate. Rendered from
 * results.json rather than by vitest's junit reporter so gates, skip reasons and evidence are in it.
 */
export function renderJunit(r: ReadinessResults): string {
  const groups = new Map<string, CheckResult[]>();
  for (const c of r.checks) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const suites: string[] = [];
  for (const [group, checks] of groups) {
    const failures = checks.filter((c) => c.status === 'failed').length;
    const skipped = checks.filter((c) => c.status === 'skipped').length;
    const time = checks.reduce((s, c) => s + c.durationMs, 0) / 1000;
    suites.push(
      `  <testsuite name="readiness.${x(group)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n${checks.map(testcase).join('\n')}\n  </testsuite>`,
    );
  }
  const gates = r.gates.results;
  if (gates.length > 0) {
    const cases = gates.map((g) => {
      const line = `${g.metric} = ${g.value ?? 'not measured'} ${g.unit} (needs ${g.op} ${g.threshold})`;
      const body = g.pass ? `      <system-out>${x(line)}</system-out>` : `      <failure message="${x(`gate ${g.name} failed: ${line}`)}" type="gate"/>`;
      return `    <testcase classname="readiness.gates" name="${x(`gate ${g.name} (${r.gates.profile})`)}" time="0">\n${body}\n    </testcase>`;
    });
    suites.push(`  <testsuite name="readiness.gates" tests="${gates.length}" failures="${gates.filter((g) => !g.pass).length}" errors="0" skipped="0" time="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  const tests = r.checks.length + gates.length;
  const failures = r.summary.failed + gates.filter((g) => !g.pass).length;
  const time = (r.run.wallTimeMs ?? 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdb-readiness ${x(r.runId)} ${r.verdict}" tests="${tests}" failures="${failures}" errors="0" skipped="${r.summary.skipped}" time="${time.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function evidenceLine(e: Evidence): string {
  return [e.label, e.request, e.status !== undefined ? `→ ${e.status}` : '', e.latencyMs !== undefined ? `${e.latencyMs} ms` : '', e.excerpt ?? '', e.note ?? '']
    .filter(Boolean)
    .join('  ');
}

function testcase(c: CheckResult): string {
  const head = `    <testcase classname="readiness.${x(c.group)}" name="${x(c.title)}" time="${(c.durationMs / 1000).toFixed(3)}">`;
  const parts: string[] = [];
  if (c.status === 'skipped') parts.push(`      <skipped message="${x(c.skipReason ?? 'skipped')}"/>`);
  if (c.status === 'failed') {
    const msg = c.errors?.[0]?.split('\n')[0] ?? 'failed';
    parts.push(`      <failure message="${x(msg)}" type="${c.required ? 'required' : 'advisory'}">${x((c.errors ?? []).join('\n\n'))}</failure>`);
  }
  if (c.evidence.length > 0) parts.push(`      <system-out>${x(c.evidence.map(evidenceLine).join('\n'))}</system-out>`);
  return parts.length === 0 ? `${head}</testcase>` : `${head}\n${parts.join('\n')}\n    </testcase>`;
}
