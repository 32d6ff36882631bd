/**
 * Option values of every CLI of the suite, parsed in one place: integers, numbers, rates,
 * durations, ratios and choices. A `ValueKind` says what it accepts; the same kind is used
 *  - by commander, as an option's or argument's parser: `option('--k <k>', 'results', integer({ min: 1 }))`
 *    or `.option(flags, description, argParser('--k', integer()))` (throws commander's
 *    InvalidArgumentError: a usage error, exit 2 under `runCli`);
 *  - by validation code that receives raw values: `parseValue('--k', raw, integer())` (throws a
 *    UserError, exit 2).
 * Both say the same thing, naming the option: `--rate must be a positive number of requests per
 * second (got "abc")`.
 */
import { Argument, InvalidArgumentError, Option } from 'commander';
import { UserError } from './errors.ts';

/** What a raw value must look like, and the value it stands for. */
export interface ValueKind<T> {
  /** Completes "--name must be …", e.g. `an integer in [1, 1024]`. */
  readonly expected: string;
  /** The value, or undefined when `raw` is not one. */
  read(raw: string): T | undefined;
}

export interface Range {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
}

/** The message for a rejected value, the same from commander and from validation code. */
export function invalidValueMessage(name: string, raw: unknown, kind: ValueKind<unknown>): string {
  return `${name} must be ${kind.expected} (got "${String(raw)}")`;
}

/** For validation code: the value of option `name` (e.g. `--rate`), or a UserError naming it. Numbers are checked as their decimal text. */
export function parseValue<T>(name: string, raw: unknown, kind: ValueKind<T>): T {
  const value = typeof raw === 'string' || typeof raw === 'number' ? kind.read(String(raw)) : undefined;
  if (value === undefined) throw new UserError(invalidValueMessage(name, raw, kind));
  return value;
}

/** For commander: an argParser for option (or argument) `name`; a bad value is a usage error naming it. */
export function argParser<T>(name: string, kind: ValueKind<T>): (raw: string) => T {
  return (raw) => {
    const value = kind.read(raw);
    if (value === undefined) throw new InvalidArgumentError(invalidValueMessage(name, raw, kind));
    return value;
  };
}

/** A commander Option that parses its value as `kind`: `.addOption(option('--connections <n>', 'connections', integer({ min: 1 })).default(16))`. */
export function option<T>(flags: string, description: string, kind: ValueKind<T>): Option {
  const opt = new Option(flags, description);
  return opt.argParser(argParser(opt.long ?? opt.short ?? flags, kind));
}

/** A commander Argument (positional) that parses its value as `kind`: `.addArgument(argument('[seconds]', 'seconds per run', duration()).default(8))`. */
export function argument<T>(name: string, description: string, kind: ValueKind<T>): Argument {
  const arg = new Argument(name, description);
  return arg.argParser(argParser(`<${arg.name()}>`, kind));
}

// ---------------------------------------------------------------------------------------------
// Kinds

/** `in [a, b]`, `≥ a`, `≤ b` or nothing. */
function rangeText({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

const inRange = (x: number, { min, max }: Range): boolean => (min === undefined || x >= min) && (max === undefined || x <= max);

/** A finite decimal number (also 1e6, 0x10, and `_` between digits as in 1_000_000); not the empty string. */
function toNumber(raw: string): number | undefined {
  const text = raw.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (text === '') return undefined;
  const x = Number(text);
  return Number.isFinite(x) ? x : undefined;
}

/** A safe integer (`1_000_000` and `1e6` are accepted), within `range`. */
export function integer(range: Range = {}): ValueKind<number> {
  return {
    expected: `an integer${rangeText(range)}`,
    read: (raw) => {
      const x = toNumber(raw);
      return x !== undefined && Number.isSafeInteger(x) && inRange(x, range) ? x : undefined;
    },
  };
}

/** A finite number within `range`. */
export function number(range: Range = {}): ValueKind<number> {
  return {
    expected: `a number${rangeText(range)}`,
    read: (raw) => {
      const x = toNumber(raw);
      return x !== undefined && inRange(x, range) ? x : undefined;
    },
  };
}

/** A number > 0 (of `unit`, e.g. "GiB"), at most `max`. */
export function positive(opts: { unit?: string; max?: number } = {}): ValueKind<number> {
  const of = opts.unit ? ` of ${opts.unit}` : '';
  return {
    expected: `a positive number${of}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`,
    read: (raw) => {
      const x = toNumber(raw);
      return x !== undefined && x > 0 && (opts.max === undefined || x <= opts.max) ? x : undefined;
    },
  };
}

/** Events per second (default: requests): a positive number, or one within `min`..`max`. */
export function rate(opts: Range & { unit?: string } = {}): ValueKind<number> {
  const unit = opts.unit ?? 'requests';
  const bounded = opts.min !== undefined || opts.max !== undefined;
  return {
    expected: bounded ? `a number of ${unit} per second${rangeText(opts)}` : `a positive number of ${unit} per second`,
    read: (raw) => {
      const x = toNumber(raw);
      return x !== undefined && x > 0 && inRange(x, opts) ? x : undefined;
    },
  };
}

const SECONDS_PER: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** How to write a duration, for --help texts. */
export const DURATION_HINT = 'seconds, or with a unit: 30s, 2m, 1h';

/** A duration in seconds (never negative): `30` or `2.5` (seconds), `30s`, `2m`, `1h`; within `range` (in seconds, min default 0). */
export function duration(range: Range = {}): ValueKind<number> {
  const bounds = { min: range.min ?? 0, max: range.max };
  return {
    expected: `a number of seconds${rangeText(bounds)}, or with a unit: 30s, 2m, 1h`,
    read: (raw) => {
      const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([smh])\s*$/.exec(raw);
      const x = m ? Number(m[1]) * SECONDS_PER[m[2]!]! : toNumber(raw);
      return x !== undefined && inRange(x, bounds) ? x : undefined;
    },
  };
}

/** A share or probability: a number in [0, 1]. */
export function ratio(): ValueKind<number> {
  const range = { min: 0, max: 1 };
  return { expected: 'a ratio in [0, 1]', read: (raw) => number(range).read(raw) };
}

/** One of `allowed`, exactly. */
export function choice<T extends string>(allowed: readonly T[]): ValueKind<T> {
  return {
    expected: `one of ${allowed.join(', ')}`,
    read: (raw) => ((allowed as readonly string[]).includes(raw) ? (raw as T) : undefined),
  };
}
