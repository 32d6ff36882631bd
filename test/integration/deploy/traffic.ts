/**
 * Constant-rate traffic through the front door for the deploy tests, on raw keep-alive
 * connections, strict about what a switch may do to them:
 * - `active` connections each send on a fixed schedule (together `ratePerS`);
 * - `idle` connections send one request every `idleGapMs` and sit idle in between, so a switch
 *   finds them idle; each request after a marked switch on a connection idle across it counts
 *   as an idle reuse.
 * A connection is reused as long as the server did not say `Connection: close` in its last
 * answer, even when its FIN has arrived meanwhile (allowHalfOpen; like a client across a real
 * network, whose FIN is still on its way): a server that closes idle keep-alive connections (as
 * an nginx reload does) makes the next request on them fail. Every failure counts: a reset, a
 * close before a complete answer, a timeout, a status other than 2xx. The requests are searches
 * (POST: nginx never retries them on another connection).
 */
import { connect, type Socket } from 'node:net';

export interface TrafficOptions {
  /** host:port origin of the front door. */
  url: string;
  key: string;
  /** Requests per second over the active connections. */
  ratePerS: number;
  active: number;
  idle: number;
  idleGapMs: number;
  /** Body of each request: a search (default a random unit vector of `dimension` for `model`). */
  model: string;
  dimension: number;
  /** How many distinct searches (default 16). */
  queries?: number;
  timeoutMs?: number;
}

export interface TrafficReport {
  sent: number;
  ok: number;
  failed: number;
  /** Failures by kind: `ECONNRESET`, `closed before the answer`, `timeout`, `status 502`, … */
  failures: Record<string, number>;
  /** The first few failures with when they happened relative to the first marked switch. */
  samples: string[];
  /** Answers by `x-gateway-version`. */
  byVersion: Record<string, number>;
  /** Idle connections (summed over the marked switches) that sat idle, connected, when the switch came. */
  idleAtSwitch: number;
  /** Requests sent on a connection that sat idle across a marked switch (its first request after it). */
  idleReuses: number;
  /** Of those, how many failed. */
  idleReuseFailures: number;
  /** Connections opened (reconnects after `Connection: close` included). */
  connections: number;
  /** Scheduled requests not sent because their connection still waited for an answer. */
  skipped: number;
  p99_ms: number;
}

interface Pending {
  resolve(r: { status: number; version: string | null; keepAlive: boolean } | { error: string }): void;
}

/** One keep-alive connection, one request at a time, its own minimal parser (content-length framing). */
class Conn {
  private socket: Socket | null = null;
  private buf = Buffer.alloc(0);
  private pending: Pending | null = null;
  private socketError: string | null = null;
  lastDoneAt = 0;
  opened = 0;
  busy = false;
  /** It was idle when a switch was marked: its next request reuses a connection idle across that switch. */
  idleAtSwitch = false;

  constructor(private readonly host: string, private readonly port: number) {}

  private open(): Socket {
    this.opened++;
    this.buf = Buffer.alloc(0);
    this.socketError = null;
    const s = connect({ host: this.host, port: this.port, allowHalfOpen: true, noDelay: true });
    s.on('data', (d: Buffer) => {
      if (s !== this.socket) return;
      this.buf = Buffer.concat([this.buf, d]);
      this.tryParse();
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (s === this.socket) this.socketError = e.code ?? e.message;
    });
    // the FIN alone ('end') is not acted on: the connection stays "reusable" until used
    s.on('end', () => undefined);
    s.on('close', () => {
      if (s !== this.socket) return;
      const p = this.pending;
      this.pending = null;
      p?.resolve({ error: this.socketError ?? 'closed before the answer' });
    });
    this.socket = s;
    return s;
  }

  private tryParse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.pending) return;
    const head = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0]?.split(' ')[1] ?? 0);
    const headers = new Map<string, string>();
    for (const line of head.slice(1)) {
      const at = line.indexOf(':');
      if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
    }
    const len = Number(headers.get('content-length') ?? NaN);
    if (!Number.isFinite(len)) {
      const p = this.pending;
      this.pending = null;
      this.drop();
      p.resolve({ error: 'no content-length' });
      return;
    }
    if (this.buf.length < end + 4 + len) return;
    this.buf = this.buf.subarray(end + 4 + len);
    const keepAlive = (headers.get('connection') ?? '').toLowerCase() !== 'close';
    const p = this.pending;
    this.pending = null;
    if (!keepAlive) this.drop();
    p.resolve({ status, version: headers.get('x-gateway-version') ?? null, keepAlive });
  }

  private drop(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
  }

  request(bytes: Buffer, timeoutMs: number): Promise<{ status: number; version: string | null; keepAlive: boolean } | { error: string }> {
    return new Promise((resolve) => {
      // destroyed (a reset arrived while idle, or it said Connection: close): a fresh one. A
      // connection whose FIN arrived is NOT replaced: the write below finds out.
      if (!this.socket || this.socket.destroyed) {
        if (this.socket?.destroyed && this.socketError) {
          const err = this.socketError;
          this.socket = null;
          resolve({ error: `${err} (while idle)` });
          return;
        }
        this.open();
      }
      const timer = setTimeout(() => {
        if (this.pending?.resolve !== done) return;
        this.pending = null;
        this.drop();
        this.busy = false;
        resolve({ error: 'timeout' });
      }, timeoutMs);
      const done = (r: { status: number; version: string | null; keepAlive: boolean } | { error: string }): void => {
        clearTimeout(timer);
        this.lastDoneAt = performance.now();
        this.busy = false;
        resolve(r);
      };
      this.busy = true;
      this.pending = { resolve: done };
      this.socket!.write(bytes);
    });
  }

  close(): void {
    this.drop();
  }
}

export class Traffic {
  private readonly conns: Conn[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly switches: number[] = [];
  private readonly latencies: number[] = [];
  private stopped = false;
  private readonly r: TrafficReport = { sent: 0, ok: 0, failed: 0, failures: {}, samples: [], byVersion: {}, idleAtSwitch: 0, idleReuses: 0, idleReuseFailures: 0, connections: 0, skipped: 0, p99_ms: 0 };
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly o: TrafficOptions) {
    const u = new URL(o.url);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  private requests: Buffer[] = [];
  private next = 0;

  /** One of `queries` fixed searches, in turn: after the first round the gateway answers them from its Redis cache, so 200 req/s stay cheap for the engine. */
  private bytes(): Buffer {
    if (this.requests.length === 0) {
      for (let q = 0; q < (this.o.queries ?? 16); q++) {
        const v = Array.from({ length: this.o.dimension }, (_, i) => Math.sin(q * 131 + i * 7 + 1));
        const n = Math.hypot(...v) || 1;
        const body = Buffer.from(JSON.stringify({ model: this.o.model, query_vector: v.map((x) => Number((x / n).toFixed(5))), limit: 5 }));
        const head = `POST /api/v1/vectors/search HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\nx-api-key: ${this.o.key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
        this.requests.push(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      }
    }
    return this.requests[this.next++ % this.requests.length] as Buffer;
  }

  /** Note a switch about to happen (the deployer's "switching the front door…" line comes just before the rename). */
  markSwitch(): void {
    this.switches.push(performance.now());
    for (const c of this.conns.slice(this.o.active)) {
      if (!c.busy && c.lastDoneAt > 0) {
        c.idleAtSwitch = true;
        this.r.idleAtSwitch++;
      }
    }
  }

  private fire(c: Conn, idle: boolean): void {
    if (this.stopped) return;
    if (c.busy) {
      this.r.skipped++; // still waiting for its last answer: the schedule skips rather than piles up
      return;
    }
    const now = performance.now();
    const crossed = idle && c.idleAtSwitch;
    c.idleAtSwitch = false;
    if (crossed) this.r.idleReuses++;
    this.r.sent++;
    const t0 = now;
    const p = c.request(this.bytes(), this.o.timeoutMs ?? 5000).then((res) => {
      this.latencies.push(performance.now() - t0);
      let failure: string | null = null;
      if ('error' in res) failure = res.error;
      else {
        if (res.version) this.r.byVersion[res.version] = (this.r.byVersion[res.version] ?? 0) + 1;
        if (res.status < 200 || res.status >= 300) failure = `status ${res.status}`;
      }
      if (failure === null) this.r.ok++;
      else {
        this.r.failed++;
        if (crossed) this.r.idleReuseFailures++;
        this.r.failures[failure] = (this.r.failures[failure] ?? 0) + 1;
        const rel = this.switches.length ? `${(t0 - this.switches[0]!).toFixed(0)} ms after the first switch` : 'before any switch';
        if (this.r.samples.length < 10) this.r.samples.push(`${failure} (${idle ? 'idle' : 'active'} connection${crossed ? ', idle across a switch' : ''}, sent ${rel})`);
      }
    });
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  start(): void {
    const period = (this.o.active * 1000) / this.o.ratePerS;
    for (let i = 0; i < this.o.active; i++) {
      const c = new Conn(this.host, this.port);
      this.conns.push(c);
      const tick = (): void => this.fire(c, false);
      this.timers.push(setTimeout(() => this.timers.push(setInterval(tick, period)), (i * period) / this.o.active));
    }
    for (let i = 0; i < this.o.idle; i++) {
      const c = new Conn(this.host, this.port);
      this.conns.push(c);
      this.fire(c, true);
      this.timers.push(setTimeout(() => this.timers.push(setInterval(() => this.fire(c, true), this.o.idleGapMs)), (i * this.o.idleGapMs) / this.o.idle));
    }
  }

  /** One request on every idle connection now (after a switch: they were idle across it). */
  kickIdle(): void {
    this.conns.slice(this.o.active).forEach((c) => this.fire(c, true));
  }

  async stop(): Promise<TrafficReport> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.inFlight]);
    for (const c of this.conns) c.close();
    this.r.connections = this.conns.reduce((n, c) => n + c.opened, 0);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    this.r.p99_ms = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    return this.r;
  }
}
