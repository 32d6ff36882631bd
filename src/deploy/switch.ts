/**
 * The switch as the deployer does it: the launcher's atomic link rename (src/launcher/slots.ts),
 * then a bounded wait until the front door answers from the new slot (`x-gateway-slot`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { switchActiveSlot } from '../launcher/slots.ts';
import type { SwitchMode } from './types.ts';

export interface SwitchOutcome {
  from: string;
  to: string;
  /** The switch itself (rename; plus the reload in `reload` mode). */
  switchMs: number;
  /** Until the front door answered from the new slot; null when it does not say which slot answered. */
  servedAfterMs: number | null;
  /** False when the front door kept answering from another slot for the whole wait. */
  confirmed: boolean;
}

const CONFIRM_WAIT_MS = 3000;

/** Which slot the front door answers from now (`x-gateway-slot`), or null when it does not say. */
export async function frontDoorSlot(frontUrl: string): Promise<string | null> {
  const res = await fetch(`${frontUrl}/health`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.headers.get('x-gateway-slot');
}

export async function switchTo(dir: string, slot: string, frontUrl: string, mode: SwitchMode = 'link'): Promise<SwitchOutcome> {
  const t0 = performance.now();
  const r = await switchActiveSlot(dir, slot, { mode });
  const deadline = t0 + CONFIRM_WAIT_MS;
  let seen: string | null = null;
  while (performance.now() < deadline) {
    try {
      seen = await frontDoorSlot(frontUrl);
    } catch {
      seen = 'error';
    }
    if (seen === null) return { from: r.from, to: slot, switchMs: r.ms, servedAfterMs: null, confirmed: true };
    if (seen === slot) return { from: r.from, to: slot, switchMs: r.ms, servedAfterMs: performance.now() - t0, confirmed: true };
    await sleep(20);
  }
  return { from: r.from, to: slot, switchMs: r.ms, servedAfterMs: null, confirmed: false };
}
