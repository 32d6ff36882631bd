/**
 * Gateway workers 1 → N: cached searches/s of a stack whose slot runs n workers
 * (`npm run stack -- up --gateway-workers n`), each in a fresh temporary stack. Cached, so the
 * gateway tier is what is measured, not the engine; every process may use every core (the
 * workers, nginx, Redis and this load generator share them, as they would on one host). The
 * worker counts are visited there and back (1, 2, 1) so that drift of the machine's load shows
 * as a difference between the visits of one count, and the visits are averaged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../../src/cli/run.ts';
import { ClosedLoop, newPhase, prng, randomVector, type Component, type Target } from './closed-loop.ts';
import { DIM, gatewaySearch, HOT_QUERIES, seed } from './collection.ts';
import { readStack, stackCli } from './stack.ts';

export interface ScalingOptions {
  workers: number[];
  concurrency: number;
  /** Measured cached searches per visit (after a warm-up of the same number). */
  requests: number;
  points: number;
  log: (line: string) => void;
}

export interface ScalingPoint {
  workers: number;
  /** Searches/s of each visit. */
  visits: number[];
  searchesPerS: number;
  /** Gateway (all its workers) CPU ms per search, mean over the visits. */
  gatewayCpuMs: number;
  /** nginx, Redis and this load generator: CPU ms per search beside the gateway's. */
  otherCpuMs: number;
}

/** What 2 gateway workers are asked to give over 1 (cached searches/s), from the scale issue. */
export const SCALING_TARGET = 1.25;

/**
 * The most n workers can give over 1 here: at 1 worker's CPU per search (gateway g, nginx +
 * Redis + load generator o), the machine's cores carry at most cores / (g + o) searches/s. That
 * is measured against 1 worker's searches/s rather than assuming 1 worker fills exactly one
 * core: a Node process also runs GC and compiler threads beside its event loop.
 */
export function machineCap(base: ScalingPoint, cores: number, workers = 2): number {
  const perSearchMs = base.gatewayCpuMs + base.otherCpuMs;
  if (!(perSearchMs > 0) || !(base.searchesPerS > 0)) return workers;
  return Math.min(workers, (cores * 1000) / perSearchMs / base.searchesPerS);
}

/** 1, 2, 4 → 1, 2, 4, 2, 1: every count but the last is visited twice. */
export function visitOrder(workers: number[]): number[] {
  return [...workers, ...workers.slice(0, -1).reverse()];
}

interface Visit {
  qps: number;
  gatewayCpuMs: number;
  otherCpuMs: number;
}

async function visit(n: number, opts: ScalingOptions): Promise<Visit> {
  const dir = mkdtempSync(join(tmpdir(), `vdb-bench-gw${n}-`));
  let loop: ClosedLoop | null = null;
  let measured = false;
  try {
    await stackCli('up', dir, ['--gateway-workers', String(n)]);
    const stack = readStack(dir);
    const gw = stack?.gateway;
    if (!stack || !gw) throw new CommandError(`npm run stack -- up --gateway-workers ${n} wrote no gateway in ${dir}/stack.json`);
    const slot = gw.slots.find((s) => s.name === gw.active) ?? gw.slots[0];
    const pids: Record<Component, number> = { gateway: slot?.pid ?? -1, nginx: gw.nginx.pid, redis: stack.redis.pid, qdrant: stack.qdrant.pid };
    await seed(stack, opts.points);
    const rand = prng(11);
    const hot = Array.from({ length: HOT_QUERIES }, () => randomVector(rand, DIM));
    const target = gatewaySearch(gw);
    const seenWorkers = await workersAnswering(target, hot[0]!, 8 * n);
    if (seenWorkers < n) throw new CommandError(`asked the stack for ${n} gateway workers, but answers came from ${seenWorkers} (x-gateway-worker; logs: ${join(dir, 'logs')})`);
    loop = new ClosedLoop(target, opts.concurrency);
    const queries = Array.from({ length: opts.requests }, (_, i) => hot[i % HOT_QUERIES]!);
    // the hot set into the cache, every worker's JIT warm, the connections open
    await loop.run(null, queries, pids);
    const phase = newPhase(`${n} workers, cached`);
    await loop.run(phase, queries, pids);
    if (phase.errors > 0) throw new CommandError(`${phase.errors} of ${phase.requests} cached searches failed with ${n} gateway workers (logs: ${join(dir, 'logs')})`);
    const c = phase.cpuMs;
    measured = true;
    return { qps: phase.requests / phase.elapsedS, gatewayCpuMs: c.gateway / phase.requests, otherCpuMs: (c.nginx + c.redis + c.loadgen) / phase.requests };
  } finally {
    loop?.close();
    // after a failure the logs stay, for the why
    await stackCli('down', dir).then(
      () => (measured ? rmSync(dir, { recursive: true, force: true }) : opts.log(`scaling: the temporary stack's logs stay in ${join(dir, 'logs')}`)),
      (err: unknown) => opts.log(`scaling: ${(err as Error).message} (state left in ${dir})`),
    );
  }
}

/** How many distinct workers answer `count` concurrent searches (`x-gateway-worker`, sent when workers > 1). */
async function workersAnswering(target: Target, vector: number[], count: number): Promise<number> {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      fetch(`${target.origin}${target.path}`, { method: 'POST', headers: target.headers, body: target.body(vector), signal: AbortSignal.timeout(10_000) }).then(async (res) => {
        await res.arrayBuffer();
        return res.headers.get('x-gateway-worker');
      }),
    ),
  );
  const ids = new Set(answers.filter((w) => w !== null));
  return ids.size === 0 && answers.length > 0 ? 1 : ids.size;
}

export async function measureScaling(opts: ScalingOptions): Promise<ScalingPoint[]> {
  const seen = new Map<number, Visit[]>();
  for (const n of visitOrder(opts.workers)) {
    opts.log(`scaling: ${n} gateway worker(s), ${opts.requests} cached searches at ${opts.concurrency} clients`);
    const r = await visit(n, opts);
    seen.set(n, [...(seen.get(n) ?? []), r]);
  }
  return opts.workers.map((workers) => {
    const v = seen.get(workers)!;
    const mean = (f: (x: Visit) => number): number => v.reduce((a, x) => a + f(x), 0) / v.length;
    return { workers, visits: v.map((x) => x.qps), searchesPerS: mean((x) => x.qps), gatewayCpuMs: mean((x) => x.gatewayCpuMs), otherCpuMs: mean((x) => x.otherCpuMs) };
  });
}

/** The scaling lines of `npm run bench:gateway`: each count against 1 worker (or the first). */
export function renderScaling(points: ScalingPoint[], concurrency: number, cores: number, target = SCALING_TARGET): string[] {
  const base = points[0]!;
  const lines = [`gateway workers (cached searches, ${concurrency} clients, every process on every one of ${cores} cores; visits ${visitOrder(points.map((p) => p.workers)).join(', ')})`];
  for (const p of points) {
    const x = p.searchesPerS / base.searchesPerS;
    lines.push(
      `  ${String(p.workers).padStart(2)} worker(s): ${Math.round(p.searchesPerS).toLocaleString('en-US').padStart(7)} searches/s (visits ${p.visits.map((q) => Math.round(q)).join(', ')}), ` +
        `×${x.toFixed(2)} of ${base.workers}; gateway CPU ${p.gatewayCpuMs.toFixed(3)} ms/search`,
    );
  }
  const two = points.find((p) => p.workers === 2 * base.workers);
  if (two) {
    const x = two.searchesPerS / base.searchesPerS;
    lines.push(`  ${two.workers} vs ${base.workers} workers: ×${x.toFixed(2)} (target ≥ ×${target}: ${x >= target ? 'met' : 'NOT met'})`);
  }
  if (base.workers === 1) {
    // n workers give at most n × 1 worker, and every search needs the gateway's, nginx's, Redis's
    // and the load generator's CPU out of the same cores
    const g = base.gatewayCpuMs;
    const o = base.otherCpuMs;
    const cap = (n: number): number => machineCap(base, cores, n);
    const most = points[points.length - 1]!.workers;
    const busy = (base.searchesPerS * (g + o)) / 1000;
    lines.push(
      `  limit on this machine: the gateway needs ${g.toFixed(3)} ms of CPU per search and nginx + Redis + this load generator ${o.toFixed(3)} ms beside it; ` +
        `at 1 worker that keeps ${busy.toFixed(2)} of ${cores} cores busy, so ${cores} cores allow at most ×${cap(most).toFixed(2)} with ${most} workers${most === 2 ? '' : ` (×${cap(2).toFixed(2)} with 2)`}`,
    );
  }
  return lines;
}
