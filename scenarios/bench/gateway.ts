/**
 * `npm run bench:gateway [-- --concurrency 8 --requests 3000 --rounds 3 --serial 300 --points 2000 --dir <stack dir>]`:
 * the same searches, at the same concurrency and in the same number, in one run: directly to
 * Qdrant, through the gateway (via nginx) uncached, and through the gateway with a warm cache.
 *
 * Fairness on a shared machine:
 * - the direct and the uncached gateway phases send the very same query vectors, drawn from a
 *   seed that differs per run (`--seed`), so that no uncached query was ever cached before
 *   (the bench counts answers marked `cached: true` there and reports them);
 * - the phases are interleaved in `--rounds` rounds (direct, gateway, cached, direct, ...)
 *   so that a change in the machine's load hits all of them, and their histograms merged;
 * - a warm-up precedes the rounds (connections, JIT, the cached phase's hot set);
 * - the machine's load average is printed at start and end, and the CPU time each process of
 *   the stack (gateway, nginx, Redis, Qdrant with its workers) and the load generator spent
 *   per request in each phase (Linux /proc), which is what decides throughput on a saturated
 *   machine.
 * A serial pass (one client, `--serial` requests, 0 to skip) shows the latency the gateway adds
 * without queueing. Uses the running local stack (`.stack/stack.json`), or brings one up in a
 * temp dir and tears it down afterwards.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
const HOT_QUERIES = 20;
const REQUEST_TIMEOUT_MS = 10_000;
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const CLOCK_TICK_MS = 10;

type Histogram = ReturnType<typeof hdr.build>;
type Component = 'gateway' | 'nginx' | 'redis' | 'qdrant';

interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: (vector: number[]) => string;
}

/** A phase's totals over all rounds. */
interface Phase {
  name: string;
  hist: Histogram;
  requests: number;
  errors: number;
  /** Answers marked `"cached":true`. */
  cachedAnswers: number;
  elapsedS: number;
  /** CPU ms spent by each stack component and by the load generator during the phase. */
  cpuMs: Record<Component | 'loadgen', number>;
  /** QPS of each round, for the per-round ratios. */
  roundQps: number[];
  roundP50: number[];
}

function newPhase(name: string): Phase {
  return {
    name,
    hist: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }),
    requests: 0,
    errors: 0,
    cachedAnswers: 0,
    elapsedS: 0,
    cpuMs: { gateway: 0, nginx: 0, redis: 0, qdrant: 0, loadgen: 0 },
    roundQps: [],
    roundP50: [],
  };
}

function randomVector(rand: () => number): number[] {
  return Array.from({ length: DIM }, () => rand() * 2 - 1);
}

/** mulberry32: a small seeded PRNG (the same seed sends the same queries). */
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

/** A process and its descendants (qdrant-local's workers, nginx's workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.push(...processTree(Number(child)));
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

/** User + system CPU ms of a process tree, or NaN where /proc is not available. */
function treeCpuMs(pid: number): number {
  let ticks = 0;
  let seen = false;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      seen = true;
    } catch {
      // gone
    }
  }
  return seen ? ticks * CLOCK_TICK_MS : Number.NaN;
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
 * Closed loop: `concurrency` clients share `queries` (each sent once, in order); a client
 * sends the next as soon as its last one answered. Adds the figures to `phase`.
 */
async function runQueries(phase: Phase | null, target: Target, queries: number[][], concurrency: number, pids: Record<Component, number>): Promise<void> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  const hist = phase ? hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }) : null;
  let next = 0;
  let errors = 0;
  let cachedAnswers = 0;
  const cpuBefore = cpuSnapshot(pids);
  const started = performance.now();
  const client = async (): Promise<void> => {
    while (next < queries.length) {
      const vector = queries[next++] as number[];
      const body = target.body(vector);
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const text = await res.body.text();
        if (res.statusCode !== 200) errors++;
        else if (text.endsWith('"cached":true}')) cachedAnswers++;
      } catch {
        errors++;
      }
      hist?.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, client));
  const elapsedS = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(pids);
  await pool.close();
  if (!phase || !hist) return;
  phase.hist.add(hist);
  phase.roundP50.push(hist.getValueAtPercentile(50) / 1000);
  hist.destroy();
  phase.requests += queries.length;
  phase.errors += errors;
  phase.cachedAnswers += cachedAnswers;
  phase.elapsedS += elapsedS;
  phase.roundQps.push(queries.length / elapsedS);
  for (const k of Object.keys(phase.cpuMs) as Array<keyof Phase['cpuMs']>) phase.cpuMs[k] += cpuAfter[k] - cpuBefore[k];
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

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const p50 = (p: Phase) => p.hist.getValueAtPercentile(50) / 1000;
const p99 = (p: Phase) => p.hist.getValueAtPercentile(99) / 1000;
const qps = (p: Phase) => p.requests / p.elapsedS;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const loadLine = () => loadavg().map((x) => x.toFixed(2)).join(' / ');

function table(title: string, phases: Phase[]): string[] {
  const cpu = (p: Phase, k: keyof Phase['cpuMs']) => fmt(p.cpuMs[k] / p.requests).padStart(6);
  return [
    title,
    'phase                         p50 ms   p99 ms      QPS  requests  errors  cached | CPU ms/request: gateway  nginx  redis  qdrant  loadgen',
    ...phases.map((p) =>
      `${p.name.padEnd(28)} ${fmt(p50(p)).padStart(7)}  ${fmt(p99(p)).padStart(7)}  ${fmt(qps(p), 0).padStart(7)}  ${String(p.requests).padStart(8)}  ${String(p.errors).padStart(6)}  ${String(p.cachedAnswers).padStart(6)} |` +
      `                 ${cpu(p, 'gateway')} ${cpu(p, 'nginx')} ${cpu(p, 'redis')}  ${cpu(p, 'qdrant')}   ${cpu(p, 'loadgen')}`),
  ];
}

await runCli(async () => {
  const opts = new Command('bench:gateway')
    .option('--concurrency <n>', 'concurrent clients', '8')
    .option('--requests <n>', 'requests per phase (split over the rounds)', '3000')
    .option('--rounds <n>', 'rounds of interleaved phases', '3')
    .option('--serial <n>', 'requests of the one-client pass (0: skip)', '300')
    .option('--points <n>', 'points seeded into the collection', '2000')
    .option('--seed <n>', 'query seed (default: a new one per run, so that no query is cached already)')
    .option('--dir <path>', 'stack directory (default: .stack, or a temporary stack)')
    .parse()
    .opts<{ concurrency: string; requests: string; rounds: string; serial: string; points: string; seed?: string; dir?: string }>();
  const concurrency = Number(opts.concurrency);
  const requests = Number(opts.requests);
  const rounds = Number(opts.rounds);
  const serial = Number(opts.serial);
  const points = Number(opts.points);
  const querySeed = opts.seed !== undefined ? Number(opts.seed) : (Date.now() ^ (process.pid << 16)) >>> 0;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError('--concurrency must be an integer from 1 to 256');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new UserError('--rounds must be an integer from 1 to 20');
  if (!Number.isInteger(requests) || requests < rounds * concurrency || requests > 200_000) throw new UserError('--requests must be an integer from rounds x concurrency to 200000');
  if (!Number.isInteger(serial) || serial < 0 || serial > 10_000) throw new UserError('--serial must be an integer from 0 to 10000');
  if (!Number.isInteger(points) || points < 10 || points > 100_000) throw new UserError('--points must be an integer from 10 to 100000');
  if (!Number.isInteger(querySeed) || querySeed < 0) throw new UserError('--seed must be a non-negative integer');

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
    const slot = gw.slots.find((s) => s.name === gw.active) ?? gw.slots[0];
    const pids: Record<Component, number> = { gateway: slot?.pid ?? -1, nginx: gw.nginx.pid, redis: stack.redis.pid, qdrant: stack.qdrant.pid };
    const loadAtStart = loadLine();
    await seed(stack, points);

    const rand = prng(querySeed);
    const perRound = Math.floor(requests / rounds);
    const unique = Array.from({ length: perRound * rounds + serial + 200 }, () => randomVector(rand));
    const hot = Array.from({ length: HOT_QUERIES }, () => randomVector(rand));
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

    // warm-up: connections, JIT on both sides, the hot set into the cache
    const warm = unique.slice(perRound * rounds + serial);
    await runQueries(null, direct, warm, concurrency, pids);
    await runQueries(null, viaGateway, warm, concurrency, pids);
    await runQueries(null, viaGateway, Array.from({ length: 10 }, () => hot).flat(), concurrency, pids);

    const phases = { direct: newPhase('direct Qdrant'), gateway: newPhase('gateway (nginx), uncached'), cached: newPhase('gateway (nginx), cached') };
    for (let r = 0; r < rounds; r++) {
      const queries = unique.slice(r * perRound, (r + 1) * perRound);
      await runQueries(phases.direct, direct, queries, concurrency, pids);
      await runQueries(phases.gateway, viaGateway, queries, concurrency, pids);
      await runQueries(phases.cached, viaGateway, Array.from({ length: perRound }, (_, i) => hot[i % HOT_QUERIES] as number[]), concurrency, pids);
    }
    const serialPhases = { direct: newPhase('direct Qdrant'), gateway: newPhase('gateway (nginx), uncached') };
    if (serial > 0) {
      const queries = unique.slice(perRound * rounds, perRound * rounds + serial);
      const half = Math.floor(serial / 2);
      // two interleaved halves each, the same queries for both
      for (const part of [queries.slice(0, half), queries.slice(half)]) {
        await runQueries(serialPhases.direct, direct, part, 1, pids);
        await runQueries(serialPhases.gateway, viaGateway, part, 1, pids);
      }
    }
    const loadAtEnd = loadLine();

    const { direct: d, gateway: g, cached: c } = phases;
    const added = p50(g) - p50(d);
    const ratio = qps(g) / qps(d);
    const roundRatios = g.roundQps.map((q, i) => q / (d.roundQps[i] as number));
    const roundAdded = g.roundP50.map((x, i) => x - (d.roundP50[i] as number));
    const lines = [
      `gateway benchmark: ${COLLECTION} (dim ${DIM}), limit 10, ${concurrency} concurrent clients, ${perRound * rounds} requests per phase in ${rounds} interleaved rounds, query seed ${querySeed}`,
      `machine: ${cpus().length} cores, load average (1/5/15 min) ${loadAtStart} at start, ${loadAtEnd} at end`,
      '',
      ...table(`${concurrency} clients`, [d, g, c]),
      '',
      `gateway (uncached) vs direct: p50 added ${fmt(added)} ms (target <= 1 ms: ${added <= 1 ? 'met' : 'NOT met'}), ` +
        `QPS ${fmt(ratio * 100, 0)} % of direct (target >= 70 %: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
      `  per round: p50 added ${roundAdded.map((x) => fmt(x)).join(', ')} ms; QPS ratio ${roundRatios.map((x) => `${fmt(x * 100, 0)} %`).join(', ')} (median ${fmt(median(roundRatios) * 100, 0)} %)`,
      `gateway cached vs uncached: p50 ${fmt(p50(c))} vs ${fmt(p50(g))} ms, QPS x${fmt(qps(c) / qps(g))}; cached vs direct: QPS ${fmt((qps(c) / qps(d)) * 100, 0)} %`,
    ];
    if (serial > 0) {
      const sd = serialPhases.direct;
      const sg = serialPhases.gateway;
      lines.push('', ...table('1 client (no queueing)', [sd, sg]), '', `gateway (uncached) vs direct, 1 client: p50 added ${fmt(p50(sg) - p50(sd))} ms, p99 added ${fmt(p99(sg) - p99(sd))} ms`);
    }
    lines.push(
      '',
      'note: the load generator, nginx, the gateway, Redis and the engine share this machine\'s cores; on a saturated machine',
      'throughput follows CPU per request (columns on the right), latency also the scheduler\'s queue.',
    );
    if (g.cachedAnswers > 0) lines.push(`warning: ${g.cachedAnswers} answers of the uncached phase came from the cache (a repeated --seed?)`);
    console.log(lines.join('\n'));
    for (const p of [...Object.values(phases), ...Object.values(serialPhases)]) p.hist.destroy();
  } finally {
    if (tempDir) {
      await stackDown(tempDir);
      rmSync(tempDir, { recursive: true, force: true });
    }
  }
});
