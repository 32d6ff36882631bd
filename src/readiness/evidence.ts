/**
 * What a readiness check records as proof: the request it made, what came back and how fast.
 * Specs attach these to their vitest task (`task.meta`); the reporter copies them into results.json.
 */
export interface Evidence {
  /** What the step was for, e.g. `gateway liveness`. */
  label: string;
  /** `GET /api/v1/health` — path only, never credentials. */
  request?: string;
  status?: number;
  latencyMs?: number;
  /** A short excerpt of the answer (secrets redacted). */
  excerpt?: string;
  /** Free-form lines: measured figures, why a comparison failed. */
  note?: string;
}

/** Metadata a spec attaches to its task; read by the reporter. */
export interface CheckMeta {
  evidence?: Evidence[];
  /** false for advisory checks: a failure is reported but does not make the verdict NO-GO. */
  required?: boolean;
  /** Figures measured by the check (e.g. `search_latency_ms.p95`), used by the release gates. */
  measurements?: Record<string, number>;
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
