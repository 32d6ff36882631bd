/**
 * `npm run validate-config -- [--all] [--dir <config dir>]`: validates the gateway's
 * configuration files (with the environment overrides applied) and lists every problem.
 * Exit 0 valid, 1 invalid (the gateway would refuse to start), 2 bad usage.
 */
import { consoleIo, runMain } from './run.ts';
import { validateConfigCommand } from './validate.ts';

await runMain(async () => validateConfigCommand(process.argv.slice(2), process.env, consoleIo));
