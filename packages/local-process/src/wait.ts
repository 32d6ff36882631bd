import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './alive.ts';

export interface WaitUntilOptions {
  /** true when the wait is over; a throw counts as "not yet". */
  probe: () => boolean | Promise<boolean>;
  timeoutMs: number;
  /** Between probes; default 100 ms. */
  intervalMs?: number;
  /** Stop waiting as soon as this process is gone (checked before each probe). */
  pid?: number;
}

/** `ready`: the probe said yes; `exited`: the process watched died first; `timeout`: neither in time. */
export type WaitOutcome = 'ready' | 'exited' | 'timeout';

/** Polls `probe` until it says yes, `pid` dies or `timeoutMs` has passed; never throws for those. */
export async function waitUntil(opts: WaitUntilOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    if (opts.pid !== undefined && !isAlive(opts.pid)) return 'exited';
    try {
      if (await opts.probe()) return 'ready';
    } catch {
      // not yet
    }
    if (Date.now() > deadline) return 'timeout';
    await sleep(interval);
  }
}
