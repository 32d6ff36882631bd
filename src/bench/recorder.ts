/**
 * What both drivers record per measured request: latency into HDR histograms (whole run, per
 * mix entry, per second), errors by class, and recall@k of the answer against the planted truth.
 */
import type { Histogram } from 'hdr-histogram-js';
import { classifyStatus, emptyErrorCounts } from './error-class.ts';
import type { ErrorClass, ErrorCounts } from './error-class.ts';
import { decodeHistogram, encodeHistogram, newLatencyHistogram } from './histogram.ts';
import { extractIds } from './search-contract.ts';
import { recallOf } from './workload.ts';
import type { PreparedQuery, Workload } from './workload.ts';

export interface StreamStats {
  requests: number;
  ok: number;
  errors: ErrorCounts;
  recallSum: number;
  recallCount: number;
  hist: Histogram;
}

export interface SecondStats {
  requests: number;
  errors: number;
  hist: Histogram;
}

/** Query buckets recall is also kept for: deciles of the query ids of each collection. */
export const RECALL_BUCKETS = 10;

export interface BucketRecall {
  firstQuery: number;
  lastQuery: number;
  recallSum: number;
  recallCount: number;
}

const newStream = (): StreamStats => ({ requests: 0, ok: 0, errors: emptyErrorCounts(), recallSum: 0, recallCount: 0, hist: newLatencyHistogram() });

const CACHED_MARK = '"cached":true';

/** A stream with its histogram encoded, to cross a thread boundary. */
type StreamSnapshot = Omit<StreamStats, 'hist'> & { hist: string };

/** What one driver of a shared run recorded (driver-pool.ts), for the run's recorder to add up. */
export interface RecorderSnapshot {
  total: StreamSnapshot;
  perEntry: StreamSnapshot[];
  unattributed: StreamSnapshot;
  buckets: BucketRecall[][];
  seconds: { requests: number; errors: number; hist: string }[];
  /** Last completion, ms after the measurement start (null: none). */
  lastDoneAfterOriginMs: number | null;
  cachedAnswers: number;
}

const snapStream = (s: StreamStats): StreamSnapshot => ({ ...s, errors: { ...s.errors }, hist: encodeHistogram(s.hist) });

function addStream(into: StreamStats, from: StreamSnapshot): void {
  into.requests += from.requests;
  into.ok += from.ok;
  for (const [c, n] of Object.entries(from.errors)) into.errors[c as ErrorClass] += n;
  into.recallSum += from.recallSum;
  into.recallCount += from.recallCount;
  into.hist.add(decodeHistogram(from.hist));
}

export class RunRecorder {
  readonly total = newStream();
  readonly perEntry: StreamStats[];
  /** Per entry, recall per bucket of query ids (a bucket holds ⌈n/10⌉ consecutive ids). */
  readonly buckets: BucketRecall[][];
  private readonly bucketSize: number[];
  readonly seconds: SecondStats[] = [];
  private readonly unattributed = newStream();
  /** Wall time (performance.now ms) of the last completion, for achieved throughput. */
  lastDoneMs = 0;
  private readonly k: number;
  /**
   * The last answer to each query and its recall (null: a bad body). A search answers the same
   * query with the same bytes, so an identical body is not parsed again: same bytes, same result.
   */
  private readonly lastAnswer = new Map<PreparedQuery, { body: Buffer; recall: number | null }>();

  /** Answers the gateway says came from its cache (`"cached":true`): their latency is the cache's, not the engine's. */
  cachedAnswers = 0;

  /** Measurement start (performance.now ms): seconds of the timeline count from it. */
  originMs = 0;

  constructor(workload: Workload) {
    this.perEntry = workload.entries.map(newStream);
    this.k = workload.k;
    const counts = workload.queryCounts ?? workload.entries.map((_, e) => workload.queries.filter((q) => q.entry === e).length);
    this.bucketSize = counts.map((n) => Math.max(1, Math.ceil(n / RECALL_BUCKETS)));
    this.buckets = counts.map((n, e) => {
      const size = this.bucketSize[e]!;
      const out: BucketRecall[] = [];
      for (let first = 0; first < n; first += size) out.push({ firstQuery: first, lastQuery: Math.min(n, first + size) - 1, recallSum: 0, recallCount: 0 });
      return out;
    });
  }

  snapshot(): RecorderSnapshot {
    return {
      total: snapStream(this.total),
      perEntry: this.perEntry.map(snapStream),
      unattributed: snapStream(this.unattributed),
      buckets: this.buckets,
      seconds: this.seconds.map((x) => ({ requests: x.requests, errors: x.errors, hist: encodeHistogram(x.hist) })),
      lastDoneAfterOriginMs: this.lastDoneMs > 0 ? this.lastDoneMs - this.originMs : null,
      cachedAnswers: this.cachedAnswers,
    };
  }

  /** Adds another driver's record of the same workload (its seconds counted from the same measurement start). */
  absorb(other: RecorderSnapshot): void {
    addStream(this.total, other.total);
    other.perEntry.forEach((e, i) => addStream(this.perEntry[i]!, e));
    addStream(this.unattributed, other.unattributed);
    other.buckets.forEach((entry, e) =>
      entry.forEach((b, i) => {
        const mine = this.buckets[e]![i]!;
        mine.recallSum += b.recallSum;
        mine.recallCount += b.recallCount;
      }),
    );
    other.seconds.forEach((x, i) => {
      while (this.seconds.length <= i) this.seconds.push({ requests: 0, errors: 0, hist: newLatencyHistogram() });
      const sec = this.seconds[i]!;
      sec.requests += x.requests;
      sec.errors += x.errors;
      sec.hist.add(decodeHistogram(x.hist));
    });
    if (other.lastDoneAfterOriginMs !== null) this.lastDoneMs = Math.max(this.lastDoneMs, this.originMs + other.lastDoneAfterOriginMs);
    this.cachedAnswers += other.cachedAnswers;
  }

  private second(atMs: number): SecondStats {
    const s = Math.max(0, Math.floor((atMs - this.originMs) / 1000));
    while (this.seconds.length <= s) this.seconds.push({ requests: 0, errors: 0, hist: newLatencyHistogram() });
    return this.seconds[s]!;
  }

  private latency(stream: StreamStats, sec: SecondStats, us: number): void {
    const v = Math.max(1, Math.round(us));
    this.total.hist.recordValue(v);
    stream.hist.recordValue(v);
    sec.hist.recordValue(v);
  }

  private count(stream: StreamStats, sec: SecondStats, doneMs: number): void {
    this.total.requests++;
    stream.requests++;
    sec.requests++;
    if (doneMs > this.lastDoneMs) this.lastDoneMs = doneMs;
  }

  private fail(stream: StreamStats, sec: SecondStats, cls: ErrorClass): void {
    this.total.errors[cls]++;
    stream.errors[cls]++;
    sec.errors++;
  }

  /** A response arrived. Latency counts for any 2xx (a bad body is still a measured answer). */
  response(q: PreparedQuery, startMs: number, doneMs: number, status: number, body: string | Buffer | null): void {
    const stream = this.perEntry[q.entry]!;
    const sec = this.second(startMs);
    this.count(stream, sec, doneMs);
    const cls = classifyStatus(status);
    if (cls) return this.fail(stream, sec, cls);
    this.latency(stream, sec, (doneMs - startMs) * 1000);
    const r = this.recallOfBody(q, body);
    if (r === null) return this.fail(stream, sec, 'bad_body');
    this.total.ok++;
    stream.ok++;
    if (body !== null && body.includes(CACHED_MARK)) this.cachedAnswers++;
    this.total.recallSum += r;
    this.total.recallCount++;
    stream.recallSum += r;
    stream.recallCount++;
    const b = this.buckets[q.entry]?.[Math.floor(q.queryId / this.bucketSize[q.entry]!)];
    if (b) {
      b.recallSum += r;
      b.recallCount++;
    }
  }

  private recallOfBody(q: PreparedQuery, body: string | Buffer | null): number | null {
    if (body === null) return null;
    const last = typeof body === 'string' ? undefined : this.lastAnswer.get(q);
    if (last && last.body.equals(body as Buffer)) return last.recall;
    let ids: string[] | null = null;
    try {
      ids = extractIds(JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
    } catch {
      ids = null;
    }
    const recall = ids ? recallOf(ids, q.truth, this.k) : null;
    // A copy: a client may reuse its buffers. Only on a miss (once per query for a deterministic server).
    if (typeof body !== 'string') this.lastAnswer.set(q, { body: Buffer.from(body), recall });
    return recall;
  }

  /**
   * A request failed. Timeouts and requests still missing at the end also enter the latency
   * histogram with the time they had waited so far: a lower bound, but never an omission.
   */
  failure(q: PreparedQuery | null, startMs: number, doneMs: number, cls: ErrorClass): void {
    // Closed mode cannot tell which query a transport error belonged to: it counts in the total only.
    const stream = q ? this.perEntry[q.entry]! : this.unattributed;
    const sec = this.second(startMs);
    this.count(stream, sec, doneMs);
    if (cls === 'timeout' || cls === 'dropped') this.latency(stream, sec, (doneMs - startMs) * 1000);
    this.fail(stream, sec, cls);
  }
}
