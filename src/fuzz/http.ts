/** The few plain requests a fuzz run makes itself (health, the scratch collection, replays): each bounded in time. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function send(url: string, init: { method: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number }): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body !== undefined && init.method !== 'GET' && init.method !== 'HEAD' ? { body: init.body } : {}),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    redirect: 'manual',
  });
  const body = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, headers, body };
}

/** One line for a failed request: the cause's code where there is one (ECONNREFUSED, a timeout). */
export function failure(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
