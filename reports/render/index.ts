/**
 * The renderers of every run, depending on results only (never on the runners that made them).
 * Runners write `runFiles(results)` beside results.json; CLIs print `renderSummary`.
 */
import type { AnyResults } from '../../src/results/kinds.ts';
import { renderReadinessHtml } from './html.ts';
import { renderJunit } from './junit.ts';

export { renderCheckLine, renderGates, renderRunLine, renderSummary } from './terminal.ts';
export { renderJunit } from './junit.ts';
export { renderReadinessHtml } from './html.ts';

/** The files a run writes beside its results.json, by name. */
export function runFiles(r: AnyResults): Record<string, string> {
  const files: Record<string, string> = { 'junit.xml': renderJunit(r) };
  if (r.kind === 'readiness') files['report.html'] = renderReadinessHtml(r);
  return files;
}
