/**
 * Constant-rate search traffic through the front door while a deployment changes what serves:
 * an open loop (request i is due at i / rate, whatever came back before), on keep-alive
 * connections of which some carry a request only every `idleEveryMs` and so sit idle at any
 * given moment (what a reload of the front door would close). Nothing is retried: a reset, a
 * timeout, a status other than 200 or no answer is a failed request. Each request is recorded
 * with its intended send time, latency from that time, status, and the answering slot and
 * version (`x-gateway-slot`, `x-gateway-version`).
 */
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import type { TimelineEvent } from '../../src/results/readiness.ts';
import type { TrafficSample } from '../../src/readiness/timeline.ts';

export interface TrafficOptions {
  /** Front door base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  method?: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  /** Request bodies, used in turn. */
  bodies: string[];
  ratePerS: number;
  /** Connections that carry the bulk of the traffic. */
  hotConnections: number;
  /** Connections used once every `idleEveryMs` each (staggered): idle most of the time. */
  idleConnections: number;
  idleEveryMs: number;
  /** A request without a complete answer after this long has failed. */
  timeoutMs: number;
  /** Scheduler tick; requests due within a tick go out together. */
  tickMs?: number;
}

export interface TrafficResult {
  samples: TrafficSample[];
  marks: TimelineEvent[];
  /** Epoch ms of t_ms 0. */
  startEpochMs: number;
  durationMs: number;
  ratePerS: number;
  connections: number;
  /** Connections opened in all (more than `connections`: some were closed and reopened). */
  opened: number;
}

const header = (h: Dispatcher.ResponseData['headers'], name: string): string | null => {
  const v = h[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
};

/** Why a request without an answer failed: its error code, `timeout`, or the message. */
export function failureCause(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  const code = e?.cause?.code ?? e?.code;
  if (code === 'UND_ERR_SOCKET') return `connection closed (${e?.message ?? code})`;
  return code ?? e?.message ?? String(err);
}

export class Traffic {
  private readonly clients: Client[];
  private readonly inflight: number[];
  private readonly idleNext: number[];
  private readonly pending = new Set<Promise<void>>();
  private readonly samples: TrafficSample[] = [];
  private readonly marks: TimelineEvent[] = [];
  private t0 = 0;
  private startEpoch = 0;
  private sent = 0;
  private hotTurn = 0;
  private opened = 0;
  private timer: NodeJS.Timeout | undefined;
  private stoppedAt: number | undefined;

  constructor(private readonly opts: TrafficOptions) {
    if (opts.ratePerS <= 0 || opts.hotConnections < 1 || opts.bodies.length === 0) throw new Error('traffic: a positive rate, a connection and a body are needed');
    const n = opts.hotConnections + opts.idleConnections;
    this.clients = Array.from({ length: n }, () => {
      const c = new Client(opts.url, {
        pipelining: 1,
        // The client never closes an idle connection first (the server's own timeout is longer than idleEveryMs).
        keepAliveTimeout: Math.max(10_000, opts.idleEveryMs * 4),
        keepAliveMaxTimeout: Math.max(10_000, opts.idleEveryMs * 4),
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        connectTimeout: opts.timeoutMs,
      });
      c.on('connect', () => this.opened++);
      return c;
    });
    this.inflight = new Array<number>(n).fill(0);
    // Every idle connection opens at once, then carries one request per idleEveryMs, staggered.
    this.idleNext = Array.from({ length: opts.idleConnections }, () => 0);
  }

  get connections(): number {
    return this.clients.length;
  }

  /** Epoch ms of t_ms 0. */
  get startEpochMs(): number {
    return this.startEpoch;
  }

  /** ms since the traffic started. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** An epoch time on the traffic clock. */
  at(epochMs: number): number {
    return epochMs - this.startEpoch;
  }

  /** A moment worth drawing (deploy asked, stop signalled, …), now unless `t_ms` is given. */
  mark(kind: string, label: string, t_ms = this.now()): void {
    this.marks.push({ t_ms, kind, label });
  }

  /** The samples so far (a copy). */
  snapshot(): TrafficSample[] {
    return [...this.samples];
  }

  start(): void {
    if (this.timer) return;
    this.t0 = performance.now();
    this.startEpoch = Date.now();
    const tick = this.opts.tickMs ?? 2;
    this.timer = setInterval(() => this.pump(), tick);
    this.pump();
  }

  private pump(): void {
    const now = this.now();
    const interval = 1000 / this.opts.ratePerS;
    while (this.sent * interval <= now) {
      this.send(this.sent * interval);
      this.sent++;
    }
  }

  private pickConnection(t: number): number {
    const hot = this.opts.hotConnections;
    for (let k = 0; k < this.idleNext.length; k++) {
      if (this.idleNext[k]! <= t && this.inflight[hot + k] === 0) {
        const stagger = ((k + 1) * this.opts.idleEveryMs) / this.idleNext.length;
        this.idleNext[k] = this.idleNext[k] === 0 ? t + stagger : t + this.opts.idleEveryMs;
        return hot + k;
      }
    }
    // the next free hot connection in turn, else the least loaded one (the request queues there)
    for (let j = 0; j < hot; j++) {
      const c = (this.hotTurn + j) % hot;
      if (this.inflight[c] === 0) {
        this.hotTurn = c + 1;
        return c;
      }
    }
    let best = 0;
    for (let c = 1; c < hot; c++) if (this.inflight[c]! < this.inflight[best]!) best = c;
    return best;
  }

  private send(t_ms: number): void {
    const conn = this.pickConnection(t_ms);
    const body = this.opts.bodies[this.sent % this.opts.bodies.length]!;
    this.inflight[conn]!++;
    const record = (s: Omit<TrafficSample, 't_ms' | 'conn' | 'done_ms' | 'latency_ms'>): void => {
      const done = this.now();
      this.samples.push({ t_ms, done_ms: done, latency_ms: Math.round((done - t_ms) * 10) / 10, conn, ...s });
    };
    const p = (async () => {
      try {
        const res = await this.clients[conn]!.request({
          method: this.opts.method ?? 'POST',
          path: this.opts.path,
          headers: this.opts.headers,
          body: this.opts.method === 'GET' ? undefined : body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        await res.body.arrayBuffer();
        const ok = res.statusCode === 200;
        record({ status: res.statusCode, ok, slot: header(res.headers, 'x-gateway-slot'), version: header(res.headers, 'x-gateway-version'), ...(ok ? {} : { error: `HTTP ${res.statusCode}` }) });
      } catch (err) {
        record({ status: 0, ok: false, slot: null, version: null, error: failureCause(err) });
      } finally {
        this.inflight[conn]!--;
      }
    })();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Stops sending, waits for what is in flight (each bounded by the timeout), closes the connections. */
  async stop(): Promise<TrafficResult> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stoppedAt ??= this.now();
    await Promise.all([...this.pending]);
    await Promise.all(this.clients.map((c) => c.close().catch(() => c.destroy())));
    return {
      samples: [...this.samples].sort((a, b) => a.t_ms - b.t_ms),
      marks: [...this.marks],
      startEpochMs: this.startEpoch,
      durationMs: this.stoppedAt,
      ratePerS: this.opts.ratePerS,
      connections: this.clients.length,
      opened: this.opened,
    };
  }
}
