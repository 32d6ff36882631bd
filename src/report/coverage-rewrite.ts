import { join } from 'node:path';
import { runFiles } from '../../reports/render/index.ts';
import { withCoverage } from '../readiness/verdict.ts';
import type { ReadinessResults, Verdict } from '../results/readiness.ts';
import { writeAtomic } from '../results/store.ts';
import { ExitCode } from '../util/exit-codes.ts';

export const verdictExitCode = (v: Verdict): ExitCode => (v === 'GO' ? ExitCode.Ok : v === 'INCOMPLETE' ? ExitCode.Incomplete : ExitCode.Failed);

/**
 * The finished run judged for coverage by its profile (src/gates/coverage.ts); when that changes
 * the verdict (production: GO → INCOMPLETE), results.json and the run's files are written again.
 */
export async function rewriteWithCoverage(r: ReadinessResults, runDir: string): Promise<ReadinessResults> {
  const judged = withCoverage(r);
  if (JSON.stringify(judged) === JSON.stringify(r)) return r;
  await writeAtomic(join(runDir, 'results.json'), `${JSON.stringify(judged, null, 2)}\n`);
  for (const [name, content] of Object.entries(runFiles(judged))) await writeAtomic(join(runDir, name), content);
  return judged;
}
