/**
 * The benchmark's load generator: a closed loop of keep-alive clients on one target, and the
 * per-phase figures (latencies, QPS, CPU per request of every stack component).
 */
import { encodeRequest, RawHttpClient } from '@vdb-readiness/raw-http';
import { treeCpuMs } from './processes.ts';

const REQUEST_TIMEOUT_MS = 10_000;
/** How a gateway answer served from its cache ends. */
const CACHED_MARK = '"cached":true}';

export type Component = 'gateway' | 'nginx' | 'redis' | 'qdrant';

export interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: (vector: number[]) => string;
}

/** A phase's totals over all rounds. */
export interface Phase {
  name: string;
  /** Every request's latency (ms), over all rounds. */
  latenciesMs: number[];
  requests: number;
  errors: number;
  /** Answers marked `"cached":true`. */
  cachedAnswers: number;
  elapsedS: number;
  /** CPU ms spent by each stack component and by the load generator during the phase. */
  cpuMs: Record<Component | 'loadgen', number>;
  /** QPS of each round, for the per-round ratios. */
  roundQps: number[];
}

export function newPhase(name: string): Phase {
  return {
    name,
    latenciesMs: [],
    requests: 0,
    errors: 0,
    cachedAnswers: 0,
    elapsedS: 0,
    cpuMs: { gateway: 0, nginx: 0, redis: 0, qdrant: 0, loadgen: 0 },
    roundQps: [],
  };
}

export function randomVector(rand: () => number, dim: number): number[] {
  return Array.from({ length: dim }, () => rand() * 2 - 1);
}

/** mulberry32: a small seeded PRNG (the same seed sends the same queries). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cpuSnapshot(pids: Record<Component, number>): Record<Component | 'loadgen', number> {
  const u = process.cpuUsage();
  return {
    gateway: treeCpuMs(pids.gateway),
    nginx: treeCpuMs(pids.nginx),
    redis: treeCpuMs(pids.redis),
    qdrant: treeCpuMs(pids.qdrant),
    loadgen: (u.user + u.system) / 1000,
  };
}

/**
 * Closed loop on one target: up to `concurrency` clients share the queries of a run (each
 * sent once, in order); a client sends the next as soon as its last one answered. The
 * connections stay open from run to run (warm-up, rounds, blocks), so no run pays for
 * connecting. The clients are the project's raw keep-alive client (@vdb-readiness/raw-http): on a small
 * machine the load generator shares cores with what it measures, and this one costs about a
 * quarter of undici's CPU per request, so less of its own work lands in the figures.
 */
export class ClosedLoop {
  private readonly client: RawHttpClient;
  private readonly origin: URL;
  private onDone: (i: number, status: number, body: Buffer | null, err: Error | null) => void = () => undefined;

  constructor(private readonly target: Target, private readonly concurrency: number) {
    this.origin = new URL(target.origin);
    const done = Array.from({ length: concurrency }, (_, i) => (status: number, body: Buffer | null, err: Error | null) => this.onDone(i, status, body, err));
    this.client = new RawHttpClient(this.origin, done, REQUEST_TIMEOUT_MS);
  }

  /** Sends `queries`; adds the figures to `phase` (null: a warm-up). */
  async run(phase: Phase | null, queries: number[][], pids: Record<Component, number>): Promise<void> {
    const clients = Math.min(this.concurrency, queries.length);
    if (clients === 0) return;
    const requests = queries.map((v) => encodeRequest(this.origin, 'POST', this.target.path, this.target.headers, Buffer.from(this.target.body(v))));
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    let cachedAnswers = 0;
    let finished = 0;
    const sentAt = new Array<number>(clients).fill(0);
    let allDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const send = (i: number) => {
      if (next >= requests.length) {
        if (++finished === clients) allDone();
        return;
      }
      const bytes = requests[next++] as Buffer;
      sentAt[i] = performance.now();
      this.client.connections[i]?.send(bytes, sentAt[i] as number);
    };
    this.onDone = (i, status, body, err) => {
      latencies.push(performance.now() - (sentAt[i] as number));
      if (err || status !== 200) errors++;
      else if (body && body.toString('latin1', Math.max(0, body.length - CACHED_MARK.length)) === CACHED_MARK) cachedAnswers++;
      send(i);
    };
    const cpuBefore = cpuSnapshot(pids);
    const started = performance.now();
    for (let i = 0; i < clients; i++) send(i);
    await done;
    const elapsedS = (performance.now() - started) / 1000;
    const cpuAfter = cpuSnapshot(pids);
    if (!phase) return;
    for (const ms of latencies) phase.latenciesMs.push(ms);
    phase.requests += queries.length;
    phase.errors += errors;
    phase.cachedAnswers += cachedAnswers;
    phase.elapsedS += elapsedS;
    phase.roundQps.push(queries.length / elapsedS);
    for (const k of Object.keys(phase.cpuMs) as Array<keyof Phase['cpuMs']>) phase.cpuMs[k] += cpuAfter[k] - cpuBefore[k];
  }

  close(): void {
    this.client.close();
  }
}

