import { ExitCode } from './exit-codes.ts';
import { UserError, errorMessage } from './errors.ts';

/**
 * Runs a CLI entry point: a UserError becomes one clear line on stderr and its exit code;
 * anything else is a bug, reported in one line too (full stack only with VDB_DEBUG=1).
 */
export async function runCli(main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = code ?? ExitCode.Ok;
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      for (const line of err.details) console.error(`  ${line}`);
      process.exitCode = err.exitCode;
    } else {
      console.error(`internal error: ${errorMessage(err)} (set VDB_DEBUG=1 for the stack trace, and please report it)`);
      if (process.env.VDB_DEBUG) console.error(err);
      process.exitCode = ExitCode.Internal;
    }
  }
}
