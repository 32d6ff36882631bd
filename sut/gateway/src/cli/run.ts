/**
 * The gateway's own command-line handling (its commands do not share the suite's): exit codes,
 * one line per error, commander set up to report usage errors in one line and exit 2.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.ts';

export { ExitCode } from './exit-codes.ts';

/** A failure explained in one line (no stack trace), with the exit code to end with (default 1). */
export class CommandError extends Error {
  override readonly name: string = 'CommandError';
  constructor(message: string, readonly exitCode: ExitCode = ExitCode.Failed) {
    super(message);
  }
}

/** A mistake in how a command was called: reported in one line, exit code 2. */
export class UsageError extends CommandError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const consoleIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * A commander program that writes to `io`, never exits by itself and reports a usage error in
 * one line ("error: unknown option '--x' (see --help)").
 */
export function command(name: string, io: Io): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`${s.trimEnd()} (see --help)\n`),
    });
}

/**
 * Parses `argv` (the arguments after the script) with `program`. Returns the exit code to
 * end with when the command must stop here (0 after --help, 2 after a usage error), else null.
 */
export function parseArgs(program: Command, argv: string[]): ExitCode | null {
  try {
    program.parse(argv, { from: 'user' });
    return null;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // commander has printed the help or the error already
    return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
}

/** Runs a command's main and sets the process's exit code; a CommandError (UsageError) or a bug is one line on stderr. */
export async function runMain(main: () => Promise<number>, io: Io = consoleIo): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    if (err instanceof CommandError) {
      io.err(`error: ${err.message}`);
      process.exitCode = err.exitCode;
    } else {
      io.err(`internal error: ${err instanceof Error ? err.message : String(err)}${process.env.GATEWAY_DEBUG ? '' : ' (set GATEWAY_DEBUG=1 for the stack trace)'}`);
      if (process.env.GATEWAY_DEBUG) console.error(err);
      process.exitCode = ExitCode.Internal;
    }
  }
}
