/**
 * The deployer's probe traffic through the front door during the post-switch analysis: open loop
 * (requests leave on a fixed schedule at probe_rate_per_s, whether earlier ones answered or
 * not; latency counts from the scheduled time), over keep-alive connections (undici, no
 * retries). Every failure counts: a status other than 2xx, a reset, a timeout.
 */
import { Pool } from 'undici';
import type { TrafficFigures } from './metrics.ts';

export interface ProbeRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A fresh body per request (e.g. a random query vector: no cache hits). */
  body?: () => string;
  headers: Record<string, string>;
}

export interface ProbeFigures extends TrafficFigures {
  /** Answers by `x-gateway-slot` (`?` when absent, `error` for failures). */
  bySlot: Record<string, number>;
  /** The first few failures, e.g. `503`, `ECONNRESET`. */
  samples: string[];
}

const TICK_MS = 5;

export function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number;
}

export class Probe {
  private readonly pool: Pool;
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private sent = 0;
  private inFlight = 0;
  private current = Probe.empty();
  private latencies: number[] = [];
  private idle: Array<() => void> = [];
  private stopped = false;

  constructor(
    origin: string,
    private readonly req: ProbeRequest,
    private readonly ratePerS: number,
    private readonly timeoutMs: number,
  ) {
    this.pool = new Pool(origin, { connections: 16, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs });
  }

  private static empty(): ProbeFigures {
    return { requests: 0, errors: 0, p95_ms: null, bySlot: {}, samples: [] };
  }

  start(): void {
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** The figures of what completed since the last `take`, and a fresh start. */
  take(): ProbeFigures {
    const out = { ...this.current, p95_ms: p95(this.latencies) };
    this.current = Probe.empty();
    this.latencies = [];
    return out;
  }

  /** Stops sending, waits for what is in flight (at most the timeout), and returns the figures since the last `take`. */
  async stop(): Promise<ProbeFigures> {
    if (this.stopped) return this.take();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const out = this.take();
    await this.pool.close().catch(() => undefined);
    return out;
  }

  private tick(): void {
    // request k is due at t0 + k / rate (the first at once)
    const due = Math.floor(((performance.now() - this.t0) * this.ratePerS) / 1000) + 1;
    while (this.sent < due) {
      const scheduled = this.t0 + (this.sent * 1000) / this.ratePerS;
      this.sent++;
      void this.one(scheduled);
    }
  }

  private async one(scheduled: number): Promise<void> {
    this.inFlight++;
    let outcome: string;
    let slot = 'error';
    try {
      const res = await this.pool.request({
        method: this.req.method,
        path: this.req.path,
        headers: this.req.body ? { ...this.req.headers, 'content-type': 'application/json' } : this.req.headers,
        body: this.req.body?.(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body.dump();
      const h = res.headers['x-gateway-slot'];
      slot = typeof h === 'string' ? h : '?';
      outcome = res.statusCode >= 200 && res.statusCode < 300 ? 'ok' : String(res.statusCode);
    } catch (err) {
      outcome = (err as { code?: string }).code ?? (err as Error).name ?? 'error';
    }
    const c = this.current;
    c.requests++;
    c.bySlot[slot] = (c.bySlot[slot] ?? 0) + 1;
    if (outcome !== 'ok') {
      c.errors++;
      if (c.samples.length < 5) c.samples.push(outcome);
    }
    this.latencies.push(performance.now() - scheduled);
    this.inFlight--;
    if (this.inFlight === 0 && this.timer === null) for (const r of this.idle.splice(0)) r();
  }
}
