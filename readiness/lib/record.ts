import type { Task } from 'vitest';
import type { CheckMeta, Evidence, Timeline } from '../../src/readiness/evidence.ts';
import '../../src/readiness/evidence.ts';

/**
 * The check being run (set by setup.ts before each test). Spec files run their tests one at a
 * time, so a module-level pointer is enough and keeps helpers free of a context argument.
 */
let current: Task | undefined;

export function setCurrentTask(task: Task | undefined): void {
  current = task;
}

/** Outside a check (beforeAll hooks) evidence has no owner and is dropped. */
function meta(): CheckMeta {
  if (!current) return {};
  current.meta.readiness ??= {};
  return current.meta.readiness;
}

export function record(e: Evidence): void {
  (meta().evidence ??= []).push(e);
}

export function note(label: string, text: string): void {
  record({ label, note: text });
}

/** A figure for the release gates (e.g. `latency_ms.p95`), also shown as evidence. */
export function measure(key: string, value: number): void {
  (meta().measurements ??= {})[key] = value;
}

/** Marks the current check advisory: reported, but a failure does not make the verdict NO-GO. */
export function advisory(): void {
  meta().required = false;
}

/** The traffic and deployment moments of the current check (drawn in the report's deployment timeline). */
export function setTimeline(timeline: Timeline): void {
  meta().timeline = timeline;
}
