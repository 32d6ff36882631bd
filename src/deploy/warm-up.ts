/**
 * A few searches on the new slot's own port before it takes the front door: a fresh Node process
 * answers its first requests slowly (lazy compilation, cold connection pools), and those answers
 * belong to no one's traffic. Not judged: the pre-switch validation did that.
 */
import type { ProbeRequest } from './probe.ts';

export const WARM_UP_REQUESTS = 20;

export async function warmUp(slotUrl: string, req: ProbeRequest, count = WARM_UP_REQUESTS): Promise<void> {
  for (let i = 0; i < count; i++) {
    await fetch(`${slotUrl}${req.path}`, {
      method: req.method,
      headers: { ...req.headers, 'content-type': 'application/json' },
      body: req.body?.(),
      signal: AbortSignal.timeout(5000),
    })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  }
}
