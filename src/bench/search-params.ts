/**
 * Why recall is what it is: the engine search parameters in force per collection (read from
 * Qdrant's collection info), and `--sweep hnsw_ef` (recall and unloaded latency at each hnsw_ef,
 * and the smallest one that meets both gates).
 */
import { request } from 'undici';
import { findGate, gateProfile } from '../gates/definitions.ts';
import type { BenchResults } from '../results/bench.ts';
import { errorMessage } from '../util/errors.ts';
import type { Endpoint } from '../targets/index.ts';
import { percentilesMs } from './histogram.ts';
import { newLatencyHistogram } from './histogram.ts';
import { authHeaders, extractIds } from './search-contract.ts';
import type { SearchParams } from './search-contract.ts';
import { buildWorkload, recallOf } from './workload.ts';
import type { QuerySource } from './workload.ts';
import type { MixEntry } from './mix.ts';

export type InForce = NonNullable<BenchResults['per_collection'][number]['search_params']>;
export type Sweep = NonNullable<BenchResults['hnsw_ef_sweep']>;

export const SWEEP_EF = [16, 32, 64, 128, 256, 512];

interface QdrantCollectionInfo {
  config?: {
    hnsw_config?: { m?: number; ef_construct?: number };
    quantization_config?: Record<string, unknown> | null;
  };
}

/** The search parameters in force for `collection`: what requests send, and the collection's HNSW and quantization. */
export async function searchParamsInForce(qdrant: Endpoint | undefined, collection: string, sent: SearchParams): Promise<InForce> {
  const base: InForce = { sent: { ...sent }, hnsw_ef: sent.hnsw_ef ?? null, exact: sent.exact === true, hnsw_m: null, ef_construct: null, quantization: null, source: 'no Qdrant URL for this target: engine defaults unknown' };
  if (!qdrant) return base;
  try {
    const res = await request(`${qdrant.url.replace(/\/+$/, '')}/collections/${encodeURIComponent(collection)}`, { headers: authHeaders('qdrant', qdrant.apiKey), headersTimeout: 5000, bodyTimeout: 5000 });
    const text = await res.body.text();
    if (res.statusCode >= 300) return { ...base, source: `GET /collections/${collection} answered HTTP ${res.statusCode}` };
    const info = (JSON.parse(text) as { result?: QdrantCollectionInfo }).result ?? {};
    const hnsw = info.config?.hnsw_config ?? {};
    const q = info.config?.quantization_config;
    const kind = q ? Object.keys(q)[0] : undefined;
    const rescore = sent.exact ? 'exact search' : 'rescore: engine default (on)';
    return {
      ...base,
      // Qdrant searches with ef = the collection's ef_construct when a request gives no hnsw_ef
      hnsw_ef: sent.hnsw_ef ?? hnsw.ef_construct ?? null,
      hnsw_m: hnsw.m ?? null,
      ef_construct: hnsw.ef_construct ?? null,
      quantization: kind ? `${kind} (${rescore})` : null,
      source: `collection info of ${collection} at ${new URL(qdrant.url).origin}`,
    };
  } catch (err) {
    return { ...base, source: `collection info unreadable: ${errorMessage(err)}` };
  }
}

/** Every prepared query of every collection, one at a time, at each hnsw_ef: recall and latency. */
export async function sweepHnswEf(opts: { qdrant: Endpoint; entries: MixEntry[]; source: QuerySource; k: number; queries: number; profile: string; efs?: number[]; log?: (l: string) => void }): Promise<Sweep> {
  const efs = opts.efs ?? SWEEP_EF;
  const headers = authHeaders('qdrant', opts.qdrant.apiKey);
  const origin = new URL(opts.qdrant.url).origin;
  const basePath = new URL(opts.qdrant.url).pathname.replace(/\/$/, '');
  const points: Sweep['points'] = [];
  for (const ef of efs) {
    const w = buildWorkload(opts.entries, opts.source, { api: 'qdrant', k: opts.k, queries: opts.queries, basePath, searchParams: { hnsw_ef: ef } });
    const hist = newLatencyHistogram();
    let recall = 0;
    for (const q of w.queries) {
      const t0 = performance.now();
      const res = await request(new URL(q.path, origin), { method: 'POST', headers, body: q.body, headersTimeout: 30_000, bodyTimeout: 30_000 });
      const text = await res.body.text();
      hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      const ids = res.statusCode < 300 ? extractIds(JSON.parse(text)) : null;
      recall += ids ? recallOf(ids, q.truth, opts.k) : 0;
    }
    const p = percentilesMs(hist);
    points.push({ hnsw_ef: ef, recall_at_k: Math.round((recall / w.queries.length) * 1e4) / 1e4, p50_ms: p.p50, p95_ms: p.p95 });
    opts.log?.(`  sweep hnsw_ef ${ef}: recall@${opts.k} ${(recall / w.queries.length).toFixed(4)}, p95 ${p.p95.toFixed(2)} ms`);
  }
  const profile = gateProfile(opts.profile);
  const recallGate = findGate(profile, 'recall_at_10')?.threshold ?? null;
  const p95Gate = findGate(profile, 'search_p95')?.threshold ?? null;
  const passing = points.find((pt) => (recallGate === null || pt.recall_at_k >= recallGate) && (p95Gate === null || pt.p95_ms < p95Gate));
  return { parameter: 'hnsw_ef', points, recall_gate: recallGate, p95_gate_ms: p95Gate, smallest_passing: passing?.hnsw_ef ?? null };
}

/** Lines for the terminal: recall per collection and bucket, parameters in force, the sweep. */
export function explainRecall(results: BenchResults): string[] {
  const lines: string[] = [];
  const recallGate = results.gates.results.find((g) => g.name === 'recall_at_10');
  for (const c of results.per_collection) {
    const b = c.recall_by_query_bucket ?? [];
    lines.push(`recall@${results.k} ${c.collection} (${c.dataset}): ${c.recall_at_k?.toFixed(3) ?? '-'}; by query decile ${b.map((x) => x.recall_at_k?.toFixed(2) ?? '-').join(' ')}`);
    const sp = c.search_params;
    if (sp) lines.push(`  in force: hnsw_ef ${sp.hnsw_ef ?? '?'}${Object.keys(sp.sent).length ? ' (sent)' : ' (engine default)'}, exact ${sp.exact}, m ${sp.hnsw_m ?? '?'}, ef_construct ${sp.ef_construct ?? '?'}, quantization ${sp.quantization ?? 'none'} — ${sp.source}`);
  }
  const sw = results.hnsw_ef_sweep;
  if (sw) {
    lines.push(`hnsw_ef sweep (one search at a time; gates: recall ≥ ${sw.recall_gate ?? '-'}, p95 < ${sw.p95_gate_ms ?? '-'} ms):`);
    for (const p of sw.points) lines.push(`  hnsw_ef ${String(p.hnsw_ef).padStart(4)}  recall ${p.recall_at_k.toFixed(4)}  p50 ${p.p50_ms.toFixed(2)} ms  p95 ${p.p95_ms.toFixed(2)} ms`);
    lines.push(sw.smallest_passing !== null ? `smallest hnsw_ef passing both gates: ${sw.smallest_passing} (confirm under load: npm run bench -- … --hnsw-ef ${sw.smallest_passing})` : 'no hnsw_ef tried passes both gates: raise the index quality (m, ef_construct) or use exact search');
  } else if (recallGate && !recallGate.pass) {
    lines.push(`recall is below its gate: run again with --sweep hnsw_ef (Qdrant API or a target with a Qdrant URL) to see which hnsw_ef passes`);
  }
  return lines;
}
