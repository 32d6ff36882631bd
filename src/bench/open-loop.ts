/**
 * Open-loop (constant arrival rate) driver. Request i is intended at t0 + i/rate (or where a
 * scenario's ramping rate puts it: `schedule`, schedule.ts) and its latency is measured from that
 * intended time, so a send delayed by a busy server (no free connection) or by the driver itself
 * counts against the run: no coordinated omission.
 *
 * Two HTTP clients (`client`): `raw` (default, plain http: only) — one keep-alive connection per
 * slot, each request one prebuilt byte string and one socket write, a minimal response parser;
 * `undici` — a Pool with one reusable core-callback handler per slot (the newer controller API
 * wraps every request in an adapter object). Either way in flight ≤ connections and the hot path
 * allocates little beyond the response bytes.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { classifyError } from './error-class.ts';
import { newLatencyHistogram } from './histogram.ts';
import { RawHttpClient, encodeRequest } from '@vdb-readiness/raw-http';
import type { RunRecorder } from './recorder.ts';
import type { SendSchedule } from './schedule.ts';
import type { PreparedQuery, Workload } from './workload.ts';

export type HttpClientKind = 'raw' | 'undici';
export const HTTP_CLIENTS: readonly HttpClientKind[] = ['raw', 'undici'];

export interface OpenLoopOptions {
  url: string;
  /** Default `raw`; an https: URL always goes through undici (the raw client speaks plain http). */
  client?: HttpClientKind;
  headers: Record<string, string>;
  rate: number;
  connections: number;
  durationS: number;
  warmupS: number;
  timeoutMs: number;
  /**
   * Within this many ms of the next intended send, poll with setImmediate instead of sleeping on
   * a timer (Node timers have 1 ms granularity). 0 = timers only: cheaper; a send then goes on
   * the timer tick nearest its intended time, up to TIMER_EARLY_MS early (and is then timed from
   * its actual send, never from the later intended time) or late.
   */
  spinMs: number;
  /**
   * Within the spin window, sleep (blocking, Atomics.wait) in naps of at most this many µs while
   * more than NAP_GUARD_US remain, instead of polling all the time: a fraction of the CPU, but an
   * answer that arrives during a nap is timestamped up to one nap late. 0 = poll only.
   * Default DEFAULT_NAP_US.
   */
  napUs?: number;
  /**
   * Capacity probe (calibration): ignore `rate`, keep every connection busy for `durationS` and
   * measure from actual send. Not a latency measurement.
   */
  saturate?: boolean;
  /**
   * A rate that changes over time (a scenario's ramp, `schedule.ts`): request i is intended at
   * `t0 + schedule.atMs(i)` and the run sends `schedule.total` requests; `rate` and `durationS`
   * are then not used for timing, and there is no warm-up. Without it: constant `rate`.
   */
  schedule?: SendSchedule;
  /**
   * One of `of` drivers sharing the run (`--workers`, driver-pool.ts): this one sends requests
   * index, index + of, index + 2·of, … of the whole schedule, each at its intended time, so the
   * drivers together send exactly what one driver would.
   */
  share?: { index: number; of: number };
}

export interface DriverTiming {
  /** Sends started on the timer path: how late the driver itself was (µs). */
  sendLag: ReturnType<typeof newLatencyHistogram>;
  /** Sends that waited for a free connection (server-side back-pressure), with their wait (µs). */
  queueWait: ReturnType<typeof newLatencyHistogram>;
  scheduled: number;
  sent: number;
  /** Every request dispatched, warmup included (the driver's work, for CPU per request). */
  dispatched: number;
  /** Intended sends still not answered (or never sent) at the deadline. */
  dropped: number;
  maxInFlight: number;
  wallMs: number;
}

type DispatchOpts = Dispatcher.DispatchOptions;

/** A nap wakes up to ~50 µs late (Linux timer slack): the last stretch before a send is polled. */
const NAP_GUARD_US = 80;
export const DEFAULT_NAP_US = 100;
/**
 * Timer path: Node timers tick in whole ms, so waiting for the first tick after each intended time
 * makes every send ~0.5 ms late on average. Sending on the nearest tick instead centres the error
 * on zero; an early send's latency starts at its actual send, so it is never understated.
 */
export const TIMER_EARLY_MS = 0.5;

class Slot implements Dispatcher.DispatchHandler {
  index = -1;
  intended = 0;
  query: PreparedQuery | null = null;
  status = 0;
  chunks: Buffer[] = [];
  /** The raw client hands the whole body at once. */
  body: Buffer | null = null;

  constructor(
    private readonly driver: OpenLoopDriver,
    readonly id: number,
  ) {}

  /** The raw client's outcome callback for this slot's connection. */
  readonly rawDone = (status: number, body: Buffer | null, err: Error | null): void => {
    this.status = status;
    this.body = body;
    this.driver.completed(this, err);
  };

  onConnect(): void {}
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  onComplete(): void {
    this.driver.completed(this, null);
  }
  onError(err: Error): void {
    this.driver.completed(this, err);
  }
}

export class OpenLoopDriver {
  private readonly pool: Pool | null = null;
  private readonly raw: RawHttpClient | null = null;
  private readonly free: Slot[] = [];
  private readonly inFlight = new Set<Slot>();
  private readonly dispatchOpts: DispatchOpts[] = [];
  private readonly requestBytes: Buffer[] = [];
  readonly client: HttpClientKind;
  private readonly intervalMs: number;
  private readonly schedule: SendSchedule | null;
  /** How early a send may go (TIMER_EARLY_MS on the timer path, 0 when polling). */
  private readonly earlyMs: number;
  private readonly shareIndex: number;
  private readonly shareOf: number;
  private total: number;
  private endWallMs = Infinity;
  private readonly measureFromIndex: number;
  /** The whole run's first measured index (differs from measureFromIndex when shared). */
  private readonly globalMeasureFrom: number;
  private next = 0;
  /** Requests below this index became due while every connection was busy. */
  private queuedBelow = 0;
  private t0 = 0;
  private deadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private finished = false;
  private resolveDone: () => void = () => {};
  readonly timing: DriverTiming = {
    sendLag: newLatencyHistogram(),
    queueWait: newLatencyHistogram(),
    scheduled: 0,
    sent: 0,
    dispatched: 0,
    dropped: 0,
    maxInFlight: 0,
    wallMs: 0,
  };
  private readonly tickBound = (): void => this.tick();
  private readonly napCell = new Int32Array(new SharedArrayBuffer(4));
  private readonly deadlineBound = (): void => this.onDeadline();

  constructor(
    private readonly workload: Workload,
    private readonly recorder: RunRecorder,
    private readonly opts: OpenLoopOptions,
  ) {
    for (let i = opts.connections - 1; i >= 0; i--) this.free.push(new Slot(this, i));
    const origin = new URL(opts.url);
    this.client = origin.protocol === 'http:' ? (opts.client ?? 'raw') : 'undici';
    if (this.client === 'raw') {
      this.raw = new RawHttpClient(origin, this.free.map((s) => s.rawDone).reverse(), opts.timeoutMs);
      this.requestBytes = workload.queries.map((q) => encodeRequest(origin, 'POST', q.path, opts.headers, q.body));
    } else {
      this.pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
      this.dispatchOpts = workload.queries.map((q) => ({
        path: q.path,
        method: 'POST',
        body: q.body,
        headers: opts.headers,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        blocking: false,
      }));
    }
    this.intervalMs = opts.saturate ? 0 : 1000 / opts.rate;
    this.schedule = opts.saturate ? null : (opts.schedule ?? null);
    this.earlyMs = opts.spinMs > 0 ? 0 : TIMER_EARLY_MS;
    this.shareIndex = opts.saturate ? 0 : (opts.share?.index ?? 0);
    this.shareOf = opts.saturate ? 1 : (opts.share?.of ?? 1);
    const measureFrom = opts.saturate || this.schedule ? 0 : Math.ceil(opts.warmupS * opts.rate);
    this.measureFromIndex = this.local(measureFrom);
    this.total = opts.saturate ? Number.MAX_SAFE_INTEGER : this.local(this.schedule ? this.schedule.total : measureFrom + Math.round(opts.durationS * opts.rate));
    this.timing.scheduled = opts.saturate ? 0 : this.total - this.measureFromIndex;
    this.globalMeasureFrom = measureFrom;
  }

  /** How many of this driver's requests have a whole-run index below `globalCount`. */
  private local(globalCount: number): number {
    return Math.max(0, Math.ceil((globalCount - this.shareIndex) / this.shareOf));
  }

  /** The whole run's index of this driver's request j. */
  private global(j: number): number {
    return this.shareIndex + j * this.shareOf;
  }

  /** performance.now() of the first measured request's intended send (of the whole run, when shared). */
  get measureStartMs(): number {
    return this.schedule ? this.t0 : this.t0 + this.globalMeasureFrom * this.intervalMs;
  }

  /** Opens the raw client's connections before the clock starts, as wrk does: no handshake in the first requests' latency. */
  async connect(): Promise<void> {
    await this.raw?.preconnect();
  }

  /** Runs the whole schedule; resolves when every request has an outcome (or the deadline passed). */
  async run(startAtMs = performance.now()): Promise<DriverTiming> {
    this.t0 = startAtMs;
    this.recorder.originMs = this.measureStartMs;
    if (this.opts.saturate) this.endWallMs = this.t0 + this.opts.durationS * 1000;
    const lastIntended = this.opts.saturate ? this.endWallMs : this.intendedOf(Math.max(0, this.total - 1));
    this.deadline = lastIntended + this.opts.timeoutMs;
    const done = new Promise<void>((r) => (this.resolveDone = r));
    this.deadlineTimer = setTimeout(this.deadlineBound, Math.max(0, this.deadline - performance.now()));
    this.tick();
    await done;
    this.timing.wallMs = performance.now() - this.t0;
    this.raw?.close();
    await this.pool?.destroy().catch(() => {});
    return this.timing;
  }

  private intendedOf(i: number): number {
    const g = this.global(i);
    return this.schedule ? this.t0 + this.schedule.atMs(g) : this.t0 + g * this.intervalMs;
  }

  private dispatch(i: number, now: number): void {
    const slot = this.free.pop()!;
    const qi = this.workload.order[this.global(i) % this.workload.order.length]!;
    slot.index = i;
    slot.intended = this.intervalMs === 0 ? now : Math.min(now, this.intendedOf(i));
    slot.query = this.workload.queries[qi]!;
    slot.status = 0;
    if (slot.chunks.length > 0) slot.chunks = [];
    slot.body = null;
    this.inFlight.add(slot);
    this.timing.dispatched++;
    if (this.inFlight.size > this.timing.maxInFlight) this.timing.maxInFlight = this.inFlight.size;
    if (i >= this.measureFromIndex) {
      this.timing.sent++;
      const lagUs = Math.max(1, Math.round((now - slot.intended) * 1000));
      (i < this.queuedBelow ? this.timing.queueWait : this.timing.sendLag).recordValue(lagUs);
    }
    if (this.raw) this.raw.connections[slot.id]!.send(this.requestBytes[qi]!, now);
    else this.pool!.dispatch(this.dispatchOpts[qi]!, slot);
  }

  /** Sends everything due while connections are free; then sleeps until the next intended send. */
  private pump(): void {
    const now = performance.now();
    if (now >= this.endWallMs) this.total = Math.min(this.total, this.next);
    const at = now - this.t0 + this.earlyMs;
    const due =
      this.intervalMs === 0 ? this.total
      : Math.min(this.total, this.local(this.schedule ? this.schedule.dueBy(at) : Math.floor(at / this.intervalMs) + 1));
    while (this.next < due && this.free.length > 0) this.dispatch(this.next++, now);
    if (this.next < due) this.queuedBelow = due;
    else if (this.next < this.total && this.timer === null) this.arm(now);
  }

  private arm(now: number): void {
    const wait = this.intendedOf(this.next) - now;
    if (this.opts.spinMs > 0 && wait <= this.opts.spinMs) {
      this.timer = setImmediate(this.tickBound) as unknown as NodeJS.Timeout;
    } else {
      const ms = this.opts.spinMs > 0 ? Math.floor(wait - this.opts.spinMs) : Math.round(wait);
      this.timer = setTimeout(this.tickBound, Math.max(1, ms));
    }
  }

  private tick(): void {
    this.timer = null;
    if (this.finished) return;
    const napUs = this.opts.napUs ?? DEFAULT_NAP_US;
    // naps belong to the spin window: on the timer path (spinMs 0) a timer that fires early is
    // simply re-armed, since blocking there would hold up answers without sending any sooner
    if (this.opts.spinMs > 0 && napUs > 0 && this.next < this.total) {
      const remainingUs = (this.intendedOf(this.next) - performance.now()) * 1000;
      if (remainingUs > NAP_GUARD_US) Atomics.wait(this.napCell, 0, 0, Math.min(remainingUs - NAP_GUARD_US, napUs) / 1000);
    }
    this.pump();
    this.maybeFinish();
  }

  completed(slot: Slot, err: Error | null): void {
    if (!this.inFlight.delete(slot)) return;
    const now = performance.now();
    const q = slot.query!;
    if (slot.index >= this.measureFromIndex) {
      if (err) this.recorder.failure(q, slot.intended, now, classifyError(err));
      else this.recorder.response(q, slot.intended, now, slot.status, slot.body ?? (slot.chunks.length === 1 ? slot.chunks[0]! : Buffer.concat(slot.chunks)));
    }
    slot.query = null;
    slot.body = null;
    if (slot.chunks.length > 0) slot.chunks = [];
    this.free.push(slot);
    if (this.finished) return;
    this.pump();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.next >= this.total && this.inFlight.size === 0) this.finish();
  }

  private onDeadline(): void {
    if (this.finished) return;
    const now = performance.now();
    for (const slot of this.inFlight) {
      if (slot.index >= this.measureFromIndex) {
        this.recorder.failure(slot.query!, slot.intended, now, 'dropped');
        this.timing.dropped++;
      }
    }
    this.inFlight.clear();
    for (let i = Math.max(this.next, this.measureFromIndex); i < this.total; i++) {
      const q = this.workload.queries[this.workload.order[this.global(i) % this.workload.order.length]!]!;
      this.recorder.failure(q, this.intendedOf(i), now, 'dropped');
      this.timing.dropped++;
    }
    this.next = this.total;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) {
      clearTimeout(this.timer);
      clearImmediate(this.timer as unknown as NodeJS.Immediate);
    }
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.resolveDone();
  }
}
