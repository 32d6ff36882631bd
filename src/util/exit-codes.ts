/** Process exit codes shared by every command of the suite. */
export const ExitCode = {
  Ok: 0,
  /** A check or gate failed: the target is reachable but not ready. */
  Failed: 1,
  /** Bad usage or bad configuration. */
  Usage: 2,
  /** The target (or one of its services) could not be reached. */
  Unreachable: 3,
  /** A tool the run needs is missing and could not be installed. */
  MissingTool: 4,
  /**
   * Nothing failed, but the profile (production) requires a runbook item the run did not cover
   * (a skipped rate-limit check, no rollback run, no load test): the verdict is INCOMPLETE, not GO.
   */
  Incomplete: 5,
  /** Something unexpected: a bug in the suite. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
