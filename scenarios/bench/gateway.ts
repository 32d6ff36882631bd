/**
 * `npm run bench:gateway [-- --concurrency 8 --duration 5 --points 2000 --dir <stack dir>]`:
 * the same searches at the same concurrency, in one run, directly to Qdrant and through the
 * gateway (via nginx, uncached: every query unique) and through the gateway again with a warm
 * cache (a small set of repeated queries). Prints p50/p99 and QPS of each and the ratios.
 * Uses the running local stack (`.stack/stack.json`), or brings one up in a temp dir and
 * tears it down afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { readStackInfo, stackDown, stackUp } from '../../src/stack/launcher.ts';
import type { StackInfo } from '../../src/stack/types.ts';
import { runCli } from '../../src/util/cli.ts';
import { UserError } from '../../src/util/errors.ts';

const COLLECTION = 'imp';
const DIM = 128;
const REQUEST_TIMEOUT_MS = 10_000;

interface Phase {
  name: string;
  p50: number;
  p99: number;
  qps: number;
  errors: number;
  requests: number;
}

interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: (vector: number[]) => string;
}

function randomVector(rand: () => number): number[] {
  return Array.from({ length: DIM }, () => rand() * 2 - 1);
}

/** mulberry32: a small seeded PRNG so that every run sends the same queries. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Closed loop: `concurrency` clients, each sending its next query as soon as the last answered. */
async function runPhase(name: string, target: Target, queries: number[][], concurrency: number, durationS: number): Promise<Phase> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let errors = 0;
  let requests = 0;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const vector = queries[next++ % queries.length] as number[];
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body: target.body(vector), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await res.body.text();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      requests++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedS = (performance.now() - started) / 1000;
  await pool.close();
  const phase = { name, p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000, qps: requests / elapsedS, errors, requests };
  hist.destroy();
  return phase;
}

async function seed(stack: StackInfo, points: number): Promise<void> {
  const gw = stack.gateway;
  if (!gw) throw new UserError('the local stack has no gateway: run `npm run stack -- up` (with the gateway tier)');
  const rand = prng(7);
  for (let start = 0; start < points; start += 200) {
    const batch = Array.from({ length: Math.min(200, points - start) }, (_, i) => ({ id: start + i, vector: randomVector(rand), payload: { i: start + i } }));
    const res = await fetch(`${gw.url}/api/v1/vectors/upsert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
      body: JSON.stringify({ collection: COLLECTION, points: batch }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 200) throw new UserError(`seeding ${COLLECTION} through the gateway failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}

const fmt = (x: number, d = 2) => x.toFixed(d);

function render(phases: Phase[], concurrency: number, durationS: number): string {
  const [direct, gw, cached] = phases as [Phase, Phase, Phase];
  const lines = [
    `gateway benchmark: ${COLLECTION} (dim ${DIM}), limit 10, ${concurrency} concurrent clients, ${durationS} s per phase`,
    '',
    'phase                      p50 ms   p99 ms      QPS   requests  errors',
    ...phases.map((p) => `${p.name.padEnd(25)} ${fmt(p.p50).padStart(7)}  ${fmt(p.p99).padStart(7)}  ${fmt(p.qps, 0).padStart(7)}  ${String(p.requests).padStart(9)}  ${String(p.errors).padStart(6)}`),
    '',
    `gateway (uncached) vs direct: p50 added ${fmt(gw.p50 - direct.p50)} ms (target <= 1 ms: ${gw.p50 - direct.p50 <= 1 ? 'met' : 'NOT met'}), ` +
      `QPS ${fmt((gw.qps / direct.qps) * 100, 0)} % of direct (target >= 70 %: ${gw.qps / direct.qps >= 0.7 ? 'met' : 'NOT met'})`,
    `gateway cached vs uncached: p50 ${fmt(cached.p50)} vs ${fmt(gw.p50)} ms, QPS x${fmt(cached.qps / gw.qps)}`,
    'note: the load generator, nginx, the gateway and the engine share this machine\'s cores.',
  ];
  return lines.join('\n');
}

await runCli(async () => {
  const opts = new Command('bench:gateway')
    .option('--concurrency <n>', 'concurrent clients', '8')
    .option('--duration <s>', 'seconds per phase', '5')
    .option('--points <n>', 'points seeded into the collection', '2000')
    .option('--dir <path>', 'stack directory (default: .stack, or a temporary stack)')
    .parse()
    .opts<{ concurrency: string; duration: string; points: string; dir?: string }>();
  const concurrency = Number(opts.concurrency);
  const durationS = Number(opts.duration);
  const points = Number(opts.points);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError('--concurrency must be an integer from 1 to 256');
  if (!(durationS > 0 && durationS <= 120)) throw new UserError('--duration must be between 0 and 120 seconds');
  if (!Number.isInteger(points) || points < 10 || points > 100_000) throw new UserError('--points must be an integer from 10 to 100000');

  let stack = readStackInfo(opts.dir);
  let tempDir: string | null = null;
  if (!stack?.gateway) {
    tempDir = mkdtempSync(join(tmpdir(), 'vdb-bench-gw-'));
    console.error(`no running stack with a gateway: starting one in ${tempDir}`);
    stack = await stackUp({ dir: tempDir });
  }
  try {
    const gw = stack.gateway;
    if (!gw) throw new UserError('the stack came up without a gateway');
    await seed(stack, points);
    const rand = prng(42);
    const unique = Array.from({ length: 50_000 }, () => randomVector(rand));
    const hot = unique.slice(0, 20);
    const direct: Target = {
      origin: stack.qdrant.url,
      path: `/collections/${COLLECTION}/points/query`,
      headers: { 'content-type': 'application/json', 'api-key': stack.qdrant.apiKey },
      body: (v) => JSON.stringify({ query: v, limit: 10 }),
    };
    const viaGateway: Target = {
      origin: gw.url,
      path: '/api/v1/vectors/search',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
      body: (v) => JSON.stringify({ collection: COLLECTION, query_vector: v, limit: 10 }),
    };
    // warm-up (connections, JIT, the hot set into the cache)
    await runPhase('warm-up', viaGateway, hot, concurrency, 1);
    await runPhase('warm-up', direct, unique.slice(-1000), concurrency, 1);
    const phases = [
      await runPhase('direct Qdrant', direct, unique.slice(0, 25_000), concurrency, durationS),
      await runPhase('gateway (nginx), uncached', viaGateway, unique.slice(25_000), concurrency, durationS),
      await runPhase('gateway (nginx), cached', viaGateway, hot, concurrency, durationS),
    ];
    console.log(render(phases, concurrency, durationS));
  } finally {
    if (tempDir) {
      await stackDown(tempDir);
      rmSync(tempDir, { recursive: true, force: true });
    }
  }
});
