import type { CheckResult, ChecklistEntry, Evidence, ReadinessResults } from '../../src/results/readiness.ts';
import { timelineId } from './charts.ts';
import { renderRunHtml } from './index.ts';
import { xmlEscape as h } from './xml.ts';

/**
 * report.html of a readiness run: the sign-off report (report.ts) of that one run. This file
 * holds the readiness sections it shows: failed checks, the runbook checklist, per model, every
 * check with its evidence, the target fingerprint.
 */
export function renderReadinessHtml(r: ReadinessResults): string {
  return renderRunHtml(r);
}

/** A readiness run's sections of the report, after the charts. */
export function readinessSections(r: ReadinessResults, headed: boolean): string {
  const groups = [...new Set(r.checks.map((c) => c.group))];
  return `${headed ? `<h2 class="run-head" id="run-${h(r.run_id)}">Readiness run <code>${h(r.run_id)}</code> <span class="muted">${h(r.verdict)} · ${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.skipped} skipped · ${h(r.target.kind)} <code>${h(r.target.gateway_url)}</code> · ${h(r.started_at)}</span></h2>` : ''}
${failedSection(r.checks)}
<section><h2>Runbook checklist</h2>
${checklistTable(r.checklist.filter((c) => c.kind === 'checklist'), 'Production Readiness Checklist', r.checks)}
${checklistTable(r.checklist.filter((c) => c.kind === 'command'), 'Validation commands', r.checks)}
</section>
${modelsSection(r.checks)}
<section class="checks"><h2>Checks</h2>
<nav class="groups">${groups.map((g) => {
    const cs = r.checks.filter((c) => c.group === g);
    const failed = cs.some((c) => c.status === 'failed');
    return `<a href="#g-${h(r.run_id)}-${h(g)}" class="${failed ? 'bad' : 'ok'}">${h(g)} <span>${cs.filter((c) => c.status === 'passed').length}/${cs.length}</span></a>`;
  }).join('')}</nav>
${groups.map((g) => `<h3 id="g-${h(r.run_id)}-${h(g)}">${h(g)}</h3>\n${r.checks.filter((c) => c.group === g).map(checkBlock).join('\n')}`).join('\n')}
</section>
<section><h2>Target fingerprint</h2>
<table><tbody>
<tr><th>gateway</th><td>${h(kv(r.target.fingerprint.gateway))}</td></tr>
<tr><th>Qdrant</th><td>${h(kv(r.target.fingerprint.qdrant))} ${r.target.qdrant_url ? `<code>${h(r.target.qdrant_url)}</code>` : ''}</td></tr>
<tr><th>Redis</th><td>${h(kv(r.target.fingerprint.redis))} ${r.target.redis_url ? `<code>${h(r.target.redis_url)}</code>` : ''}</td></tr>
<tr><th>config hash</th><td><code class="wrap">${h(r.target.fingerprint.config_hash ?? '—')}</code></td></tr>
${r.target.fingerprint.setup?.length ? `<tr><th>set-up</th><td><ul>${r.target.fingerprint.setup.map((n) => `<li>${h(n)}</li>`).join('')}</ul></td></tr>` : ''}
<tr><th>command</th><td><code class="wrap">${h(r.run.command)}</code> · vdb-readiness ${h(r.run.suite_version)} · Node ${h(r.run.node)} · host ${h(r.run.host)}</td></tr>
</tbody></table>
<table><thead><tr><th>collection</th><th>dim</th><th>distance</th><th>points</th><th>indexed</th><th>status</th></tr></thead><tbody>
${Object.entries(r.target.fingerprint.collections).map(([n, c]) => `<tr><td>${h(n)}</td><td class="num">${h(String(c.dim ?? '—'))}</td><td>${h(c.distance ?? '—')}</td><td class="num">${h(String(c.points ?? '—'))}</td><td class="num">${h(String(c.indexed_vectors ?? '—'))}</td><td>${h(c.status ?? '—')}</td></tr>`).join('\n')}
</tbody></table>
${r.target.fingerprint.notes.length ? `<ul class="muted">${r.target.fingerprint.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
</section>`;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 4 : 1));
const kv = (o: Record<string, string | undefined> | undefined): string =>
  o ? Object.entries(o).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k} ${v}`).join(' · ') || '—' : '—';
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
    c.timeline ? `<p class="small"><a href="#${timelineId(c.id)}">Deployment timeline of this check</a>: ${c.timeline.requests} requests, ${c.timeline.failed} failed</p>` : '',
    c.evidence.length ? `<table class="evidence"><thead><tr><th>step</th><th>request</th><th>status</th><th>latency</th><th>answer</th></tr></thead><tbody>${c.evidence.map(evidenceRow).join('')}</tbody></table>` : '',
  ].join('');
  return `<details id="${anchor(c)}" class="check ${c.status}"${open}><summary>${badge(c.status)} <span class="claim">${h(c.title)}</span>${c.required ? '' : ' <span class="muted">(advisory)</span>'}<span class="dur">${c.duration_ms} ms</span></summary>${detail || '<p class="muted">No evidence recorded.</p>'}</details>`;
}

