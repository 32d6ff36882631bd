import { renderValidateEnv, validateEnv } from '../ops/validate-env/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';

const program = new CliCommand('validate-env')
  .description(
    'Is this machine fit to run the suite: tools and versions (node, npm, python3, redis-server, nginx; docker, k6, qdrant optional), the seed ports, ' +
      'disk, memory, CPUs, open files, and the VDB_* variables (secrets never printed). Exit 0 ready, 1 a check failed',
  )
  .option('--production', 'a release engineer\'s bar: some warnings fail (Python < 3.11, taken seed ports, low disk or memory, scaled load, a non-production gate profile, no API key), and the box is compared with the production shape')
  .option('--dir <dir>', 'stack directory whose disk is measured and whose stack may hold the seed ports (default .stack/ or VDB_STACK_DIR)')
  .option('--json', 'print the findings as JSON')
  .action(async (o: { production?: boolean; dir?: string; json?: boolean }) => {
    const report = await validateEnv({ production: o.production, dir: o.dir });
    if (o.json) console.log(JSON.stringify(report, null, 2));
    else for (const line of renderValidateEnv(report)) console.log(line);
    return report.exit_code;
  });

await runCli(program);
