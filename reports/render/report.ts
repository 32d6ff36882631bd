/**
 * The sign-off report: one self-contained HTML file (inline CSS, uPlot and the chart data inline,
 * a Content-Security-Policy that forbids any fetch) for one run or a release's runs combined.
 * First screen: the verdict, why, what is missing and the gates with their margins; then the
 * baseline comparison, the charts, each run's details and the sign-off block.
 */
import type { BenchResults } from '../../src/results/bench.ts';
import type { BaselineDiff } from '../../src/report/baseline.ts';
import { fmtNum } from '../../src/report/baseline.ts';
import type { Combined } from '../../src/report/combine.ts';
import { runLabel, runVerdict } from '../../src/report/combine.ts';
import type { DeploymentRecord, RunInput } from '../../src/report/inputs.ts';
import { inputId } from '../../src/report/inputs.ts';
import { capacitySection } from './capacity.ts';
import { buildCharts, chartFigure, chartScripts, uplotAssets } from './charts.ts';
import type { ChartSpec } from './charts.ts';
import { readinessSections } from './html.ts';
import { soakSection } from './soak.ts';
import { xmlEscape as h } from './xml.ts';

export interface ReportMeta {
  /** Names for the sign-off block (empty lines to sign by hand when none). */
  signers?: string[];
  /** When the report was made (ISO 8601); defaults to now. */
  generated_at?: string;
  /** The command that made it. */
  command?: string;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:";
const BANNER: Record<Combined['verdict'], string> = { GO: 'go', 'NO-GO': 'nogo', INCOMPLETE: 'incomplete' };
const SUMMARY: Record<Combined['verdict'], string> = {
  GO: 'Every required check passed, every measured gate holds and every runbook item the profile requires is covered.',
  'NO-GO': 'Something failed or regressed: do not release.',
  INCOMPLETE: 'Nothing failed, but the profile requires runbook items no run covered: not yet a GO.',
};

const pct = (v: number | null): string => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} %`);
const badge = (status: string, cls = status): string => `<span class="badge ${h(cls.toLowerCase().replace(/\s+/g, '-'))}">${h(status)}</span>`;

function title(c: Combined): string {
  if (c.scope === 'release') return 'Vector Database Server · release sign-off';
  const r = c.runs[0];
  if (r?.kind === 'capacity') return 'Vector Database Server · capacity plan';
  return r?.kind === 'bench' ? `Vector Database Server · ${runLabel(r)}` : 'Vector Database Server · production readiness';
}

function subline(c: Combined, meta: ReportMeta): string {
  const r = c.runs[0];
  if (c.scope === 'run' && r && r.kind !== 'deployment') {
    const x = r.results;
    const where =
      x.kind === 'readiness' ? `${h(x.target.kind)} target <code>${h(x.target.gateway_url)}</code>`
      : x.kind === 'capacity' ? `${h(x.engine.kind)} on ${x.machine.cores} cores`
      : `<code>${h(x.target.url)}</code>`;
    return `${where} · run <code>${h(x.run_id)}</code> · ${h(x.started_at)}`;
  }
  const kinds = ['readiness', 'bench', 'capacity', 'deployment'].map((k) => [k, c.runs.filter((i) => i.kind === k).length] as const).filter(([, n]) => n > 0);
  return `${c.runs.length} run${c.runs.length === 1 ? '' : 's'} combined (${kinds.map(([k, n]) => `${n} ${k}`).join(', ')}) · made ${h(meta.generated_at ?? '')}`;
}

function banner(c: Combined, meta: ReportMeta): string {
  const counts = c.runs.filter((r) => r.kind === 'readiness').map((r) => (r.kind === 'readiness' ? r.results.summary : null));
  const sum = (k: 'passed' | 'failed' | 'skipped'): number => counts.reduce((a, s) => a + (s?.[k] ?? 0), 0);
  const gatesOk = c.gates.filter((g) => g.pass).length;
  const shown = c.reasons.slice(0, 6);
  return `<header class="verdict ${BANNER[c.verdict]}" id="verdict">
  <div class="big" data-verdict="${h(c.verdict)}">${h(c.verdict)}</div>
  <div class="what">
    <div class="title">${h(title(c))}</div>
    <div class="sub">gated by profile <b>${h(c.profile_label)}</b> · ${subline(c, meta)}</div>
    <div class="sub">${h(SUMMARY[c.verdict])}</div>
    ${shown.length ? `<ul class="reasons">${shown.map((x) => `<li>${h(x.length > 200 ? `${x.slice(0, 197)}…` : x)}</li>`).join('')}${c.reasons.length > shown.length ? `<li>… and ${c.reasons.length - shown.length} more (below)</li>` : ''}</ul>` : ''}
  </div>
  <div class="counts">
    ${counts.length ? `${count('passed', sum('passed'))}${count('failed', sum('failed'))}${count('skipped', sum('skipped'))}` : ''}${count('gates held', gatesOk, `${gatesOk}/${c.gates.length}`)}
  </div>
</header>`;
}

const count = (label: string, n: number, text = String(n)): string => `<div class="count"><b>${h(text)}</b>${h(label)}</div>`;

function missingBox(c: Combined): string {
  if (c.missing.length === 0) return '';
  return `<section class="missing" id="missing"><h2>Not covered <span class="muted">${c.missing.length} runbook item${c.missing.length === 1 ? '' : 's'} the ${h(c.profile)} profile requires</span></h2>
<table><thead><tr><th>what</th><th>why</th><th>the command that covers it</th></tr></thead><tbody>
${c.missing.map((m) => `<tr><td>${h(m.what)}</td><td>${h(m.why)}</td><td><code class="wrap">${h(m.command)}</code></td></tr>`).join('\n')}
</tbody></table></section>`;
}

function gatesTable(c: Combined): string {
  if (c.gates.length === 0) return `<section class="gates"><h2>Release gates <span class="muted">profile ${h(c.profile_label)}</span></h2><p class="muted">No gate metric was measured by these runs.</p></section>`;
  const runs = [...new Set(c.gates.map((g) => g.run))];
  const many = runs.length > 1 || c.scope === 'release';
  return `<section class="gates" id="gates"><h2>Release gates <span class="muted">profile ${h(c.profile_label)}</span></h2>
<table><thead><tr><th>gate</th><th class="num">measured</th><th class="num">threshold</th><th class="num">margin</th><th></th></tr></thead><tbody>
${runs.map((run) => `${many ? `<tr class="runrow"><th colspan="5">${h(run)}</th></tr>` : ''}${c.gates.filter((g) => g.run === run).map((g) => `<tr class="${g.pass ? '' : 'bad'}"><td>${h(g.name)} <span class="muted small">${h(g.metric)}</span></td><td class="num">${g.value === null ? '—' : h(fmtNum(g.value))} ${h(g.unit)}</td><td class="num">${h(g.op)} ${h(fmtNum(g.threshold))} ${h(g.unit)}</td><td class="num ${g.margin !== null && g.margin < 0 ? 'neg' : ''}">${g.margin === null ? '—' : `${h(fmtNum(g.margin))} ${h(g.unit)} <span class="muted">(${pct(g.margin_pct)})</span>`}</td><td>${badge(g.pass ? 'passed' : 'failed')}</td></tr>`).join('\n')}`).join('\n')}
</tbody></table></section>`;
}

/** A capacity figure with its unit: searches/s as whole numbers; — when not measured. */
function capacityValue(v: number | null, unit: string): string {
  if (v === null) return '—';
  return unit === '/s' ? `${h(Math.round(v).toLocaleString('en-US'))} /s` : `${h(fmtNum(v))} ${h(unit)}`;
}

/** better / worse / same, for a capacity figure against the baseline's (under 1 %: same). */
function capacityTrend(f: BaselineDiff['capacity'][number]): string {
  if (f.change_pct === null) return '';
  if (Math.abs(f.change_pct) < 0.01) return 'same';
  return (f.change_pct > 0) === (f.better === 'up') ? 'better' : 'worse';
}

function diffSection(d: BaselineDiff): string {
  const changeCell = (f: BaselineDiff['figures'][number]): string => (f.change === null ? '—' : `${f.change >= 0 ? '+' : '−'}${fmtNum(Math.abs(f.change))} ${h(f.unit)} <span class="muted">(${pct(f.change_pct)})</span>`);
  return `<section class="baseline" id="baseline"><h2>Against the baseline <span class="muted">${d.regressions.length ? `${d.regressions.length} regression${d.regressions.length === 1 ? '' : 's'}` : 'no regression'}</span></h2>
<p class="${d.comparable ? 'ok-line' : 'warn-line'}"><b>${h(d.comparability.split(/(?<=^(?:comparable|not comparable because))/)[0] ?? '')}</b>${h(d.comparability.replace(/^(comparable|not comparable because)/, ''))}</p>
${d.regressions.length ? `<ul class="regressions">${d.regressions.map((r) => `<li>${h(r)}</li>`).join('')}</ul>` : ''}
<p class="muted small">Rules (data, src/report/baseline.ts): p95 or p99 +10 %, throughput −10 %, recall −0.01, any check or gate that passed in the baseline and fails now. Baseline: ${d.baseline_runs.map((b) => `${h(b.kind)} <code>${h(b.id)}</code>`).join(', ')}.</p>
${d.figures.length ? `<h3>Key figures</h3><table><thead><tr><th>run</th><th>figure</th><th class="num">baseline</th><th class="num">now</th><th class="num">change</th><th></th></tr></thead><tbody>
${d.figures.map((f) => `<tr class="${f.regression ? 'bad' : ''}"><td class="small">${h(f.run)}</td><td>${h(f.label)}</td><td class="num">${h(fmtNum(f.baseline))} ${h(f.unit)}</td><td class="num">${h(fmtNum(f.current))} ${h(f.unit)}</td><td class="num">${changeCell(f)}</td><td>${f.regression ? badge('regression', 'failed') : ''}</td></tr>`).join('\n')}
</tbody></table>` : ''}
${d.gates.length ? `<h3>Gates</h3><table><thead><tr><th>run</th><th>gate</th><th class="num">baseline</th><th class="num">now</th></tr></thead><tbody>
${d.gates.map((g) => `<tr class="${g.baseline?.pass && !g.current.pass ? 'bad' : ''}"><td class="small">${h(g.run)}</td><td>${h(g.name)} ${h(g.op)} ${h(fmtNum(g.threshold))} ${h(g.unit)}</td><td class="num">${g.baseline ? `${h(fmtNum(g.baseline.value))} ${badge(g.baseline.pass ? 'passed' : 'failed')}` : '—'}</td><td class="num">${h(fmtNum(g.current.value))} ${badge(g.current.pass ? 'passed' : 'failed')}</td></tr>`).join('\n')}
</tbody></table>` : ''}
${d.capacity.length ? `<h3>Capacity <span class="muted">a plan: shown beside the baseline's, never a regression</span></h3>${d.capacity_note ? `<p class="warn-line small">${h(d.capacity_note)}</p>` : ''}<table class="capacity-diff"><thead><tr><th>run</th><th>figure</th><th class="num">baseline</th><th class="num">now</th><th class="num">change</th><th></th></tr></thead><tbody>
${d.capacity.map((f) => `<tr><td class="small">${h(f.run)}</td><td>${h(f.label)}</td><td class="num">${capacityValue(f.baseline, f.unit)}</td><td class="num">${capacityValue(f.current, f.unit)}</td><td class="num">${f.change_pct === null ? '—' : pct(f.change_pct)}</td><td class="muted small">${capacityTrend(f)}</td></tr>`).join('\n')}
</tbody></table>` : ''}
${d.newly_failing.length ? `<h3>Checks newly failing</h3><ul>${d.newly_failing.map((n) => `<li>${h(n.run)}: ${h(n.title)}</li>`).join('')}</ul>` : ''}
${d.fingerprint.length ? `<h3>Fingerprints</h3><table><thead><tr><th>run</th><th>what</th><th>baseline</th><th>now</th><th></th></tr></thead><tbody>
${d.fingerprint.map((f) => `<tr class="${f.same || !f.matters ? '' : 'warn'}"><td class="small">${h(f.run)}</td><td>${h(f.what)}</td><td><code class="wrap">${h(f.baseline)}</code></td><td><code class="wrap">${h(f.current)}</code></td><td>${f.same ? 'same' : f.matters ? badge('differs', 'skipped') : 'differs (the release)'}</td></tr>`).join('\n')}
</tbody></table>` : ''}
</section>`;
}

function benchSection(i: RunInput & { kind: 'bench' }): string {
  const r: BenchResults = i.results;
  const l = r.latency_ms;
  const p = r.params;
  return `<section class="run" id="run-${h(r.run_id)}"><h2>${h(runLabel(i))} <code>${h(r.run_id)}</code> <span class="muted">${badge(runVerdict(i) === 'GO' ? 'passed' : 'failed')} ${h(r.started_at)}</span></h2>
<p class="small">${h(r.latency_note)}</p>
<table><tbody>
<tr><th>target</th><td><code>${h(r.target.url)}</code> (${h(r.target.api)})${r.runner?.tool === 'k6' ? ` · k6 ${h(r.runner.version ?? '')} ${h(r.runner.source ?? '')}` : ''}</td></tr>
<tr><th>shape</th><td>${h([r.mode === 'open' && typeof p.rate === 'number' ? `rate ${p.rate}/s` : 'closed loop', typeof p.connections === 'number' ? `connections ${p.connections}` : '', `duration ${fmtNum(r.duration_s)} s`, `k ${r.k}`, r.runner?.scenario ? `scenario ${r.runner.scenario}` : ''].filter(Boolean).join(' · '))}</td></tr>
<tr><th>requests</th><td>${r.requests} · ok ${r.ok} · errors ${r.errors} (${(r.error_rate * 100).toFixed(3)} %) · throughput ${fmtNum(r.throughput_rps)}/s · recall@${r.k} ${fmtNum(r.recall_at_k)}</td></tr>
<tr><th>latency ms</th><td>p50 ${fmtNum(l.p50)} · p90 ${fmtNum(l.p90)} · p95 ${fmtNum(l.p95)} · p99 ${fmtNum(l.p99)} · p99.9 ${fmtNum(l.p999)} · max ${fmtNum(l.max)}</td></tr>
</tbody></table>
${r.runner?.thresholds?.length ? `<h3>k6 thresholds (as k6 judged them)</h3><table><tbody>${r.runner.thresholds.map((t) => `<tr><td><code>${h(t.metric)}</code></td><td><code>${h(t.expression)}</code></td><td>${badge(t.ok ? 'passed' : 'failed')}</td></tr>`).join('')}</tbody></table>` : ''}
${soakSection(r)}
${r.warnings.length ? `<ul class="warnings">${r.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function deploymentSection(i: RunInput & { kind: 'deployment' }): string {
  const d: DeploymentRecord = i.record;
  return `<section class="run" id="run-${h(d.id)}"><h2>Deployment <code>${h(d.id)}</code> <span class="muted">${badge(d.outcome, d.outcome === 'live' ? 'passed' : 'failed')} ${h(d.action)} ${h(d.version)} → slot ${h(d.slot)}${d.from_version ? ` (from ${h(d.from_version)} on ${h(d.from_slot ?? '?')})` : ''} · by ${h(d.by)} · ${h(d.started_at)}</span></h2>
${d.reason ? `<p class="err">${h(d.reason)}</p>` : ''}
<table><thead><tr><th>check</th><th></th><th>detail</th></tr></thead><tbody>${d.checks.map((c) => `<tr><td>${h(c.name)}</td><td>${badge(c.pass ? 'passed' : 'failed')}</td><td class="small">${h(c.detail)}</td></tr>`).join('')}</tbody></table>
<details><summary>Events (${d.events.length})</summary><table><tbody>${d.events.map((e) => `<tr><td class="num small">${h(e.at)}</td><td>${h(e.kind)}</td><td class="small">${h(e.detail)}</td></tr>`).join('')}</tbody></table></details>
</section>`;
}

function chartsSections(charts: ChartSpec[]): string {
  const part = (group: ChartSpec['group'], heading: string): string => {
    const cs = charts.filter((c) => c.group === group);
    return cs.length ? `<section class="charts"><h2>${h(heading)}</h2>${cs.map(chartFigure).join('\n')}</section>` : '';
  };
  return [part('distribution', 'Latency distribution'), part('time', 'Over time'), part('deployment', 'Deployment timeline'), part('models', 'Per collection and model'), part('loops', 'Open loop vs closed loop')].join('\n');
}

function signoff(c: Combined, meta: ReportMeta): string {
  const names = meta.signers?.length ? meta.signers : ['Release engineer', 'Operations'];
  return `<section class="signoff" id="signoff"><h2>Sign-off</h2>
<p>Verdict <b>${h(c.verdict)}</b> under profile <b>${h(c.profile_label)}</b>, report made ${h(meta.generated_at ?? '')}.</p>
<table class="sign"><thead><tr><th>name</th><th>signature</th><th>date</th></tr></thead><tbody>
${names.map((n) => `<tr><td>${h(n)}</td><td></td><td></td></tr>`).join('')}
</tbody></table>
<h3>Results signed</h3>
<table class="hashes"><thead><tr><th>kind</th><th>run</th><th>verdict</th><th>sha256 of the file</th></tr></thead><tbody>
${[...c.runs.map((r) => [r, '']), ...(c.baseline ?? []).map((r) => [r, 'baseline '])].map(([r, tag]) => {
    const i = r as RunInput;
    const verdict = i.kind === 'capacity' ? `plan: ${i.results.plan.within_reach ? 'within reach' : 'not within reach'}` : runVerdict(i);
    return `<tr><td>${h(`${tag as string}${i.kind}`)}</td><td><code>${h(inputId(i))}</code><div class="muted small wrap">${h(i.path)}</div></td><td>${h(verdict)}</td><td><code class="hash">${h(i.sha256 || '—')}</code></td></tr>`;
  }).join('\n')}
</tbody></table>
${meta.command ? `<p class="muted small">Made with <code class="wrap">${h(meta.command)}</code></p>` : ''}
</section>`;
}

export function renderReportHtml(c: Combined, meta: ReportMeta = {}): string {
  const m = { ...meta, generated_at: meta.generated_at ?? new Date().toISOString() };
  const charts = buildCharts(c);
  const runs = c.runs
    .map((i) => (i.kind === 'readiness' ? readinessSections(i.results, c.scope === 'release') : i.kind === 'bench' ? benchSection(i) : i.kind === 'capacity' ? capacitySection(i.results, runLabel(i)) : deploymentSection(i)))
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${h(`${c.verdict} · ${title(c)}`)}</title>
<style>${CSS}${charts.length ? uplotAssets().css : ''}</style></head>
<body>
${banner(c, m)}
<main>
${missingBox(c)}
${gatesTable(c)}
${c.reasons.length > 6 || c.reasons.some((x) => x.length > 200) ? `<section class="all-reasons"><h2>Why ${h(c.verdict)}</h2><ul>${c.reasons.map((x) => `<li>${h(x)}</li>`).join('')}</ul></section>` : ''}
${c.diff ? diffSection(c.diff) : ''}
${chartsSections(charts)}
${runs}
${signoff(c, m)}
<footer class="muted">vdb-readiness · charts drawn by uPlot (MIT), inlined · ${h(m.generated_at)}</footer>
</main>
${chartScripts(charts)}
</body></html>
`;
}

const CSS = `
:root{--go:#137333;--nogo:#b3261e;--inc:#a15c00;--skip:#8a6d00;--bg:#f6f7f9;--card:#fff;--ink:#1c1e21;--mut:#667085;--line:#e4e7ec}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--ink)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}code.wrap,.wrap{overflow-wrap:anywhere;white-space:normal}td code{overflow-wrap:anywhere}code.hash{font-size:11px;word-break:break-all}
.verdict{display:flex;flex-wrap:wrap;gap:10px 28px;align-items:center;padding:22px 36px;color:#fff}.verdict .what{flex:1 1 380px;min-width:0}
.verdict.go{background:linear-gradient(120deg,#0f5c29,var(--go))}.verdict.nogo{background:linear-gradient(120deg,#7f1d17,var(--nogo))}.verdict.incomplete{background:linear-gradient(120deg,#7a4500,#c27c0e)}
.verdict .big{font-size:56px;font-weight:800;letter-spacing:2px;white-space:nowrap}.verdict .title{font-size:20px;font-weight:600}
.verdict .sub{opacity:.92}.verdict code{background:rgba(255,255,255,.15);padding:1px 5px;border-radius:4px;color:#fff}
.verdict .reasons{margin:6px 0 0;padding-left:18px;max-height:9.5em;overflow:hidden}.verdict .reasons li{word-break:break-word}
.counts{margin-left:auto;display:flex;gap:10px}.count{background:rgba(255,255,255,.15);border-radius:10px;padding:8px 14px;text-align:center;min-width:78px;font-size:12px}
.count b{display:block;font-size:24px}
main{max-width:1180px;margin:0 auto;padding:4px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 20px;margin:14px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}
section.missing{border-color:#f0c36d;background:#fffaf0}section.missing h2{color:var(--inc)}
h2{margin:0 0 10px;font-size:17px}h2.run-head{margin:28px 0 0;font-size:18px}h3{margin:16px 0 6px;font-size:15px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:#344054;background:#fafbfc}td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}td.neg{color:var(--nogo);font-weight:600}
tr.bad td{background:#fff5f5}tr.runrow th{background:#fff;font-size:12px;color:var(--mut);padding-top:8px;border-bottom:none}section.gates td{padding:3px 8px}tr.warn td{background:#fffaf0}
.muted{color:var(--mut);font-weight:400}.small{font-size:12px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.passed,.badge.proven,.badge.live{background:#e6f4ea;color:var(--go)}.badge.failed{background:#fce8e6;color:var(--nogo)}
.badge.skipped,.badge.not-covered{background:#fef7e0;color:var(--skip)}
.ok-line{color:var(--go)}.warn-line{color:var(--inc)}.regressions li{color:var(--nogo);font-weight:600}
.groups{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}.groups a{text-decoration:none;border-radius:8px;padding:4px 10px;border:1px solid var(--line);color:var(--ink)}
.groups a.bad{border-color:var(--nogo);color:var(--nogo)}.groups a span{color:var(--mut)}
details.check{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:#fff}
details.check.failed{border-color:#f4c7c3}details.check>summary{cursor:pointer;padding:7px 12px;display:flex;gap:10px;align-items:center;list-style:none}
details.check>summary::-webkit-details-marker{display:none}.claim{flex:1}.dur{color:var(--mut);font-size:12px}
details.check>*:not(summary){margin:0 12px 10px}details.check>table{width:calc(100% - 24px)}
pre.error{background:#fff5f5;border:1px solid #f4c7c3;border-radius:6px;padding:10px;white-space:pre-wrap;word-break:break-word;color:#7f1d17}
.skip{color:var(--skip)}table.evidence{table-layout:fixed}table.evidence th:nth-child(1){width:20%}table.evidence th:nth-child(2){width:24%}table.evidence th:nth-child(3){width:8%}table.evidence th:nth-child(4){width:10%}
table.evidence td{overflow-wrap:anywhere}table.evidence td.excerpt{font-family:ui-monospace,monospace;font-size:12px}
.note{color:#344054;font-family:system-ui,sans-serif;margin-top:2px}
.failed-list{border-color:#f4c7c3}.failed-list td.grp{color:var(--mut);white-space:nowrap;width:90px}.failed-list a,.why a{color:var(--nogo)}
.err{font-family:ui-monospace,monospace;font-size:12px;color:#7f1d17;margin-top:2px;word-break:break-word}.why{font-size:12px;color:var(--nogo);margin-top:2px}
table.models th,table.models td{text-align:center}table.models td{white-space:nowrap}table.models thead th{font-size:12px}table.models th:first-child{text-align:left}table.models a{text-decoration:none}
figure.chart{margin:10px 0 22px;padding:0}figure.chart figcaption{font-size:13px;margin-bottom:6px}figure.chart .cap{color:#344054}
.plot{width:100%;min-height:300px;overflow:hidden}.uplot{font-family:system-ui,sans-serif}.u-legend{font-size:12px}
td.bar{width:30%}td.bar span{display:block;height:10px;border-radius:3px;background:#1f6feb;-webkit-print-color-adjust:exact;print-color-adjust:exact}
details.tableview summary{cursor:pointer;color:#1f6feb;font-size:13px}details.tableview table{font-size:12px}
.signoff table.sign td{height:40px}.signoff{break-inside:avoid}footer{margin-top:20px;font-size:12px}
@page{size:A4;margin:12mm}
@media print{
 body{background:#fff;font-size:11px}main{max-width:none;padding:0}
 .verdict,.badge,tr.bad td,section.missing{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .verdict{padding:14px 18px}.verdict .big{font-size:40px}.counts{margin-left:0}.verdict .reasons{max-height:none}
 section{box-shadow:none;border-radius:0;padding:8px 0;border:none;border-top:1px solid var(--line)}
 table{width:100%}td,th{overflow-wrap:anywhere;padding:3px 5px}td.num,th.num{white-space:normal}
 details.check{break-inside:avoid}
 details.tableview{display:none}figure.chart{break-inside:avoid}.groups{display:none}
}
`;
