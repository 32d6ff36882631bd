import { diagnose, renderDiagnose } from '../ops/diagnose/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';

const program = new CliCommand('diagnose')
  .description(
    'What is wrong with the local stack, and where: each service (pid, health probe), the active slot and the front door, the service registry, ' +
      'the last deployment, the gateway\'s diagnostics; each finding with its fix. Exit 0 no problem, 1 problems found, 3 no stack running',
  )
  .option('--production', 'also flag what must not reach production (fault injection, auth off, debug logging, …)')
  .option('--dir <dir>', 'stack directory (default .stack/ or VDB_STACK_DIR)')
  .option('--json', 'print the findings as JSON')
  .action(async (o: { production?: boolean; dir?: string; json?: boolean }) => {
    const { report, redact } = await diagnose({ dir: o.dir, production: o.production });
    if (o.json) console.log(redact(JSON.stringify(report, null, 2)));
    else for (const line of renderDiagnose(report, redact)) console.log(line);
    return report.exit_code;
  });

await runCli(program);
