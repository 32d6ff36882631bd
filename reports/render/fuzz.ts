/**
 * A fuzz run's own files and lines: JUnit (one testsuite per API, one testcase per operation),
 * report.html (a self-contained page: the verdict, each API with its health afterwards, every
 * operation with its case count, every failure with its saved replay file), and the terminal summary.
 */
import type { FuzzFailure, FuzzOperation, FuzzResults } from '../../src/results/fuzz.ts';
import { xmlEscape as x } from './xml.ts';

const opFailures = (r: FuzzResults, o: FuzzOperation): FuzzFailure[] => r.failures.filter((f) => f.api === o.api && f.operation === o.operation);

export function fuzzJunit(r: FuzzResults): string {
  const suites: string[] = [];
  for (const api of r.apis) {
    const ops = r.operations.filter((o) => o.api === api.api);
    const cases = ops.map((o) => {
      const fails = opFailures(r, o);
      const name = `${x(o.operation)} (${o.cases} cases)`;
      if (fails.length === 0) return `    <testcase classname="fuzz.${api.api}" name="${name}" time="0"/>`;
      const text = fails.map((f) => `${f.check}${f.code ? ` ${f.code}` : ''}: ${f.title} — ${f.request}${f.status !== undefined ? ` → ${f.status}` : ''}${f.case_file ? ` (replay: ${f.case_file})` : ''}\n${f.message}`).join('\n\n');
      return `    <testcase classname="fuzz.${api.api}" name="${name}" time="0"><failure message="${x(`${fails.length} failing case(s): ${[...new Set(fails.map((f) => f.title))].join('; ')}`)}">${x(text)}</failure></testcase>`;
    });
    const health = api.healthy_after
      ? `    <testcase classname="fuzz.${api.api}" name="healthy after fuzzing" time="0"/>`
      : `    <testcase classname="fuzz.${api.api}" name="healthy after fuzzing" time="0"><failure message="${x(api.health)}">${x(api.health)}</failure></testcase>`;
    const errored = api.error ? `    <testcase classname="fuzz.${api.api}" name="fuzzed" time="0"><error message="${x(api.error)}">${x(api.error)}</error></testcase>` : '';
    const all = [...cases, health, ...(errored ? [errored] : [])];
    const failures = ops.filter((o) => opFailures(r, o).length > 0).length + (api.healthy_after ? 0 : 1);
    suites.push(`  <testsuite name="fuzz.${api.api}" tests="${all.length}" failures="${failures}" errors="${api.error ? 1 : 0}" skipped="0" time="${(api.duration_ms / 1000).toFixed(3)}">\n${all.join('\n')}\n  </testsuite>`);
  }
  const tests = suites.length === 0 ? 0 : r.operations.length + r.apis.length + r.apis.filter((a) => a.error).length;
  const failures = r.operations.filter((o) => opFailures(r, o).length > 0).length + r.apis.filter((a) => !a.healthy_after).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdb-readiness ${x(r.run_id)} fuzz ${r.pass ? 'PASS' : 'FAIL'}" tests="${tests}" failures="${failures}" errors="${r.apis.filter((a) => a.error).length}" skipped="0" time="${((r.wall_time_ms ?? 0) / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.banner{padding:1rem 1.5rem;border-radius:6px;font-size:1.4rem;font-weight:600}.pass{background:#e3f6e5;color:#17612a}.fail{background:#fde8e8;color:#9b1c1c}
.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#9b1c1c;font-weight:600}.ok{color:#17612a}code{font-size:90%}pre{white-space:pre-wrap;margin:0;font-size:85%}.muted{color:#666}`;

/** The report section: APIs, operations, failures. Also used inside report.html. */
export function fuzzSection(r: FuzzResults): string {
  const apis = r.apis
    .map((a) => `<tr><td>${x(a.api)}</td><td><code>${x(a.base_url)}</code></td><td>${x(a.spec)}${a.scratch_collection ? `<br><span class="muted">scratch collection <code>${x(a.scratch_collection)}</code></span>` : ''}</td><td class="num">${a.operations}</td><td class="num">${a.cases}</td><td class="num">${(a.duration_ms / 1000).toFixed(1)} s of ${a.budget_s} s</td><td class="${a.healthy_after ? 'ok' : 'bad'}">${x(a.health)}</td><td>${a.error ? `<span class="bad">${x(a.error)}</span>` : ''}${a.excluded.length ? `<details><summary>${a.excluded.length} not fuzzed</summary>${a.excluded.map((e) => x(e)).join('<br>')}</details>` : ''}</td></tr>`)
    .join('\n');
  const ops = r.operations
    .map((o) => {
      const fails = opFailures(r, o);
      const statuses = Object.entries(o.statuses).sort().map(([s, n]) => `${s}×${n}`).join(' ');
      return `<tr><td>${x(o.api)}</td><td><code>${x(o.operation)}</code></td><td class="num">${o.cases}</td><td class="num ${o.failed_cases ? 'bad' : ''}">${o.failed_cases}</td><td class="num ${o.server_errors ? 'bad' : ''}">${o.server_errors}</td><td class="num ${o.leaks ? 'bad' : ''}">${o.leaks}</td><td><span class="muted">${x(statuses)}</span></td><td>${x([...new Set(fails.map((f) => f.check))].join(', '))}</td></tr>`;
    })
    .join('\n');
  const fails = r.failures
    .map((f) => `<tr><td>${x(f.api)}</td><td><code>${x(f.operation)}</code></td><td>${x(f.check)}${f.code ? ` <span class="muted">${x(f.code)}</span>` : ''}<br>${x(f.title)}</td><td><code>${x(f.request.slice(0, 300))}</code>${f.status !== undefined ? ` → <b>${f.status}</b>` : ''}<pre>${x(f.message.slice(0, 1000))}</pre></td><td>${f.case_file ? `<code>${x(f.case_file)}</code>` : '<span class="muted">not saved (cap)</span>'}</td></tr>`)
    .join('\n');
  return `<section><h2>Fuzzing: APIs</h2>
<table><tr><th>API</th><th>URL</th><th>OpenAPI document</th><th class="num">operations</th><th class="num">cases</th><th class="num">time</th><th>health afterwards</th><th></th></tr>
${apis}</table></section>
<section><h2>Operations</h2>
<table><tr><th>API</th><th>operation</th><th class="num">cases</th><th class="num">failed</th><th class="num">5xx</th><th class="num">leaks</th><th>answers by status</th><th>checks failed</th></tr>
${ops}</table></section>
<section><h2>Failures (${r.failures.length})</h2>
${r.failures.length ? `<p>Each saved case replays with <code>npm run fuzz -- --replay &lt;run dir&gt;/cases/&lt;n&gt;.json</code> (or the run directory for all of them).</p>
<table><tr><th>API</th><th>operation</th><th>check</th><th>request → answer</th><th>replay file</th></tr>
${fails}</table>` : '<p class="ok">No check failed on any answer.</p>'}</section>`;
}

export function fuzzHtml(r: FuzzResults): string {
  const s = r.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Fuzz run ${x(r.run_id)}: ${r.pass ? 'PASS' : 'FAIL'}</title><style>${CSS}</style></head><body>
<h1>Vector Database Server · fuzzing</h1>
<div class="banner ${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'} · ${s.cases} cases over ${s.operations} operations · ${s.failures} failing · ${s.server_errors} 5xx · ${s.leaks} leaks</div>
${r.reasons.length ? `<ul>${r.reasons.map((reason) => `<li>${x(reason)}</li>`).join('')}</ul>` : ''}
<p class="muted">run <code>${x(r.run_id)}</code> · ${x(r.state)} · ${x(r.started_at)} · target ${x(r.target.kind)} · ${x(r.fuzzer.name)} ${x(r.fuzzer.version)} · seed ${r.run.options.seed} · budget ${r.run.options.budget_s} s<br>checks: ${x(r.fuzzer.checks.join(', '))}<br><code>${x(r.run.command)}</code></p>
${fuzzSection(r)}
</body></html>
`;
}

export function fuzzSummary(r: FuzzResults, resultsPath?: string): string {
  const s = r.summary;
  const lines = [
    `${r.pass ? 'PASS' : 'FAIL'}  ${s.cases} cases over ${s.operations} operations · ${s.failures} failing · ${s.server_errors} 5xx · ${s.leaks} leaks${r.wall_time_ms !== undefined ? ` · ${(r.wall_time_ms / 1000).toFixed(1)} s` : ''}`,
    ...r.apis.map((a) => `  ${a.api.padEnd(8)} ${String(a.cases).padStart(6)} cases, ${a.operations} operations, ${r.failures.filter((f) => f.api === a.api).length} failing · ${a.health}${a.error ? ` · ${a.error}` : ''}`),
    ...r.reasons.map((reason) => `  - ${reason}`),
  ];
  const byOp = new Map<string, FuzzFailure[]>();
  for (const f of r.failures) byOp.set(`${f.api} ${f.operation}`, [...(byOp.get(`${f.api} ${f.operation}`) ?? []), f]);
  for (const [op, fs] of [...byOp].slice(0, 20)) {
    const first = fs[0]!;
    lines.push(`  ✗ ${op}: ${fs.length} case(s), e.g. ${first.title}: ${first.request.slice(0, 120)}${first.status !== undefined ? ` → ${first.status}` : ''}${first.case_file ? ` (${first.case_file})` : ''}`);
  }
  if (resultsPath) {
    lines.push(`  results: ${resultsPath}`);
    lines.push(`  report:  ${resultsPath.replace(/results\.json$/, 'report.html')}`);
  }
  return lines.join('\n');
}

export const fuzzRunLine = (r: FuzzResults, file: string): string =>
  `${file}: fuzz run ${r.run_id} (${r.state}), ${r.pass ? 'passed' : 'failed'} (${r.summary.cases} cases, ${r.summary.failures} failing)`;
