/** The shared option parsers: what each accepts and rejects, and that every message names the option. */
import { Command, InvalidArgumentError } from 'commander';
import type { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/util/errors.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { argParser, argument, choice, duration, integer, number, option, parseValue, positive, rate, ratio } from '../../../src/util/options.ts';
import type { ValueKind } from '../../../src/util/options.ts';

/** Every raw value of `ok` reads as its value; every one of `bad` is refused, by both entry points, naming the option. */
function check<T>(kind: ValueKind<T>, ok: Array<[string, T]>, bad: string[]): void {
  for (const [raw, want] of ok) {
    expect(kind.read(raw), raw).toEqual(want);
    expect(parseValue('--x', raw, kind)).toEqual(want);
    expect(argParser('--x', kind)(raw)).toEqual(want);
  }
  for (const raw of bad) {
    expect(kind.read(raw), raw).toBeUndefined();
    const message = `--x must be ${kind.expected} (got "${raw}")`;
    expect(() => parseValue('--x', raw, kind)).toThrow(new UserError(message));
    expect(() => argParser('--x', kind)(raw)).toThrow(new InvalidArgumentError(message));
  }
}

describe('option value kinds', () => {
  it('integer: safe integers (1_000_000, 1e6 too) within the range', () => {
    check(integer(), [['0', 0], ['-3', -3], ['42', 42], ['1_000_000', 1_000_000], ['1e6', 1_000_000], [' 7 ', 7]], ['', ' ', 'abc', '1.5', '12abc', 'Infinity', '9007199254740993', '1__0', '_1']);
    check(integer({ min: 1, max: 1024 }), [['1', 1], ['1024', 1024]], ['0', '1025', '-1']);
    expect(integer({ min: 1, max: 1024 }).expected).toBe('an integer in [1, 1024]');
    expect(integer({ min: 0 }).expected).toBe('an integer ≥ 0');
    expect(integer({ max: 9 }).expected).toBe('an integer ≤ 9');
    expect(integer().expected).toBe('an integer');
  });

  it('number: finite numbers within the range', () => {
    check(number(), [['0.25', 0.25], ['-1', -1], ['1e-3', 0.001]], ['', 'x', 'NaN', 'Infinity', '1,5']);
    check(number({ min: 0, max: 10 }), [['0', 0], ['10', 10], ['2.5', 2.5]], ['-0.1', '10.01']);
    expect(number({ min: 1, max: 600_000 }).expected).toBe('a number in [1, 600000]');
  });

  it('positive: > 0, with its unit in the message', () => {
    check(positive({ unit: 'GiB' }), [['32', 32], ['0.5', 0.5]], ['0', '-1', 'lots']);
    expect(positive({ unit: 'GiB' }).expected).toBe('a positive number of GiB');
    check(positive({ max: 2 }), [['2', 2]], ['2.5']);
  });

  it('rate: a positive number of events per second, optionally bounded', () => {
    check(rate(), [['500', 500], ['0.5', 0.5]], ['0', '-5', 'abc', '']);
    expect(() => parseValue('--rate', 'abc', rate())).toThrow('--rate must be a positive number of requests per second (got "abc")');
    check(rate({ min: 0.1, max: 1_000_000 }), [['0.1', 0.1], ['1000000', 1_000_000]], ['0.05', '1000001', '0']);
    expect(rate({ min: 0.1, max: 1_000_000 }).expected).toBe('a number of requests per second in [0.1, 1000000]');
    expect(rate({ unit: 'points' }).expected).toBe('a positive number of points per second');
  });

  it('duration: seconds, or 30s / 2m / 1h, never negative', () => {
    check(duration(), [['30', 30], ['2.5', 2.5], ['.5', 0.5], ['30s', 30], ['2m', 120], ['1.5m', 90], ['1h', 3600], ['0', 0], [' 10 s ', 10]], ['-1', '-1s', 'x', '', '5x', '2d', 'm', '1ms', '1 h 2 m']);
    check(duration({ min: 0.1, max: 86_400 }), [['0.1', 0.1], ['24h', 86_400]], ['0', '25h', '0.05s']);
    expect(duration({ min: 1, max: 60 }).expected).toBe('a number of seconds in [1, 60], or with a unit: 30s, 2m, 1h');
    expect(duration().expected).toBe('a number of seconds ≥ 0, or with a unit: 30s, 2m, 1h');
  });

  it('ratio: a share in [0, 1]', () => {
    check(ratio(), [['0', 0], ['1', 1], ['0.999', 0.999]], ['1.5', '-0.1', '99%', 'x']);
    expect(ratio().expected).toBe('a ratio in [0, 1]');
  });

  it('choice: exactly one of the allowed words', () => {
    check(choice(['open', 'closed'] as const), [['open', 'open'], ['closed', 'closed']], ['Open', ' open', '', 'sideways']);
    expect(() => parseValue('--mode', 'sideways', choice(['open', 'closed']))).toThrow('--mode must be one of open, closed (got "sideways")');
  });
});

describe('parseValue (validation code)', () => {
  it('throws a usage UserError naming the option; numbers are checked like their text', () => {
    expect(parseValue('--connections', 16, integer({ min: 1 }))).toBe(16);
    expect(parseValue('--duration', 0.5, duration())).toBe(0.5);
    let err: unknown;
    try {
      parseValue('--connections', '0', integer({ min: 1, max: 10_000 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.Usage);
    expect((err as UserError).message).toBe('--connections must be an integer in [1, 10000] (got "0")');
    expect(() => parseValue('--k', 2.5, integer())).toThrow('--k must be an integer (got "2.5")');
    expect(() => parseValue('--k', undefined, integer())).toThrow('--k must be an integer (got "undefined")');
    expect(() => parseValue('--json', true, choice(['yes']))).toThrow(UserError);
  });
});

describe('commander parsers', () => {
  const parse = (cmd: Command, args: string[]): CommanderError => {
    cmd.exitOverride().configureOutput({ outputError: () => {} });
    try {
      cmd.parse(args, { from: 'user' });
    } catch (err) {
      return err as CommanderError;
    }
    throw new Error('parsed');
  };

  it('option() names the option after its long flag and parses values; defaults stay as given', () => {
    const cmd = new Command('t').addOption(option('-c, --connections <n>', 'connections', integer({ min: 1 })).default(16)).addOption(option('--rate <ops/s>', 'rate', rate()));
    cmd.parse(['-c', '8', '--rate', '2.5'], { from: 'user' });
    expect(cmd.opts()).toEqual({ connections: 8, rate: 2.5 });
    const fresh = new Command('t').addOption(option('-c, --connections <n>', 'connections', integer({ min: 1 })).default(16));
    fresh.parse([], { from: 'user' });
    expect(fresh.opts()).toEqual({ connections: 16 });
    const err = parse(new Command('t').addOption(option('-c, --connections <n>', 'connections', integer({ min: 1 }))), ['-c', 'many']);
    expect(err.code).toBe('commander.invalidArgument');
    expect(err.message).toMatch(/--connections must be an integer ≥ 1 \(got "many"\)$/);
  });

  it('argument() names a positional argument <name>', () => {
    const ok = new Command('t').addArgument(argument('[seconds]', 'seconds', duration()).default(8)).action(() => {});
    ok.parse(['2m'], { from: 'user' });
    expect(ok.processedArgs).toEqual([120]);
    const err = parse(new Command('t').addArgument(argument('[seconds]', 'seconds', duration())).action(() => {}), ['soon']);
    expect(err.code).toBe('commander.invalidArgument');
    expect(err.message).toMatch(/<seconds> must be a number of seconds ≥ 0, or with a unit: 30s, 2m, 1h \(got "soon"\)$/);
  });
});
