/**
 * `--production`: a deploy goes ahead only when the latest readiness results
 * (`<results root>/latest-readiness`) are complete, verdict GO, judged by the production profile,
 * and younger than --max-age (24 h). Otherwise one line saying why and the command that fixes it.
 */
import { join } from 'node:path';
import { readResults } from '../results/read.ts';
import { reportsOutDir } from '../util/paths.ts';
import { UserError } from '../util/errors.ts';

export const PRODUCTION_FIX = 'npm run readiness -- --profile production';
export const DEFAULT_MAX_AGE_S = 24 * 3600;

/** What the gate looks at in a readiness results file. */
export interface ReadinessSummary {
  run_id: string;
  state: string;
  verdict: string;
  profile: string;
  started_at: string;
  finished_at?: string;
  /** INCOMPLETE: what the run did not cover, and the command that covers each. */
  missing?: Array<{ what: string; command: string }>;
}

export interface GateVerdict {
  ok: boolean;
  /** One line: why it passes, or why not and the command that fixes it. */
  reason: string;
}

const age = (ms: number): string => (ms < 3600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3600_000).toFixed(1)} h`);

/** Judges the latest readiness results (pure); null means there are none. */
export function judgeProduction(latest: ReadinessSummary | null, now: Date, maxAgeS: number, where = 'reports/out/latest-readiness'): GateVerdict {
  const refuse = (why: string): GateVerdict => ({ ok: false, reason: `production deploy refused: ${why}: run \`${PRODUCTION_FIX}\` and deploy once it says GO` });
  if (!latest) return refuse(`no readiness results at ${where}`);
  const run = `run ${latest.run_id}`;
  if (latest.profile !== 'production') return refuse(`the latest readiness ${run} was judged by the ${latest.profile} profile, not production`);
  if (latest.state !== 'complete') return refuse(`the latest readiness ${run} is ${latest.state}, not complete`);
  if (latest.verdict === 'INCOMPLETE' && latest.missing?.length) {
    const cover = [...new Set(latest.missing.map((m) => `\`${m.command}\``))].join(' and ');
    return {
      ok: false,
      reason: `production deploy refused: the latest readiness ${run} says INCOMPLETE: it did not cover ${latest.missing.map((m) => m.what).join('; ')}: run ${cover} and deploy once it says GO`,
    };
  }
  if (latest.verdict !== 'GO') return refuse(`the latest readiness ${run} says ${latest.verdict}`);
  const at = Date.parse(latest.finished_at ?? latest.started_at);
  if (Number.isNaN(at)) return refuse(`the latest readiness ${run} has no valid time`);
  const ms = now.getTime() - at;
  if (ms > maxAgeS * 1000) return refuse(`the latest readiness ${run} (GO) is ${age(ms)} old, older than ${age(maxAgeS * 1000)}`);
  return { ok: true, reason: `readiness ${run}: GO under the production profile, ${age(Math.max(0, ms))} old` };
}

/** Reads `<resultsDir>/latest-readiness` and judges it. */
export async function checkProductionGate(opts: { resultsDir?: string; maxAgeS?: number; now?: Date } = {}): Promise<GateVerdict> {
  const root = opts.resultsDir ?? reportsOutDir();
  const where = join(root, 'latest-readiness');
  let latest: ReadinessSummary | null = null;
  try {
    const r = await readResults(where, 'readiness');
    if (r.kind === 'readiness') {
      latest = {
        run_id: r.run_id,
        state: r.state,
        verdict: r.verdict,
        profile: r.gates.profile,
        started_at: r.started_at,
        finished_at: r.finished_at,
        ...(r.missing ? { missing: r.missing.map((m) => ({ what: m.what, command: m.command })) } : {}),
      };
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    if (!/^no results file/.test(err.message)) {
      return { ok: false, reason: `production deploy refused: ${err.message}: run \`${PRODUCTION_FIX}\` and deploy once it says GO` };
    }
  }
  return judgeProduction(latest, opts.now ?? new Date(), opts.maxAgeS ?? DEFAULT_MAX_AGE_S, where);
}
