import type { CheckResult, ChecklistEntry, Evidence, ReadinessResults } from '../../src/results/readiness.ts';
import { TIMELINE_CSS, timelineAnchor, timelineSection } from './timeline.ts';
import { xmlEscape as h } from './xml.ts';

/**
 * report.html of a readiness run: one self-contained file (inline CSS, no script, no network)
 * that leads with GO / NO-GO, then gates, the runbook checklist, the deployment timeline (checks
 * that ran under traffic), and every check with its evidence.
 */
export function renderReadinessHtml(r: ReadinessResults): string {
  const go = r.verdict === 'GO';
  const groups = [...new Set(r.checks.map((c) => c.group))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(`${r.verdict} · readiness ${r.run_id}`)}</title>
<style>${CSS}</style></head>
<body>
<header class="verdict ${go ? 'go' : 'nogo'}">
  <div class="big">${go ? 'GO' : 'NO-GO'}</div>
  <div class="what">
    <div class="title">Vector Database Server · production readiness</div>
    <div class="sub">gated by profile <b>${h(r.gates.label)}</b></div>
    <div class="sub">${h(r.target.kind)} target <code>${h(r.target.gateway_url)}</code> · run <code>${h(r.run_id)}</code> · ${h(r.started_at)}${r.wall_time_ms !== undefined ? ` · checks took ${(r.wall_time_ms / 1000).toFixed(1)} s` : ''}</div>
    ${r.state !== 'complete' ? `<div class="warn">This run is ${h(r.state)}: the results are partial.</div>` : ''}
    ${r.verdict_reasons.length ? `<ul class="reasons">${r.verdict_reasons.map((x) => `<li>${h(x)}</li>`).join('')}</ul>` : '<div class="sub">Every required check passed and every measured gate holds.</div>'}
  </div>
  <div class="counts">
    ${count('passed', r.summary.passed)}${count('failed', r.summary.failed)}${count('skipped', r.summary.skipped)}
  </div>
</header>
<main>
${failedSection(r.checks)}
<section><h2>Release gates <span class="muted">profile ${h(r.gates.label)}</span></h2>
${r.gates.results.length === 0 ? '<p class="muted">No gate metric was measured in this run.</p>' : `<table><thead><tr><th>gate</th><th>measured</th><th>threshold</th><th></th></tr></thead><tbody>
${r.gates.results.map((g) => `<tr><td>${h(g.name)} <span class="muted">${h(g.metric)}</span></td><td class="num">${g.value === null ? '—' : h(fmt(g.value))} ${h(g.unit)}</td><td class="num">${h(g.op)} ${h(fmt(g.threshold))} ${h(g.unit)}</td><td>${badge(g.pass ? 'passed' : 'failed')}</td></tr>`).join('\n')}
</tbody></table>`}
</section>
<section><h2>Runbook checklist</h2>
${checklistTable(r.checklist.filter((c) => c.kind === 'checklist'), 'Production Readiness Checklist', r.checks)}
${checklistTable(r.checklist.filter((c) => c.kind === 'command'), 'Validation commands', r.checks)}
</section>
${modelsSection(r.checks)}
${timelineSection(r.checks, anchor)}
<section><h2>Checks</h2>
<nav class="groups">${groups.map((g) => {
    const cs = r.checks.filter((c) => c.group === g);
    const failed = cs.some((c) => c.status === 'failed');
    return `<a href="#g-${h(g)}" class="${failed ? 'bad' : 'ok'}">${h(g)} <span>${cs.filter((c) => c.status === 'passed').length}/${cs.length}</span></a>`;
  }).join('')}</nav>
${groups.map((g) => `<h3 id="g-${h(g)}">${h(g)}</h3>\n${r.checks.filter((c) => c.group === g).map(checkBlock).join('\n')}`).join('\n')}
</section>
<section><h2>Target fingerprint</h2>
<table><tbody>
<tr><th>gateway</th><td>${h(kv(r.target.fingerprint.gateway))}</td></tr>
<tr><th>Qdrant</th><td>${h(kv(r.target.fingerprint.qdrant))} ${r.target.qdrant_url ? `<code>${h(r.target.qdrant_url)}</code>` : ''}</td></tr>
<tr><th>Redis</th><td>${h(kv(r.target.fingerprint.redis))} ${r.target.redis_url ? `<code>${h(r.target.redis_url)}</code>` : ''}</td></tr>
<tr><th>config hash</th><td><code>${h(r.target.fingerprint.config_hash ?? '—')}</code></td></tr>
</tbody></table>
<table><thead><tr><th>collection</th><th>dim</th><th>distance</th><th>points</th><th>indexed</th><th>status</th></tr></thead><tbody>
${Object.entries(r.target.fingerprint.collections).map(([n, c]) => `<tr><td>${h(n)}</td><td class="num">${h(String(c.dim ?? '—'))}</td><td>${h(c.distance ?? '—')}</td><td class="num">${h(String(c.points ?? '—'))}</td><td class="num">${h(String(c.indexed_vectors ?? '—'))}</td><td>${h(c.status ?? '—')}</td></tr>`).join('\n')}
</tbody></table>
${r.target.fingerprint.notes.length ? `<ul class="muted">${r.target.fingerprint.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
</section>
<section class="signoff"><h2>Sign-off</h2>
<table><tbody><tr><th>Release engineer</th><td></td><th>Date</th><td></td></tr><tr><th>Operations</th><td></td><th>Date</th><td></td></tr></tbody></table>
</section>
<footer class="muted">vdb-readiness ${h(r.run.suite_version)} · Node ${h(r.run.node)} · host ${h(r.run.host)} · <code>${h(r.run.command)}</code> · schema ${h(r.schema)}</footer>
</main></body></html>
`;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 4 : 1));
const kv = (o: Record<string, string | undefined> | undefined): string =>
  o ? Object.entries(o).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k} ${v}`).join(' · ') || '—' : '—';
const count = (cls: string, n: number): string => `<div class="count ${cls}"><b>${n}</b>${cls}</div>`;
const badge = (status: string): string => `<span class="badge ${status.replace(/\s+/g, '-')}">${h(status)}</span>`;

function checklistTable(items: ChecklistEntry[], title: string, checks: CheckResult[]): string {
  return `<h3>${h(title)}</h3><table class="checklist"><tbody>
${items.map((i) => {
    const failing = i.status === 'failed' ? checks.filter((c) => c.status === 'failed' && c.required && i.checks.includes(c.id)) : [];
    const why = failing.length ? `<div class="why">not proven by: ${failing.map((c) => `<a href="#${anchor(c)}">${h(c.title)}</a>`).join('; ')}</div>` : '';
    return `<tr><td>${badge(i.status)}</td><td>${h(i.text)}${i.note ? `<div class="muted">${h(i.note)}</div>` : ''}${why}</td><td class="muted small">${i.checks.length} check${i.checks.length === 1 ? '' : 's'}</td></tr>`;
  }).join('\n')}
</tbody></table>`;
}

const anchor = (c: CheckResult): string => `c-${c.id.replace(/[^a-z0-9-]+/gi, '-')}`;
const firstLine = (c: CheckResult): string => (c.errors?.[0] ?? '').split('\n')[0] ?? '';

/** What a reader of a NO-GO needs first: every failed check, its first error line, a link to its evidence. */
function failedSection(checks: CheckResult[]): string {
  const failed = checks.filter((c) => c.status === 'failed');
  if (failed.length === 0) return '';
  return `<section class="failed-list"><h2>Failed checks <span class="muted">${failed.length}</span></h2><table><tbody>
${failed.map((c) => `<tr><td class="grp">${h(c.group)}</td><td><a href="#${anchor(c)}">${h(c.title)}</a>${c.required ? '' : ' <span class="muted">(advisory)</span>'}<div class="err">${h(firstLine(c))}</div></td></tr>`).join('\n')}
</tbody></table></section>`;
}

/**
 * One row per model: its model-group checks (health, collection, index, search) and its
 * performance smoke, so a single broken model stands out.
 */
function modelsSection(checks: CheckResult[]): string {
  const modelChecks = checks.filter((c) => c.group === 'models' && c.title.includes(' › '));
  const models = [...new Set(modelChecks.map((c) => c.title.split(' › ')[0]!))].sort();
  if (models.length === 0) return '';
  const aspects = [...new Set(modelChecks.map((c) => c.title.split(' › ').slice(1).join(' › ')))];
  const perf = (m: string): CheckResult | undefined => checks.find((c) => c.group === 'performance' && c.title.startsWith(`${m}: `));
  const hasPerf = models.some((m) => perf(m));
  const cell = (c: CheckResult | undefined, text?: string): string =>
    c ? `<td><a href="#${anchor(c)}" title="${h(c.title)}">${badge(c.status)}</a>${text ? ` <span class="small">${h(text)}</span>` : ''}</td>` : '<td class="muted">—</td>';
  return `<section><h2>Per model</h2><table class="models"><thead><tr><th>model</th>${aspects.map((a) => `<th>${h(a)}</th>`).join('')}${hasPerf ? '<th>search p95 (smoke)</th>' : ''}</tr></thead><tbody>
${models.map((m) => {
    const p = perf(m);
    const p95 = p?.measurements?.['latency_ms.p95'];
    return `<tr><th>${h(m)}</th>${aspects.map((a) => cell(modelChecks.find((c) => c.title === `${m} › ${a}`))).join('')}${hasPerf ? cell(p, p95 !== undefined ? `${fmt(p95)} ms` : undefined) : ''}</tr>`;
  }).join('\n')}
</tbody></table></section>`;
}

function evidenceRow(e: Evidence): string {
  return `<tr><td>${h(e.label)}</td><td><code>${h(e.request ?? '')}</code></td><td class="num">${e.status ?? ''}</td><td class="num">${e.latency_ms !== undefined ? `${e.latency_ms} ms` : ''}</td><td class="excerpt">${h(e.excerpt ?? '')}${e.note ? `<div class="note">${h(e.note)}</div>` : ''}</td></tr>`;
}

function checkBlock(c: CheckResult): string {
  const open = c.status === 'failed' ? ' open' : '';
  const detail = [
    c.skip_reason ? `<p class="skip">Skipped: ${h(c.skip_reason)}</p>` : '',
    c.errors?.length ? `<pre class="error">${h(c.errors.join('\n\n'))}</pre>` : '',
    c.timeline ? `<p class="small"><a href="#${timelineAnchor(c)}">Deployment timeline of this check</a>: ${c.timeline.requests} requests, ${c.timeline.failed} failed</p>` : '',
    c.evidence.length ? `<table class="evidence"><thead><tr><th>step</th><th>request</th><th>status</th><th>latency</th><th>answer</th></tr></thead><tbody>${c.evidence.map(evidenceRow).join('')}</tbody></table>` : '',
  ].join('');
  return `<details id="${anchor(c)}" class="check ${c.status}"${open}><summary>${badge(c.status)} <span class="claim">${h(c.title)}</span>${c.required ? '' : ' <span class="muted">(advisory)</span>'}<span class="dur">${c.duration_ms} ms</span></summary>${detail || '<p class="muted">No evidence recorded.</p>'}</details>`;
}

const CSS = `
:root{--go:#137333;--nogo:#b3261e;--skip:#8a6d00;--bg:#f6f7f9;--card:#fff;--ink:#1c1e21;--mut:#667085;--line:#e4e7ec}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--ink)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.verdict{display:flex;gap:28px;align-items:center;padding:28px 36px;color:#fff}
.verdict.go{background:linear-gradient(120deg,#0f5c29,var(--go))}.verdict.nogo{background:linear-gradient(120deg,#7f1d17,var(--nogo))}
.verdict .big{font-size:64px;font-weight:800;letter-spacing:2px;white-space:nowrap}.verdict .title{font-size:20px;font-weight:600}
.verdict .sub{opacity:.9}.verdict code{background:rgba(255,255,255,.15);padding:1px 5px;border-radius:4px}
.verdict .reasons{margin:8px 0 0;padding-left:18px}.verdict .warn{margin-top:6px;font-weight:600}
.counts{margin-left:auto;display:flex;gap:10px}.count{background:rgba(255,255,255,.15);border-radius:10px;padding:10px 16px;text-align:center;min-width:84px}
.count b{display:block;font-size:26px}
main{max-width:1180px;margin:0 auto;padding:8px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 22px;margin:18px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{margin:0 0 12px;font-size:18px}h3{margin:18px 0 8px;font-size:15px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:#344054;background:#fafbfc}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.muted{color:var(--mut);font-weight:400}.small{font-size:12px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.passed,.badge.proven{background:#e6f4ea;color:var(--go)}.badge.failed{background:#fce8e6;color:var(--nogo)}
.badge.skipped,.badge.not-covered{background:#fef7e0;color:var(--skip)}
.groups{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}.groups a{text-decoration:none;border-radius:8px;padding:4px 10px;border:1px solid var(--line);color:var(--ink)}
.groups a.bad{border-color:var(--nogo);color:var(--nogo)}.groups a span{color:var(--mut)}
details.check{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:#fff}
details.check.failed{border-color:#f4c7c3}details.check>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center;list-style:none}
details.check>summary::-webkit-details-marker{display:none}.claim{flex:1}.dur{color:var(--mut);font-size:12px}
details.check>*:not(summary){margin:0 12px 10px}
pre.error{background:#fff5f5;border:1px solid #f4c7c3;border-radius:6px;padding:10px;white-space:pre-wrap;color:#7f1d17}
.skip{color:var(--skip)}table.evidence td.excerpt{font-family:ui-monospace,monospace;font-size:12px;word-break:break-word;max-width:520px}
.note{color:#344054;font-family:system-ui,sans-serif;margin-top:2px}
.signoff td{height:34px;min-width:160px}footer{margin-top:20px;font-size:12px}
.failed-list{border-color:#f4c7c3}.failed-list td.grp{color:var(--mut);white-space:nowrap;width:90px}.failed-list a,.why a{color:var(--nogo)}
.err{font-family:ui-monospace,monospace;font-size:12px;color:#7f1d17;margin-top:2px;word-break:break-word}.why{font-size:12px;color:var(--nogo);margin-top:2px}
table.models th,table.models td{text-align:center}table.models td{white-space:nowrap}table.models thead th{font-size:12px}table.models th:first-child{text-align:left}table.models a{text-decoration:none}
${TIMELINE_CSS}
@media print{.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}details.check{break-inside:avoid}}
`;
