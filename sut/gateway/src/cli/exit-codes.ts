/** Exit codes of the gateway's commands and of `server.ts`. */
export const ExitCode = {
  Ok: 0,
  /** The configuration is invalid (the gateway would refuse to start with it). */
  InvalidConfig: 1,
  /** Any other command that could not do its job (e.g. the benchmark could not start its stack). */
  Failed: 1,
  /** Bad usage: an unknown flag, a missing or bad value. */
  Usage: 2,
  /** Something unexpected: a bug in the gateway. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
