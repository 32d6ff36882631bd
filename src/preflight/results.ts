/**
 * The one file a readiness run whose preflight failed writes: results.json saying why no check
 * ran (`preflight`), `state` interrupted, no checks, and the verdict NO-GO (a run that proved
 * nothing is never GO). No junit.xml or report.html: there is nothing to report but the line.
 */
import { hostname } from 'node:os';
import type { GateProfile } from '../gates/definitions.ts';
import { READINESS_SCHEMA } from '../results/readiness.ts';
import type { ReadinessResults } from '../results/readiness.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore } from '../results/store.ts';
import type { Target } from '../targets/types.ts';
import { makeRedactor, redactUrl } from '../util/redact.ts';
import { reportsOutDir } from '../util/paths.ts';
import { suiteVersion } from '../util/version.ts';
import type { PreflightReport } from './types.ts';

export interface PreflightRecord {
  target: Target;
  report: PreflightReport;
  profile: GateProfile;
  command: string;
  options: { only: string[]; comprehensive: boolean; allowDisruptive: boolean; deployHook?: string };
  outRoot?: string;
}

/** Writes the run's results.json (and its `latest` links); returns its path. */
export async function writePreflightResults(r: PreflightRecord): Promise<string> {
  const t = r.target;
  const redact = makeRedactor([t.gateway?.apiKey, ...Object.values(t.gateway?.keys ?? {}), t.qdrant?.apiKey, t.redis ? passwordOf(t.redis.url) : undefined]);
  const runId = newRunId('readiness');
  const store = await ResultsStore.create(runId, r.outRoot ?? reportsOutDir());
  const now = new Date().toISOString();
  const first = r.report.problems[0]?.message ?? 'the preflight failed';
  const results: ReadinessResults = {
    schema: READINESS_SCHEMA,
    kind: 'readiness',
    run_id: runId,
    state: 'interrupted',
    started_at: now,
    finished_at: now,
    gates: { profile: r.profile.name, label: r.profile.label, results: [] },
    verdict: 'NO-GO',
    verdict_reasons: [`preflight: ${redact(first)}; no check ran`],
    preflight: {
      passed: false,
      ms: r.report.ms,
      problems: r.report.problems.map((p) => ({ service: p.service, exit_code: p.exitCode, message: redact(p.message) })),
    },
    run: {
      command: redact(r.command),
      suite_version: suiteVersion(),
      node: process.versions.node,
      host: hostname(),
      options: {
        target: t.kind,
        only: r.options.only,
        comprehensive: r.options.comprehensive,
        allow_disruptive: r.options.allowDisruptive,
        profile: r.profile.name,
        ...(r.options.deployHook ? { deploy_hook: redact(r.options.deployHook) } : {}),
      },
    },
    target: {
      kind: t.kind,
      gateway_url: t.gateway ? redactUrl(t.gateway.url) : '',
      ...(t.qdrant ? { qdrant_url: redactUrl(t.qdrant.url) } : {}),
      ...(t.redis ? { redis_url: redactUrl(t.redis.url) } : {}),
      fingerprint: { collections: {}, notes: Object.entries(r.report.found).map(([s, what]) => `preflight: ${s} answered as ${what}`) },
    },
    summary: { total: 0, passed: 0, failed: 0, skipped: 0, required_failed: 0 },
    checks: [],
    checklist: [],
  };
  await store.save(results);
  return store.path;
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
