import { ExitCode } from './exit-codes.ts';

/**
 * An error meant for a person: one line that names the fix, and the exit code that goes with it.
 * CLIs print `message` alone (no stack trace) and exit with `exitCode`.
 */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  /** Extra lines (e.g. the last lines of a crashed service's log) printed after the message. */
  readonly details: string[];

  constructor(message: string, exitCode: ExitCode = ExitCode.Usage, details: string[] = []) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
    this.details = details;
  }
}

export class UnreachableError extends UserError {
  constructor(message: string, details: string[] = []) {
    super(message, ExitCode.Unreachable, details);
    this.name = 'UnreachableError';
  }
}

export class MissingToolError extends UserError {
  constructor(message: string, details: string[] = []) {
    super(message, ExitCode.MissingTool, details);
    this.name = 'MissingToolError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
