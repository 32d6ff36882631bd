/** runCli: parsing, --help, usage errors and exit codes, on a tiny CLI run as a real process. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { runCommand, type CommandResult } from '../../helpers/run-command.ts';
import { formatCommanderError } from '../../../src/util/cli.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { integer, option } from '../../../src/util/options.ts';

const tiny = (...args: string[]): Promise<CommandResult> => runCommand(process.execPath, ['--import', 'tsx', 'test/unit/util/fixtures/tiny-cli.ts', ...args], { timeoutMs: 30_000 });
const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');

describe.concurrent('runCli', { timeout: 60_000 }, () => {
  it('exits with what the action returned, 0 when it returned nothing', async () => {
    const [ok, fail, leaf] = await Promise.all([tiny('ok'), tiny('fail'), tiny('group', 'leaf')]);
    expect(ok.code).toBe(ExitCode.Ok);
    expect(ok.stdout).toBe('ok ran\n');
    expect(ok.stderr).toBe('');
    expect(fail.code).toBe(ExitCode.Failed);
    expect(fail.stderr).toBe('');
    expect(leaf.code).toBe(ExitCode.Unreachable);
  });

  it('--help and --version exit 0, the help on stdout; a missing subcommand is a usage error', async () => {
    const [help, subHelp, version, none, group] = await Promise.all([tiny('--help'), tiny('count', '-h'), tiny('--version'), tiny(), tiny('group')]);
    expect(help.code).toBe(ExitCode.Ok);
    expect(help.stdout).toMatch(/^Usage: tiny \[options\] \[command\]/);
    expect(help.stderr).toBe('');
    expect(subHelp.code).toBe(ExitCode.Ok);
    expect(subHelp.stdout).toMatch(/--n <n>\s+a count/);
    expect(version.code).toBe(ExitCode.Ok);
    expect(version.stdout.trim()).toBe('1.2.3');
    expect(none.code).toBe(ExitCode.Usage);
    expect(none.stderr).toMatch(/^Usage: tiny/);
    expect(group.code).toBe(ExitCode.Usage);
  });

  it('a usage error is one line on stderr and exit 2', async () => {
    const cases = await Promise.all([
      tiny('count', '--bogus'),
      tiny('count', '--wiat', '3'),
      tiny('nosuch'),
      tiny('count', '--n'),
      tiny('ok', 'extra'),
      tiny('count', '--n', 'abc'),
      tiny('count', '--n', '11'),
    ]);
    for (const r of cases) {
      expect(r.code, r.stderr).toBe(ExitCode.Usage);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stdout).toBe('');
    }
    const [bogus, typo, nosuch, missing, , abc, big] = cases.map((r) => r.stderr.trim());
    expect(bogus).toBe("error: unknown option '--bogus' (see --help)");
    expect(typo).toBe("error: unknown option '--wiat' (did you mean --wait?)");
    expect(nosuch).toMatch(/^error: unknown command 'nosuch'/);
    expect(missing).toBe("error: option '--n <n>' argument missing");
    expect(abc).toBe('error: --n must be an integer in [1, 10] (got "abc")');
    expect(big).toBe('error: --n must be an integer in [1, 10] (got "11")');
  });

  it('parsed option values reach the action', async () => {
    const r = await tiny('count', '--n', '7', '--wait', '2m');
    expect(r.code, r.stderr).toBe(ExitCode.Ok);
    expect(JSON.parse(r.stdout)).toEqual({ n: 7, wait: 120 });
  });

  it('a UserError prints its line (and details) and exits with its code', async () => {
    const r = await tiny('user');
    expect(r.code).toBe(ExitCode.Unreachable);
    expect(lines(r.stderr)).toEqual(['error: cannot reach http://127.0.0.1:9: start it, or pass --url', '  last log line']);
  });

  it('anything else is an internal error: one line, exit 70, the stack only with VDB_DEBUG', async () => {
    const [plain, debug] = await Promise.all([
      tiny('bug'),
      runCommand(process.execPath, ['--import', 'tsx', 'test/unit/util/fixtures/tiny-cli.ts', 'bug'], { env: { ...process.env, VDB_DEBUG: '1' }, timeoutMs: 30_000 }),
    ]);
    expect(plain.code).toBe(ExitCode.Internal);
    expect(lines(plain.stderr)).toEqual(['internal error: boom (set VDB_DEBUG=1 for the stack trace, and please report it)']);
    expect(debug.code).toBe(ExitCode.Internal);
    expect(debug.stderr).toMatch(/TypeError: boom\n\s+at /);
  });
});

describe('formatCommanderError', () => {
  it('puts the suggestion on the error line and drops commander’s prefix before a message naming the option', () => {
    expect(formatCommanderError("error: unknown option '--coutn'\n(Did you mean --count?)\n")).toBe("error: unknown option '--coutn' (did you mean --count?)\n");
    expect(formatCommanderError("error: unknown command 'stat'\n(Did you mean one of status, start?)\n")).toBe("error: unknown command 'stat' (did you mean one of status, start?)\n");
    expect(formatCommanderError("error: unknown option '--x'\n")).toBe("error: unknown option '--x' (see --help)\n");
    expect(formatCommanderError("error: missing required argument 'files'\n")).toBe("error: missing required argument 'files'\n");
    expect(formatCommanderError(`error: option '-n, --lines <n>' argument 'x' is invalid. --lines must be an integer ≥ 1 (got "x")\n`)).toBe('error: --lines must be an integer ≥ 1 (got "x")\n');
    expect(formatCommanderError(`error: command-argument value 'x' is invalid for argument 'seconds'. <seconds> must be a number of seconds ≥ 0, or with a unit: 30s, 2m, 1h (got "x")\n`)).toBe(
      'error: <seconds> must be a number of seconds ≥ 0, or with a unit: 30s, 2m, 1h (got "x")\n',
    );
    // A parser that does not name the option keeps commander's words.
    expect(formatCommanderError("error: option '--k <k>' argument 'x' is invalid. Not a number.\n")).toBe("error: option '--k <k>' argument 'x' is invalid. Not a number.\n");
  });

  it('matches what commander really prints for an option() value', () => {
    let printed = '';
    const program = new Command('t')
      .exitOverride()
      .configureOutput({ outputError: (s) => (printed = s) })
      .addOption(option('-n, --lines <n>', 'lines', integer({ min: 1 })));
    expect(() => program.parse(['-n', '0'], { from: 'user' })).toThrow(/--lines must be an integer ≥ 1 \(got "0"\)/);
    expect(formatCommanderError(printed)).toBe('error: --lines must be an integer ≥ 1 (got "0")\n');
  });
});
