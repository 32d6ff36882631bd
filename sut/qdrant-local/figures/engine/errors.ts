/**
 * The bench's errors for people: one line that names the fix and an exit code, no stack trace;
 * and its guard that load goes to loopback unless asked otherwise.
 */
import { ServerError } from '../../tests/helpers/server.ts';

/** Exit codes (the same meanings as the rest of the project's commands). */
export const EXIT = { ok: 0, usage: 2, unreachable: 3, missingTool: 4, internal: 70 } as const;

export class BenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

/** Runs the bench: a BenchError or ServerError is one `error:` line (plus details) and its exit code. */
export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (err instanceof BenchError || err instanceof ServerError) {
      console.error(`error: ${err.message}`);
      for (const line of err.details) console.error(`  ${line}`);
      process.exitCode = err.exitCode;
    } else {
      console.error(`internal error: ${err instanceof Error ? err.message : String(err)} (set VDB_DEBUG=1 for the stack trace, and please report it)`);
      if (process.env.VDB_DEBUG) console.error(err);
      process.exitCode = EXIT.internal;
    }
  }
}

/** True for loopback hosts (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Load goes to loopback only, unless --allow-remote-load says otherwise, so nobody loads production by accident. */
export function assertLoadAllowed(url: string, opts: { allowRemoteLoad: boolean }): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new BenchError(`--url ${url} is not a URL: give one like http://127.0.0.1:6333`);
  }
  if (isLoopbackHost(host) || opts.allowRemoteLoad) return;
  throw new BenchError(`refusing to send load to ${host}: it is not loopback; pass --allow-remote-load if you really mean to`);
}
