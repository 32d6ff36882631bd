import { request } from 'undici';

/** What the runner itself asks the gateway before the specs run (reachability, models, fingerprint). */
export interface ModelInfo {
  name: string;
  collection: string;
  dimension: number;
  distance: string;
}

export interface GatewayClient {
  get(path: string, opts?: { auth?: boolean; timeoutMs?: number }): Promise<{ status: number; body: unknown; text: string }>;
}

export function gatewayClient(url: string, apiKey: string): GatewayClient {
  return {
    async get(path, opts = {}) {
      const timeout = opts.timeoutMs ?? 5000;
      const res = await request(`${url}${path}`, {
        headers: opts.auth === false || !apiKey ? {} : { 'x-api-key': apiKey },
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      const text = await res.body.text();
      let body: unknown = undefined;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: callers look at status and text
      }
      return { status: res.statusCode, body, text };
    },
  };
}

export async function listModels(gw: GatewayClient): Promise<ModelInfo[]> {
  const r = await gw.get('/api/v1/models');
  if (r.status !== 200) throw new Error(`GET /api/v1/models answered ${r.status}`);
  return ((r.body as { models?: ModelInfo[] }).models ?? []).filter((m) => m && typeof m.name === 'string');
}
