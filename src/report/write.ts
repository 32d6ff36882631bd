/**
 * `npm run report`: reads the inputs (and a baseline), combines them, writes report.html and
 * report.json (the combined model with every run, usable as a later `--baseline`), and a PDF.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { renderReportHtml } from '../../reports/render/report.ts';
import { newRunId } from '../results/run-dir.ts';
import { writeAtomic } from '../results/store.ts';
import { reportsOutDir } from '../util/paths.ts';
import { UserError } from '../util/errors.ts';
import type { RegressionRule } from './baseline.ts';
import { DEFAULT_RULES, diffBaseline } from './baseline.ts';
import { combine } from './combine.ts';
import type { Combined } from './combine.ts';
import type { RunInput } from './inputs.ts';
import { COMBINED_SCHEMA, inputId, readInputs } from './inputs.ts';
import { printPdf } from './pdf.ts';

export interface ReportOptions {
  inputs: string[];
  baseline?: string[];
  out?: string;
  pdf?: boolean;
  signers?: string[];
  rules?: RegressionRule[];
  command?: string;
  now?: Date;
}

export interface ReportWritten {
  combined: Combined;
  html: string;
  json: string;
  pdf?: string;
}

async function readAll(paths: string[]): Promise<RunInput[]> {
  const runs = (await Promise.all(paths.map(readInputs))).flat();
  const seen = new Set<string>();
  return runs.filter((r) => {
    const id = `${r.kind}:${inputId(r)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export async function writeReport(o: ReportOptions): Promise<ReportWritten> {
  if (o.inputs.length === 0) throw new UserError('no runs given: pass run directories or results.json files, e.g. npm run report -- reports/out/latest-readiness reports/out/latest-bench');
  const runs = await readAll(o.inputs);
  const baseline = o.baseline?.length ? await readAll(o.baseline) : undefined;
  const diff = baseline ? diffBaseline(runs, baseline, o.rules ?? DEFAULT_RULES) : undefined;
  const combined = combine(runs, { ...(diff ? { diff } : {}), ...(baseline ? { baseline } : {}) });
  const now = o.now ?? new Date();
  const html = resolve(o.out ?? join(reportsOutDir(), newRunId('report', now), 'report.html'));
  await mkdir(dirname(html), { recursive: true });
  const base = html.replace(/\.html?$/i, '');
  const json = `${base}.json`;
  const generated_at = now.toISOString();
  await writeAtomic(html, renderReportHtml(combined, { generated_at, ...(o.signers ? { signers: o.signers } : {}), ...(o.command ? { command: o.command } : {}) }));
  const { runs: _r, baseline: _b, ...model } = combined;
  const doc = { schema: COMBINED_SCHEMA, generated_at, ...model, runs: runs.map((r) => ({ ...r })), ...(baseline ? { baseline_runs: baseline } : {}) };
  await writeAtomic(json, `${JSON.stringify(doc, null, 2)}\n`);
  const out: ReportWritten = { combined, html, json };
  if (o.pdf) {
    out.pdf = `${base}.pdf`;
    await printPdf(html, out.pdf);
  }
  return out;
}
