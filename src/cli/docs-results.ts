/** npm run docs:results — regenerates reports/README.md's results field tables from the zod schemas. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withGeneratedTables } from '../results/docs.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { REPO_ROOT } from '../util/paths.ts';

const program = new CliCommand('docs:results')
  .description("regenerate reports/README.md's results field tables from the zod schemas")
  .action(async () => {
    const file = join(REPO_ROOT, 'reports', 'README.md');
    const before = await readFile(file, 'utf8');
    const after = withGeneratedTables(before);
    if (after !== before) await writeFile(file, after);
    console.log(after === before ? `${file}: up to date` : `${file}: field tables regenerated`);
  });

await runCli(program);
