/**
 * The frame of every CLI of the suite: `runCli` parses, handles `--help` and usage errors, and
 * turns what the action returned (or threw) into the process exit code.
 *
 *   const program = new CliCommand('gate')
 *     .argument('<results>', 'results.json of a bench run')
 *     .addOption(option('--k <k>', 'results per search', integer({ min: 1 })))
 *     .action(async (file: string, o: { k?: number }) => (await check(file, o)) ? ExitCode.Ok : ExitCode.Failed);
 *   await runCli(program);
 *
 * | what happened                                        | stderr                          | exit |
 * |------------------------------------------------------|---------------------------------|------|
 * | the action returned a code (nothing: 0)              | —                               | it   |
 * | `--help` / `-h` (or `--version`)                     | — (help on stdout)              | 0    |
 * | a usage error commander found (unknown option, missing argument, bad value of an `option()` kind) | one line `error: …` | 2 |
 * | no subcommand given to a command that needs one      | the help                        | 2    |
 * | the action threw a UserError                         | `error: <message>` (+ its details) | its code |
 * | anything else (a bug)                                | `internal error: …` (stack with VDB_DEBUG=1) | 70 |
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.ts';
import { UserError, errorMessage } from './errors.ts';

/** What an action returns: the exit code, or nothing for 0. */
export type ActionResult = ExitCode | void;

let exitCodeOf: (cmd: CliCommand) => ExitCode | undefined;
let resetExitCode: (cmd: CliCommand) => void;

/**
 * A commander Command whose actions return their exit code (subcommands made with `.command()`
 * are CliCommands too). Run it with `runCli`, which applies the frame to the whole tree.
 */
export class CliCommand extends Command {
  #exitCode: ExitCode | undefined;

  static {
    exitCodeOf = (cmd) => cmd.#exitCode;
    resetExitCode = (cmd) => {
      cmd.#exitCode = undefined;
    };
  }

  override createCommand(name?: string): CliCommand {
    return new CliCommand(name);
  }

  // Like commander's, but the action's return value is the process exit code (recorded on the root).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander types action arguments as any
  override action(fn: (this: this, ...args: any[]) => ActionResult | Promise<ActionResult>): this {
    return super.action(async (...args: unknown[]) => {
      const code = await fn.apply(this, args);
      const root = rootOf(this);
      if (root instanceof CliCommand) root.#exitCode = code ?? ExitCode.Ok;
    });
  }
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/**
 * Runs a CLI: parses `argv` (node-style, like `process.argv`: [node, script, ...args]) with
 * `program`, runs the chosen action, sets `process.exitCode` (never calls process.exit) and
 * returns it. See the table at the top of this file.
 */
export async function runCli(program: CliCommand, argv: readonly string[] = process.argv): Promise<ExitCode> {
  const code = await exitCode(() => parse(program, argv));
  process.exitCode = code;
  return code;
}

/** Whether commander already printed the error it is about to throw (runCli prints the others). */
let printed = false;

async function parse(program: CliCommand, argv: readonly string[]): Promise<ExitCode> {
  applyFrame(program);
  resetExitCode(program);
  printed = false;
  await program.parseAsync(argv);
  return exitCodeOf(program) ?? ExitCode.Ok;
}

/** exitOverride (errors are thrown, not process.exit) and one-line errors, on every command of the tree. */
function applyFrame(cmd: Command): void {
  cmd
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) => {
        printed = true;
        write(formatCommanderError(text));
      },
    });
  for (const sub of cmd.commands) applyFrame(sub);
}

/**
 * Commander's error text on one line: the "(Did you mean …?)" line joins the error (or "(see
 * --help)" ends an unknown option or command without one), and when the
 * value parser's message names the option already (`--k must be …`, from `option()`/`argParser()`
 * of src/util/options.ts), commander's "option '--k <k>' argument 'x' is invalid." before it goes.
 */
export function formatCommanderError(text: string): string {
  let line = text.replace(/\n+$/, '').replace(/\n\((Did you mean [^)]*)\)/, (_m, hint: string) => ` (${hint.charAt(0).toLowerCase()}${hint.slice(1)})`);
  if (/^error: unknown (option|command) '[^']*'$/.test(line)) line += ' (see --help)';
  const parsed = /^error: .* is invalid(?: for argument '[^']*')?\. (\S+ must be .*)$/s.exec(line);
  if (parsed) line = `error: ${parsed[1]}`;
  return `${line.replace(/\n/g, ' ')}\n`;
}

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

function commanderExitCode(err: CommanderError): ExitCode {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
  if (err.code === 'commander.help' && err.exitCode === 0) return ExitCode.Ok;
  // A usage error; commander printed it, unless an action threw it (e.g. a value parser called by hand).
  if (!printed && !HELP_CODES.has(err.code)) console.error(`error: ${err.message.replace(/^error: /, '')}`);
  return ExitCode.Usage;
}

async function exitCode(main: () => Promise<number | void>): Promise<ExitCode> {
  try {
    return ((await main()) ?? ExitCode.Ok) as ExitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      for (const line of err.details) console.error(`  ${line}`);
      return err.exitCode;
    }
    console.error(`internal error: ${errorMessage(err)} (set VDB_DEBUG=1 for the stack trace, and please report it)`);
    if (process.env.VDB_DEBUG) console.error(err);
    return ExitCode.Internal;
  }
}
