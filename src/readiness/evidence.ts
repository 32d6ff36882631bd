/**
 * What a readiness check records as proof (`Evidence`, defined with the results model). Specs
 * attach it to their vitest task (`task.meta`); the reporter copies it into results.json.
 */
import type { Evidence, Timeline } from '../results/readiness.ts';

export type { Evidence, Timeline };

/** Metadata a spec attaches to its task; read by the reporter. */
export interface CheckMeta {
  evidence?: Evidence[];
  /** false for advisory checks: a failure is reported but does not make the verdict NO-GO. */
  required?: boolean;
  /** Figures measured by the check (e.g. `search_latency_ms.p95`), used by the release gates. */
  measurements?: Record<string, number>;
  /** Traffic over time and the deployment's moments (rollback group), drawn in the report. */
  timeline?: Timeline;
}

declare module '@vitest/runner' {
  interface TaskMeta {
    readiness?: CheckMeta;
  }
}

/** Excerpts are kept short so results.json stays readable. */
export const EXCERPT_MAX = 400;

export function excerpt(text: string, max = EXCERPT_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
