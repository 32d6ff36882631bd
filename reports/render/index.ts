/**
 * The renderers of every run, depending on results only (never on the runners that made them).
 * Runners write `runFiles(results)` beside results.json; CLIs print `renderSummary`;
 * `npm run report` combines runs with `renderReportHtml`.
 */
import { createHash } from 'node:crypto';
import type { AnyResults } from '../../src/results/kinds.ts';
import { combine } from '../../src/report/combine.ts';
import { asInput } from '../../src/report/inputs.ts';
import { fuzzHtml } from './fuzz.ts';
import { renderJunit } from './junit.ts';
import { renderReportHtml } from './report.ts';

export { renderCheckLine, renderGates, renderRunLine, renderSummary } from './terminal.ts';
export { renderJunit } from './junit.ts';
export { renderReadinessHtml } from './html.ts';
export { renderReportHtml } from './report.ts';

/** The run's own report.html: the sign-off report of that one run (its hash: of results.json as the store writes it). */
export function renderRunHtml(r: AnyResults): string {
  if (r.kind === 'fuzz') return fuzzHtml(r);
  const sha256 = createHash('sha256').update(`${JSON.stringify(r, null, 2)}\n`).digest('hex');
  return renderReportHtml(combine([asInput(r, 'results.json', sha256)], { scope: 'run' }));
}

/** The files a run writes beside its results.json, by name. */
export function runFiles(r: AnyResults): Record<string, string> {
  return { 'junit.xml': renderJunit(r), 'report.html': renderRunHtml(r) };
}
