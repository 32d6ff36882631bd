/**
 * The bench's way out for errors meant for people (one line naming the fix, its exit code, no
 * stack trace), and its guard that load goes to loopback unless asked otherwise.
 */
import { EXIT, PersonError } from '../../tests/helpers/errors.ts';

/** Runs the bench: a PersonError is one `error:` line (plus details) and its exit code. */
export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (err instanceof PersonError) {
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
    throw new PersonError(`--url ${url} is not a URL: give one like http://127.0.0.1:6333`);
  }
  if (isLoopbackHost(host) || opts.allowRemoteLoad) return;
  throw new PersonError(`refusing to send load to ${host}: it is not loopback; pass --allow-remote-load if you really mean to`);
}
