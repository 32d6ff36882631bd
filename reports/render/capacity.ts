/**
 * A capacity run's lines, JUnit and report section (results: src/results/capacity.ts). A capacity
 * run is a plan, not a gate: JUnit marks a target out of reach as skipped, never failed, and the
 * report says what it is short on beside the release's verdict, not in it.
 */
import type { CapacityResults } from '../../src/results/capacity.ts';
import { xmlEscape as x } from './xml.ts';

const n0 = (v: number | null): string => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));
const ms = (v: number): string => v.toFixed(3);

/** The plan's verdict in one line, with the engine's label. */
export function capacityVerdictLine(r: CapacityResults): string {
  const s = r.shape;
  const head = `${n0(s.target_per_s)} searches/s at p95 < ${s.p95_target_ms} ms with ${s.engine_cores} engine cores and ${s.gateway_replicas} × ${s.workers_per_replica} gateway workers`;
  const verdict = r.plan.within_reach ? `within reach, limited first by the ${r.plan.limit}` : `NOT within reach: short on ${r.plan.short_on.join('; ')}`;
  return `${head}: ${verdict}${engineCaveat(r)}`;
}

const engineCaveat = (r: CapacityResults): string => (r.engine.kind === 'qdrant' ? '' : " (engine figures are qdrant-local's, not a real Qdrant's: measure with QDRANT_BIN set for those)");
const engineName = (r: CapacityResults): string => `${r.engine.kind}${r.engine.version ? ` ${r.engine.version}` : ''}`;

export const capacityRunLine = (r: CapacityResults, file: string): string => `${file}: capacity run ${r.run_id} (${engineName(r)}, ${r.machine.cores} cores): a plan, not a gate`;

export function capacitySummary(r: CapacityResults, resultsPath?: string): string {
  const p = r.per_core;
  const lines = [
    `capacity (${engineName(r)}, ${r.machine.cores} cores): ${capacityVerdictLine(r)}`,
    `  per core: gateway ${n0(p.gateway_uncached)} uncached / ${n0(p.gateway_cached)} cached searches/s; tier ${n0(p.tier_uncached)}; engine ${n0(p.engine)}`,
  ];
  const sc = r.scaling;
  if (sc && sc.two_over_one !== null) lines.push(`  2 gateway workers: ×${sc.two_over_one.toFixed(2)} of 1 (asked ×${sc.target}; this machine allows ×${sc.machine_cap?.toFixed(2) ?? '?'})`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (resultsPath) lines.push(`  results: ${resultsPath}`);
  return lines.join('\n');
}

export function capacityJunit(r: CapacityResults): string {
  const name = x(`${n0(r.shape.target_per_s)} searches/s at p95 < ${r.shape.p95_target_ms} ms in the production shape`);
  const body = r.plan.within_reach ? '/>' : `><skipped message="${x(`a plan, not a gate: ${capacityVerdictLine(r)}`)}"/></testcase>`;
  const skipped = r.plan.within_reach ? 0 : 1;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdb-readiness ${x(r.run_id)} capacity" tests="1" failures="0" errors="0" skipped="${skipped}" time="0">\n  <testsuite name="capacity" tests="1" failures="0" errors="0" skipped="${skipped}" time="0">\n    <testcase classname="capacity" name="${name}" time="0"${body}\n  </testsuite>\n</testsuites>\n`;
}

/** The report's capacity section (CSS: report.ts). */
export function capacitySection(r: CapacityResults, label: string): string {
  const m = r.measured;
  const c = m.cpu_ms_per_search;
  const s = r.shape;
  const workers = s.gateway_replicas * s.workers_per_replica;
  const pctBusy = Math.round(s.utilisation * 100);
  const ok = r.plan.within_reach;
  const tierMs = c.uncached.gateway + c.uncached.nginx + c.uncached.redis;
  const p95 = r.plan.p95_at_target_ms;
  const scaling = r.scaling;
  const best = scaling ? Math.max(...scaling.points.map((p) => p.searches_per_s)) : 0;
  return `<section class="run capacity" id="run-${x(r.run_id)}"><h2>${x(label)} <code>${x(r.run_id)}</code> <span class="muted">${x(engineName(r))} · ${r.machine.cores} cores · ${x(r.started_at)}</span></h2>
<p class="${ok ? 'ok-line' : 'warn-line'}"><b>${x(capacityVerdictLine(r))}</b></p>
<p class="muted small">A plan from this machine's CPU per search, each side planned to ${pctBusy} % busy; it does not change the release's verdict (the bench run at the production rate is what is gated). Placement: ${x(r.machine.placement)}. Load average ${x(r.machine.load_average)}; the hypervisor took ${r.machine.steal_pct === null ? '?' : r.machine.steal_pct.toFixed(1)} % of the CPU (steal)${(r.machine.steal_pct ?? 0) >= 5 ? ', so CPU per search reads high' : ''}.</p>
<table class="capacity-plan"><thead><tr><th>side</th><th class="num">CPU per search</th><th class="num">searches/s per core</th><th class="num">production shape</th><th class="num">serves at ${pctBusy} %</th><th class="num">${n0(s.target_per_s)}/s needs</th></tr></thead><tbody>
<tr class="${r.plan.engine_max_per_s < s.target_per_s ? 'bad' : ''}"><td>engine</td><td class="num">${ms(c.direct_engine)} ms</td><td class="num">${n0(r.per_core.engine)}</td><td class="num">${s.engine_cores} cores</td><td class="num">${n0(r.plan.engine_max_per_s)}/s</td><td class="num">${r.plan.needed.engine_cores} cores</td></tr>
<tr class="${r.plan.gateway_max_per_s < s.target_per_s ? 'bad' : ''}"><td>gateway workers (uncached)</td><td class="num">${ms(c.uncached.gateway)} ms</td><td class="num">${n0(r.per_core.gateway_uncached)}</td><td class="num">${s.gateway_replicas} × ${s.workers_per_replica} = ${workers}</td><td class="num">${n0(r.plan.gateway_max_per_s)}/s</td><td class="num">${r.plan.needed.gateway_workers} workers</td></tr>
<tr><td>nginx + Redis</td><td class="num">${ms(c.uncached.nginx + c.uncached.redis)} ms</td><td class="num">—</td><td class="num">—</td><td class="num">—</td><td class="num">${r.plan.needed.nginx_redis_cores} cores</td></tr>
<tr><td>gateway tier (gateway + nginx + Redis)</td><td class="num">${ms(tierMs)} ms</td><td class="num">${n0(r.per_core.tier_uncached)}</td><td class="num"></td><td class="num"></td><td class="num"></td></tr>
</tbody></table>
<table><tbody>
<tr><th>p95 at ${n0(s.target_per_s)}/s</th><td>${p95 === null ? (m.unloaded_p95_ms === null ? 'not estimated (no one-client pass)' : 'the engine cannot keep up') : `≈ ${p95.toFixed(2)} ms: unloaded ${m.unloaded_p95_ms?.toFixed(2) ?? '?'} ms plus the engine's queue (M/M/${s.engine_cores}); target &lt; ${s.p95_target_ms} ms`}</td></tr>
<tr><th>measured here</th><td>${m.concurrency} clients, ${m.requests_per_phase} searches per phase: direct ${n0(m.direct_per_s)}/s · through the gateway ${n0(m.gateway_uncached_per_s)}/s uncached (${Math.round(m.uncached_share_of_direct * 100)} % of direct) · ${n0(m.gateway_cached_per_s)}/s cached</td></tr>
${m.gateway_bound ? `<tr><th>gateway bound</th><td>with an engine that answers at once, one gateway served ${n0(m.gateway_bound.searches_per_s)} uncached searches/s at gateway ${ms(m.gateway_bound.cpu_ms_per_search.gateway)} ms · Redis ${ms(m.gateway_bound.cpu_ms_per_search.redis)} ms of CPU each: a fully busy gateway wakes once for many answers, so it spends less per search than one waiting on the engine (the plan keeps the figures above: at ${n0(s.target_per_s)}/s over ${workers} workers each one is far from busy)</td></tr>` : ''}
<tr><th>cached searches</th><td>gateway ${ms(c.cached.gateway)} ms · nginx ${ms(c.cached.nginx)} ms · Redis ${ms(c.cached.redis)} ms of CPU each: ${n0(r.per_core.gateway_cached)} per gateway core</td></tr>
</tbody></table>
${scaling ? `<h3>Gateway workers <span class="muted">cached searches, ${scaling.concurrency} clients, each count in a fresh stack, visited ${scaling.visits.join(', ')}</span></h3>
<table class="scaling"><thead><tr><th class="num">workers</th><th class="num">searches/s</th><th>each visit</th><th></th><th class="num">× of ${scaling.points[0]?.workers ?? 1}</th><th class="num">gateway CPU per search</th></tr></thead><tbody>
${scaling.points.map((p) => `<tr><td class="num">${p.workers}</td><td class="num">${n0(p.searches_per_s)}</td><td class="muted small">${p.visits_per_s.map(n0).join(', ')}</td><td class="bar"><span style="width:${best > 0 ? ((100 * p.searches_per_s) / best).toFixed(1) : 0}%"></span></td><td class="num">×${(p.searches_per_s / scaling.points[0]!.searches_per_s).toFixed(2)}</td><td class="num">${ms(p.gateway_cpu_ms)} ms</td></tr>`).join('\n')}
</tbody></table>
<p class="small">${scaling.two_over_one === null ? '2 workers not measured.' : `2 workers give ×${scaling.two_over_one.toFixed(2)} of 1 (asked ×${scaling.target}: ${scaling.two_over_one >= scaling.target ? 'met' : 'not met'})`}${scaling.machine_cap === null ? '' : `; this machine allows at most ×${scaling.machine_cap.toFixed(2)}, since nginx, Redis and the load generator share its cores`}.</p>` : ''}
${r.warnings.length ? `<ul class="warnings">${r.warnings.map((w) => `<li>${x(w)}</li>`).join('')}</ul>` : ''}
</section>`;
}
