/**
 * `npm run bench:gateway [-- --concurrency 8 --requests 3000 --rounds 3 --serial 1000 --warmup 1500 --points 2000 --placement split --workers-scaling 1,2 --dir <stack dir> --out <dir>]`:
 * the same searches, at the same concurrency and in the same number, in one run: directly to
 * Qdrant, through the gateway (via nginx) uncached, and through the gateway with a warm cache.
 *
 * What decides the two targets:
 * - throughput: QPS through the gateway (uncached) over QPS direct, both saturated by
 *   `--concurrency` clients (target >= 70 %);
 * - latency added: p50 through the gateway minus p50 direct with one client (`--serial`), that is
 *   without queueing (target <= 1 ms). With 8 clients both paths are saturated, so their p50 is
 *   the queue (clients / QPS, Little's law) and its difference only restates the QPS ratio; it
 *   is printed, not judged.
 *
 * Fairness on a shared machine:
 * - placement (`--placement split`, the default on 2 cores or more): the engine on its own
 *   cores, the gateway tier and the load generator on the others, as with separate hosts in
 *   production; `shared` lets every process use every core (then the gateway also takes CPU
 *   from the engine, and the ratio measures co-location as much as the gateway);
 * - the direct and the uncached gateway phases send the very same query vectors, drawn from a
 *   seed that differs per run (`--seed`), so that no uncached query was ever cached before
 *   (the bench counts answers marked `cached: true` there and reports them);
 * - the phases are interleaved in `--rounds` rounds (direct, gateway, cached, direct, ...)
 *   so that a change in the machine's load hits all of them, and their histograms merged;
 * - a warm-up of `--warmup` searches on each path precedes the rounds (connections, the JIT
 *   of a freshly started gateway, the cached phase's hot set);
 * - the machine's load average is printed at start and end, and the CPU time each process of
 *   the stack (gateway, nginx, Redis, Qdrant with its workers) and the load generator spent
 *   per request in each phase (Linux /proc), which is what decides throughput on a saturated
 *   machine.
 * Uses the running local stack (`<dir>/stack.json`, `--dir` or VDB_STACK_DIR or `.stack`; its CPU
 * affinity given back at the end), or brings one up in a temp dir with the suite's documented
 * command (`npm run stack -- up`, VDB_STACK_DIR set to it) and takes it down afterwards
 * (`npm run stack -- down`). The gateway and the suite meet only through that command and the
 * stack.json it writes: nothing of the suite is imported here.
 * Then the gateway-bound phase (`--bound`, lib/gateway-bound.ts): the uncached path once more, through a
 * second gateway process whose stand-in engine answers at once, so that the gateway rather than
 * the engine saturates: what a fully busy gateway core spends per uncached search.
 * After the phases: the capacity arithmetic for the runbook's production shape (lib/capacity.ts)
 * and 1 → N gateway workers, each count in a fresh temporary stack of its own (lib/scaling.ts).
 * All of it is also written as a `vdb-readiness/capacity@1` results file (lib/results.ts) to
 * `--out` (default reports/out/<run-id>/), which the suite's `npm run report` shows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineCpu, stealPct } from '@vdb-readiness/proc-stat';
import { command, CommandError, consoleIo, ExitCode, parseArgs, runMain, UsageError } from '../src/cli/run.ts';
import { applyPlacement, type Placement, type PlacementKind } from './lib/placement.ts';
import { throughputTargets } from './lib/targets.ts';
import { ClosedLoop, newPhase, prng, randomVector, type Component, type Phase, type Target } from './lib/closed-loop.ts';
import { capacityPlan, renderCapacity, type CapacityInput } from './lib/capacity.ts';
import { COLLECTION, DIM, gatewaySearch, HOT_QUERIES, seed } from './lib/collection.ts';
import { measureGatewayBound } from './lib/gateway-bound.ts';
import { capacityDocument, capacityRunId, writeCapacityResults, type CapacityRun } from './lib/results.ts';
import { measureScaling, renderScaling, SCALING_TARGET } from './lib/scaling.ts';
import { readStack, REPO_ROOT, stackCli, stackDirOf } from './lib/stack.ts';

/**
 * Uncached searches that warm the gateway-bound phase's fresh gateway process: measured here,
 * its CPU per search settles only after a few thousand (the JIT), 1,000 read twice as high.
 */
const BOUND_WARMUP = 5000;
/** Requests per block of the one-client pass (direct and gateway blocks alternate). */
const SERIAL_BLOCK = 50;

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
/** The exact q-th percentile (nearest rank) of a phase's latencies, in ms; NaN without any. */
const percentile = (p: Phase, q: number) => {
  const s = [...p.latenciesMs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.max(0, Math.ceil((q / 100) * s.length) - 1)] as number);
};
const p50 = (p: Phase) => percentile(p, 50);
const p99 = (p: Phase) => percentile(p, 99);
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

await runMain(async () => {
  const program = command('bench:gateway', consoleIo)
    .option('--concurrency <n>', 'concurrent clients', '8')
    .option('--requests <n>', 'requests per phase (split over the rounds)', '3000')
    .option('--rounds <n>', 'rounds of interleaved phases', '3')
    .option('--serial <n>', 'requests of the one-client pass (0: skip)', '1000')
    .option('--bound <n>', 'uncached searches of the gateway-bound phase, the engine answering at once (0: skip)', '5000')
    .option('--warmup <n>', 'searches on each path before the rounds', '1500')
    .option('--points <n>', 'points seeded into the collection', '2000')
    .option('--placement <kind>', 'split (engine on its own cores) or shared', 'split')
    .option('--seed <n>', 'query seed (default: a new one per run, so that no query is cached already)')
    .option('--workers-scaling <list>', 'gateway worker counts for the scaling phase, each in its own temporary stack (none: skip)', '1,2')
    .option('--scaling-requests <n>', 'cached searches per visit of the scaling phase', '4000')
    .option('--scaling-concurrency <n>', 'clients of the scaling phase', '16')
    .option('--dir <path>', 'stack directory (default: VDB_STACK_DIR or .stack, else a temporary stack)')
    .option('--out <dir>', 'where results.json (vdb-readiness/capacity@1) goes (default: reports/out/<run-id>)');
  const stop = parseArgs(program, process.argv.slice(2));
  if (stop !== null) return stop;
  const opts = program.opts<{
    concurrency: string; requests: string; rounds: string; serial: string; bound: string; warmup: string; points: string; placement: string; seed?: string; dir?: string;
    workersScaling: string; scalingRequests: string; scalingConcurrency: string; out?: string;
  }>();
  const concurrency = Number(opts.concurrency);
  const requests = Number(opts.requests);
  const rounds = Number(opts.rounds);
  const serial = Number(opts.serial);
  const bound = Number(opts.bound);
  const warmup = Number(opts.warmup);
  const points = Number(opts.points);
  const querySeed = opts.seed !== undefined ? Number(opts.seed) : (Date.now() ^ (process.pid << 16)) >>> 0;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency must be an integer from 1 to 256');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new UsageError('--rounds must be an integer from 1 to 20');
  if (!Number.isInteger(requests) || requests < rounds * concurrency || requests > 200_000) throw new UsageError('--requests must be an integer from rounds x concurrency to 200000');
  if (!Number.isInteger(serial) || serial < 0 || serial > 10_000) throw new UsageError('--serial must be an integer from 0 to 10000');
  if (!Number.isInteger(bound) || bound < 0 || bound > 200_000) throw new UsageError('--bound must be an integer from 0 to 200000');
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100_000) throw new UsageError('--warmup must be an integer from 0 to 100000');
  if (opts.placement !== 'split' && opts.placement !== 'shared') throw new UsageError('--placement must be split or shared');
  if (!Number.isInteger(points) || points < 10 || points > 100_000) throw new UsageError('--points must be an integer from 10 to 100000');
  if (!Number.isInteger(querySeed) || querySeed < 0) throw new UsageError('--seed must be a non-negative integer');
  const scalingWorkers = opts.workersScaling === 'none' ? [] : opts.workersScaling.split(',').map(Number);
  if (scalingWorkers.some((n) => !Number.isInteger(n) || n < 1 || n > 64) || (scalingWorkers.length > 0 && scalingWorkers[0] !== 1) || scalingWorkers.some((n, i) => i > 0 && n <= scalingWorkers[i - 1]!))
    throw new UsageError('--workers-scaling must be increasing worker counts from 1 to 64 starting at 1 (e.g. 1,2,4), or none');
  const scalingRequests = Number(opts.scalingRequests);
  const scalingConcurrency = Number(opts.scalingConcurrency);
  if (!Number.isInteger(scalingRequests) || scalingRequests < 100 || scalingRequests > 200_000) throw new UsageError('--scaling-requests must be an integer from 100 to 200000');
  if (!Number.isInteger(scalingConcurrency) || scalingConcurrency < 1 || scalingConcurrency > 256) throw new UsageError('--scaling-concurrency must be an integer from 1 to 256');

  let stack = readStack(stackDirOf(opts.dir));
  let tempDir: string | null = null;
  let placement: Placement | null = null;
  const openLoops: ClosedLoop[] = [];
  let failure: unknown;
  const runId = capacityRunId();
  const outDir = opts.out ?? join(REPO_ROOT, 'reports', 'out', runId);
  let run: CapacityRun | null = null;
  const startedAt = new Date().toISOString();
  try {
    if (!stack?.gateway) {
      tempDir = mkdtempSync(join(tmpdir(), 'vdb-bench-gw-'));
      console.error(`no running stack with a gateway: starting one in ${tempDir} (npm run stack -- up)`);
      await stackCli('up', tempDir);
      stack = readStack(tempDir);
      if (!stack) throw new CommandError(`npm run stack -- up wrote no stack.json in ${tempDir}`);
    }
    const gw = stack.gateway;
    if (!gw) throw new CommandError('the stack came up without a gateway');
    const slot = gw.slots.find((s) => s.name === gw.active) ?? gw.slots[0];
    const pids: Record<Component, number> = { gateway: slot?.pid ?? -1, nginx: gw.nginx.pid, redis: stack.redis.pid, qdrant: stack.qdrant.pid };
    placement = applyPlacement(opts.placement as PlacementKind, [pids.qdrant], [pids.gateway, pids.nginx, pids.redis, process.pid]);
    const loadAtStart = loadLine();
    const cpuAtStart = machineCpu();
    await seed(stack, points);

    const rand = prng(querySeed);
    const perRound = Math.floor(requests / rounds);
    const boundWarmup = bound > 0 ? BOUND_WARMUP : 0;
    const unique = Array.from({ length: perRound * rounds + serial + warmup + bound + boundWarmup }, () => randomVector(rand, DIM));
    const hot = Array.from({ length: HOT_QUERIES }, () => randomVector(rand, DIM));
    const direct: Target = {
      origin: stack.qdrant.url,
      path: `/collections/${COLLECTION}/points/query`,
      headers: { 'content-type': 'application/json', 'api-key': stack.qdrant.apiKey },
      body: (v) => JSON.stringify({ query: v, limit: 10 }),
    };
    const viaGateway = gatewaySearch(gw);

    const loops = { direct: new ClosedLoop(direct, concurrency), gateway: new ClosedLoop(viaGateway, concurrency), directSerial: new ClosedLoop(direct, 1), gatewaySerial: new ClosedLoop(viaGateway, 1) };
    openLoops.push(...Object.values(loops));

    // warm-up: connections, JIT on both sides, the hot set into the cache
    const warm = unique.slice(perRound * rounds + serial, perRound * rounds + serial + warmup);
    await loops.direct.run(null, warm, pids);
    await loops.gateway.run(null, warm, pids);
    await loops.gateway.run(null, Array.from({ length: 10 }, () => hot).flat(), pids);
    await loops.directSerial.run(null, warm.slice(0, SERIAL_BLOCK), pids);
    await loops.gatewaySerial.run(null, warm.slice(SERIAL_BLOCK, 2 * SERIAL_BLOCK), pids);

    const phases = { direct: newPhase('direct Qdrant'), gateway: newPhase('gateway (nginx), uncached'), cached: newPhase('gateway (nginx), cached') };
    for (let r = 0; r < rounds; r++) {
      const queries = unique.slice(r * perRound, (r + 1) * perRound);
      await loops.direct.run(phases.direct, queries, pids);
      await loops.gateway.run(phases.gateway, queries, pids);
      await loops.gateway.run(phases.cached, Array.from({ length: perRound }, (_, i) => hot[i % HOT_QUERIES] as number[]), pids);
    }
    const serialPhases = { direct: newPhase('direct Qdrant'), gateway: newPhase('gateway (nginx), uncached') };
    if (serial > 0) {
      const queries = unique.slice(perRound * rounds, perRound * rounds + serial);
      // short alternating blocks, the same queries for both paths, so that a change in the
      // machine's load hits both alike
      for (let i = 0; i < queries.length; i += SERIAL_BLOCK) {
        const block = queries.slice(i, i + SERIAL_BLOCK);
        await loops.directSerial.run(serialPhases.direct, block, pids);
        await loops.gatewaySerial.run(serialPhases.gateway, block, pids);
      }
    }
    let boundPhase: Phase | null = null;
    let boundFailure: string | null = null;
    if (bound > 0) {
      const from = perRound * rounds + serial + warmup;
      try {
        boundPhase = await measureGatewayBound(stack, {
          concurrency,
          warmup: unique.slice(from, from + boundWarmup),
          queries: unique.slice(from + boundWarmup, from + boundWarmup + bound),
          placement,
          log: (l) => console.error(l),
        });
      } catch (err) {
        // the phases through the real engine stand without it
        boundFailure = `the gateway-bound phase failed: ${(err as Error).message}`;
        console.error(`warning: ${boundFailure}`);
      }
    }
    const loadAtEnd = loadLine();
    const steal = stealPct(cpuAtStart, machineCpu());

    const { direct: d, gateway: g, cached: c } = phases;
    const ratio = qps(g) / qps(d);
    const roundRatios = g.roundQps.map((q, i) => q / (d.roundQps[i] as number));
    const lines = [
      `gateway benchmark: ${COLLECTION} (dim ${DIM}), limit 10, ${concurrency} concurrent clients, ${perRound * rounds} requests per phase in ${rounds} interleaved rounds after ${warmup} warm-up searches per path, query seed ${querySeed}`,
      `machine: ${cpus().length} cores, load average (1/5/15 min) ${loadAtStart} at start, ${loadAtEnd} at end; the hypervisor took ${steal === null ? '?' : fmt(steal, 1)} % of the CPU meanwhile (steal)`,
      `placement: ${placement.description}`,
      '',
      ...table(`${concurrency} clients (saturated: throughput)`, [d, g, c]),
      '',
      `throughput: gateway (uncached) QPS ${fmt(ratio * 100, 0)} % of direct (${throughputTargets(ratio, placement.kind, concurrency)}); ` +
        `per round ${roundRatios.map((x) => `${fmt(x * 100, 0)} %`).join(', ')} (median ${fmt(median(roundRatios) * 100, 0)} %)`,
      `  p50 at ${concurrency} clients: ${fmt(p50(g))} vs ${fmt(p50(d))} ms direct (${fmt(p50(g) - p50(d))} ms): both paths saturated, this is queueing (clients / QPS), not judged`,
      `cached: p50 ${fmt(p50(c))} vs ${fmt(p50(g))} ms uncached, QPS x${fmt(qps(c) / qps(g))}; ${fmt((qps(c) / qps(d)) * 100, 0)} % of direct`,
    ];
    if (serial > 0) {
      const sd = serialPhases.direct;
      const sg = serialPhases.gateway;
      const added = p50(sg) - p50(sd);
      lines.push(
        '',
        ...table('1 client (no queueing: latency)', [sd, sg]),
        '',
        `latency added: p50 ${fmt(added)} ms (target <= 1 ms: ${added <= 1 ? 'met' : 'NOT met'}), p99 ${fmt(p99(sg) - p99(sd))} ms`,
      );
    } else {
      lines.push('', 'latency added: not measured (--serial 0)');
    }
    const gatewayBound = boundPhase ? { perS: qps(boundPhase), gatewayMs: boundPhase.cpuMs.gateway / boundPhase.requests, redisMs: boundPhase.cpuMs.redis / boundPhase.requests } : null;
    if (gatewayBound) {
      const nginxMs = g.cpuMs.nginx / g.requests;
      const inPath = (g.cpuMs.gateway + g.cpuMs.nginx + g.cpuMs.redis) / g.requests;
      lines.push(
        '',
        `gateway bound (${bound} uncached searches, ${concurrency} clients, straight to a second gateway whose stand-in engine answers at once with a real answer):`,
        `  ${fmt(gatewayBound.perS, 0)} searches/s; CPU per uncached search: gateway ${fmt(gatewayBound.gatewayMs * 1000, 0)} µs, Redis ${fmt(gatewayBound.redisMs * 1000, 0)} µs` +
          ` (+ nginx ${fmt(nginxMs * 1000, 0)} µs from the uncached phase: tier ${fmt((gatewayBound.gatewayMs + gatewayBound.redisMs + nginxMs) * 1000, 0)} µs, against ${fmt(inPath * 1000, 0)} µs while waiting on the engine)`,
        '  a fully busy gateway spends less per search than one waiting on the engine: it wakes once for many answers, not once for each',
      );
    }
    lines.push(
      '',
      placement.kind === 'split'
        ? 'note: the engine has its own CPUs, the gateway tier shares the others with the load generator; throughput follows the CPU per\n' +
          'request (columns on the right) of whichever side saturates first.'
        : 'note: the load generator, nginx, the gateway, Redis and the engine share this machine\'s cores; on a saturated machine\n' +
          'throughput follows CPU per request (columns on the right), latency also the scheduler\'s queue.',
    );
    if (g.cachedAnswers > 0) lines.push(`warning: ${g.cachedAnswers} answers of the uncached phase came from the cache (a repeated --seed?)`);
    const perSearch = (p: Phase) => ({ gateway: p.cpuMs.gateway / p.requests, nginx: p.cpuMs.nginx / p.requests, redis: p.cpuMs.redis / p.requests, qdrant: p.cpuMs.qdrant / p.requests });
    const capacityInput: CapacityInput = {
      engine: { kind: stack.qdrant.engine, version: stack.qdrant.version },
      uncached: perSearch(g),
      directEngineMs: d.cpuMs.qdrant / d.requests,
      cached: perSearch(c),
      unloadedP95Ms: serial > 0 ? percentile(serialPhases.gateway, 95) : null,
    };
    const plan = capacityPlan(capacityInput);
    lines.push('', ...renderCapacity(capacityInput, plan));
    console.log(lines.join('\n'));
    run = {
      runId,
      startedAt,
      machine: { cores: cpus().length, placement: placement.description, loadAverage: `${loadAtStart} at start, ${loadAtEnd} at end`, stealPct: steal },
      measured: { concurrency, requestsPerPhase: perRound * rounds, directPerS: qps(d), gatewayUncachedPerS: qps(g), gatewayCachedPerS: qps(c), gatewayBound },
      input: capacityInput,
      plan,
      scaling: null,
      warnings: [
        ...(g.cachedAnswers > 0 ? [`${g.cachedAnswers} answers of the uncached phase came from the cache (a repeated --seed?)`] : []),
        ...(boundFailure ? [boundFailure] : []),
      ],
    };
    writeCapacityResults(outDir, capacityDocument(run, scalingWorkers.length > 1 ? 'running' : 'complete'));
  } catch (err) {
    failure = err;
  }
  for (const loop of openLoops) loop.close();
  placement?.restore();
  if (tempDir) {
    try {
      await stackCli('down', tempDir);
      // after a failure the logs stay, for the why
      if (failure === undefined) rmSync(tempDir, { recursive: true, force: true });
      else console.error(`the temporary stack's logs stay in ${join(tempDir, 'logs')}`);
    } catch (err) {
      // a failing clean-up must not hide why the benchmark failed
      if (failure === undefined) failure = err;
      else console.error(`error: ${(err as Error).message} (the temporary stack's state stays in ${tempDir})`);
    }
  }
  if (failure !== undefined) throw failure;
  if (scalingWorkers.length > 1 && run) {
    try {
      const scaling = await measureScaling({ workers: scalingWorkers, concurrency: scalingConcurrency, requests: scalingRequests, points, log: (l) => console.error(l) });
      console.log(['', ...renderScaling(scaling, scalingConcurrency, cpus().length)].join('\n'));
      run.scaling = { concurrency: scalingConcurrency, points: scaling, target: SCALING_TARGET };
    } catch (err) {
      // what was measured stays: the phases and the plan, the run marked interrupted
      run.warnings.push(`the worker-scaling phase failed: ${(err as Error).message}`);
      writeCapacityResults(outDir, capacityDocument(run, 'interrupted'));
      console.error(`capacity results (interrupted): ${join(outDir, 'results.json')}`);
      throw err;
    }
    writeCapacityResults(outDir, capacityDocument(run, 'complete'));
  }
  console.log(`\ncapacity results: ${join(outDir, 'results.json')} (npm run report -- ${join(outDir, 'results.json')})`);
  return ExitCode.Ok;
});
