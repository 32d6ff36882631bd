import { request } from 'undici';
import { record } from './record.ts';
import { target } from './target.ts';

/** Stops or starts a dependency of the target through the runner's control endpoint. */
export async function control(action: 'stop' | 'start', service: string): Promise<void> {
  const c = target().control;
  if (!c) throw new Error('this target has no control hooks');
  const t0 = performance.now();
  const res = await request(`${c.url}/${action}/${service}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.token}` },
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const text = await res.body.text();
  const ms = Math.round(performance.now() - t0);
  record({ label: `${action} ${service}`, request: `control ${action} ${service}`, status: res.statusCode, latency_ms: ms, excerpt: text.slice(0, 200) });
  if (res.statusCode !== 200) throw new Error(`could not ${action} ${service}: ${text}`);
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
