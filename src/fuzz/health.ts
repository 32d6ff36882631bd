/**
 * After fuzzing: is the API still up? The gateway's liveness (`GET /health`) and readiness
 * (`GET /api/v1/health`, which asks Qdrant and Redis too), Qdrant's `GET /readyz`. A server that
 * fell over, or answers its health endpoint with anything but 200, fails the run. A few tries over
 * a few seconds, so that a server busy finishing the fuzzer's last requests is not taken for dead.
 */
import type { FuzzApi } from '../results/fuzz.ts';
import { failure, send } from './http.ts';

export const HEALTH_PATHS: Record<FuzzApi, string[]> = {
  gateway: ['/health', '/api/v1/health'],
  qdrant: ['/readyz'],
};

export interface Health {
  ok: boolean;
  /** e.g. `GET /health: 200, GET /api/v1/health: 200` */
  detail: string;
}

export async function healthAfter(api: FuzzApi, baseUrl: string, headers: Record<string, string>, tries = 5, pauseMs = 1000): Promise<Health> {
  let last: Health = { ok: false, detail: 'not probed' };
  for (let i = 0; i < tries; i++) {
    const seen: string[] = [];
    let ok = true;
    for (const path of HEALTH_PATHS[api]) {
      try {
        const a = await send(`${baseUrl}${path}`, { method: 'GET', headers, timeoutMs: 5000 });
        seen.push(`GET ${path}: ${a.status}`);
        if (a.status !== 200) ok = false;
      } catch (err) {
        seen.push(`GET ${path}: ${failure(err)}`);
        ok = false;
      }
    }
    last = { ok, detail: seen.join(', ') };
    if (ok) return last;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return last;
}
