/**
 * What `npm run bench -- import-k6 <file>…` does once its options are parsed: import, write
 * reports/out/<run-id>/ (results.json and the run's other files) through the one writer, print
 * the summary, and exit by the gates.
 */
import { renderSummary, runFiles } from '../../../reports/render/index.ts';
import type { GateProfileName } from '../../gates/definitions.ts';
import { ResultsStore } from '../../results/store.ts';
import { ExitCode } from '../../util/exit-codes.ts';
import { reportsOutDir } from '../../util/paths.ts';
import { importK6 } from './index.ts';

export interface ImportK6Flags {
  profile?: GateProfileName;
  scenario?: string;
  k?: number;
  url?: string;
  out?: string;
  json?: boolean;
}

export async function runImportK6(files: string[], f: ImportK6Flags): Promise<ExitCode> {
  const results = await importK6(files, { profile: f.profile, scenario: f.scenario, k: f.k, targetUrl: f.url });
  const store = await ResultsStore.create(results.run_id, f.out ?? reportsOutDir());
  await store.save(results);
  for (const [name, content] of Object.entries(runFiles(results))) await store.writeFile(name, content);
  console.log(f.json ? JSON.stringify(results, null, 2) : renderSummary(results, store.path));
  return results.pass ? ExitCode.Ok : ExitCode.Failed;
}
