/**
 * Signs that an error answer leaks internals: stack frames, source or install paths,
 * interpreter tracebacks, raw driver errors. Each pattern is named so a failure says what leaked.
 */
const PATTERNS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/)?\/?[\w./-]+:\d+:\d+\)?/],
  ['a Python traceback', /Traceback \(most recent call last\)|File "[^"]+", line \d+/],
  ['a node_modules path', /node_modules[\\/]/],
  ['a source file path', /(?:\/[\w.-]+)+\.(?:ts|js|mjs|cjs|py)\b/],
  ['a server filesystem path', /(?:^|[\s"'(=])\/(?:home|root|opt|usr|var|srv|tmp|work)\/[\w.-]+/],
  ['a raw connection error', /\bE(?:CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|PIPE)\b/],
  ['an internal error class name', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError): /],
];

/** The names of the internals found in `text` (empty when clean). */
export function findInternals(text: string): string[] {
  return PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);
}
