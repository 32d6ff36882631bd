/**
 * npm run report -- <run dir | results.json | deployment record | report.json>… [--baseline <…>]
 *   [--out <file.html>] [--pdf] [--sign <name>]
 * Combines a release's runs into one sign-off report: exit 0 GO, 1 NO-GO, 5 INCOMPLETE.
 */
import { verdictExitCode } from '../report/coverage-rewrite.ts';
import { writeReport } from '../report/write.ts';
import { CliCommand, runCli } from '../util/cli.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

const program = new CliCommand('report')
  .description('combine the runs of one release (readiness, bench, k6, deployment records; capacity plans beside the verdict) into one self-contained report.html; exit 0 GO, 1 NO-GO, 5 INCOMPLETE')
  .argument('<runs...>', 'run directories or results.json files (reports/out/<run-id>, reports/out/latest-bench), deployment records (.stack/deployments/<id>.json), or a previous report.json')
  .option('--baseline <path>', 'a previous release: a run directory, results.json or report.json (repeat for several runs)', collect)
  .option('--out <file>', 'where report.html goes (report.json and report.pdf beside it); default reports/out/<id>-report-<…>/report.html')
  .option('--pdf', 'also print it to PDF (A4) with headless Chromium (/usr/bin/chromium, or VDB_CHROMIUM)')
  .option('--sign <name>', 'a name for the sign-off block, e.g. "Jane Doe, release engineer" (repeat; default two blank lines)', collect)
  .action(async (inputs: string[], o: { baseline?: string[]; out?: string; pdf?: boolean; sign?: string[] }) => {
    const w = await writeReport({
      inputs,
      ...(o.baseline ? { baseline: o.baseline } : {}),
      ...(o.out ? { out: o.out } : {}),
      pdf: Boolean(o.pdf),
      ...(o.sign ? { signers: o.sign } : {}),
      command: `npm run report -- ${process.argv.slice(2).join(' ')}`.trim(),
    });
    const c = w.combined;
    console.log(`${c.verdict}  ${c.runs.length} run(s) · profile ${c.profile_label} · gates ${c.gates.filter((g) => g.pass).length}/${c.gates.length}`);
    for (const r of c.reasons) console.log(`  - ${r}`);
    for (const m of c.missing) console.log(`  - not covered: ${m.what} (${m.why})\n      cover it with: ${m.command}`);
    if (c.diff) console.log(`  baseline: ${c.diff.comparability}; ${c.diff.regressions.length} regression(s)`);
    console.log(`  report: ${w.html}`);
    console.log(`  model:  ${w.json}`);
    if (w.pdf) console.log(`  pdf:    ${w.pdf}`);
    return verdictExitCode(c.verdict);
  });

await runCli(program);
