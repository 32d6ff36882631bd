/**
 * Figure: open-loop latency against servers with known latency behaviour.
 *  1. A 40 ms + exponential(mean 20 ms) server and a log-normal one: open-mode p50/p99 vs the
 *     server's own records of the same requests (goal: within 5 %).
 *  2. A server that stalls 500 ms every 2 s: open loop shows the stall in its high percentiles,
 *     closed loop (autocannon) hides it.
 *  3. Send timing: timers only, polling the last ms, and polling with short naps (the default):
 *     how late sends start and what the driver's CPU costs at a moderate rate.
 *  4. `--workers 2` at 2,000/s: percentiles against the truth, CPU per request against wrk at
 *     about the same rate and against the Node.js floor (node-floor.ts) with 1 and 2 threads.
 * Prints, never asserts (the integration test asserts the structural facts).
 *   npx tsx src/bench/figures/driver-accuracy.ts [seconds per run] [raw|undici]
 */
import { CliCommand, runCli } from '../../util/cli.ts';
import { DURATION_HINT, argument, choice, duration } from '../../util/options.ts';
import { measureAgainstStub, relativeError } from '../accuracy.ts';
import type { AccuracyResult } from '../accuracy.ts';
import { HTTP_CLIENTS } from '../open-loop.ts';
import { startStubServer } from '../stub-server/spawn.ts';
import { runWrk, wrkInstalled } from '../wrk.ts';
import { measureNodeFloor } from './node-floor.ts';
import type { HttpClientKind } from '../open-loop.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const line = (label: string, r: AccuracyResult): string =>
  `  ${label.padEnd(34)} n=${String(r.requests).padStart(5)}  p50 ${r.client.p50.toFixed(2).padStart(8)}  p99 ${r.client.p99.toFixed(2).padStart(8)}  p99.9 ${r.client.p999.toFixed(2).padStart(8)}  max ${r.client.max.toFixed(2).padStart(8)} ms`;

async function figure(seconds: number, client: HttpClientKind): Promise<void> {
  console.log(`latency accuracy — open loop (${client} client) vs the server's own records (same requests)`);
  for (const [name, delay] of [
    ['40 ms + exp(mean 20 ms)', { kind: 'exp', baseMs: 40, meanMs: 20, seed: 5 }],
    ['lognormal(median 30 ms, σ 0.6)', { kind: 'lognormal', medianMs: 30, sigma: 0.6, seed: 9 }],
    ['fixed 5 ms', { kind: 'fixed', ms: 5 }],
  ] as const) {
    const r = await measureAgainstStub({ mode: 'open', client, delay, rate: 100, connections: 64, durationS: seconds });
    const t = r.truth.latency_ms;
    console.log(`  ${name}: driver p50 ${r.client.p50} ms vs truth ${t.p50} ms (${pct(relativeError(r.client.p50, t.p50))}); driver p99 ${r.client.p99} ms vs truth ${t.p99} ms (${pct(relativeError(r.client.p99, t.p99))}); send lag p99 ${r.timing ? (r.timing.sendLag.getValueAtPercentile(99) / 1000).toFixed(3) : '—'} ms`);
  }

  console.log('\nstalling server — 2 ms answers, all held 500 ms every 2 s');
  const stall = { everyMs: 2000, forMs: 500 };
  const delay = { kind: 'fixed', ms: 2 } as const;
  const open = await measureAgainstStub({ mode: 'open', client, delay, stall, rate: 200, connections: 256, durationS: seconds });
  const closed = await measureAgainstStub({ mode: 'closed', delay, stall, connections: 4, durationS: seconds });
  console.log(line('open loop (200/s, from intended)', open));
  console.log(line('closed loop (autocannon, 4 conns)', closed));
  console.log(`  server truth under open load:      p50 ${open.truth.latency_ms.p50}  p99 ${open.truth.latency_ms.p99} ms`);
  console.log(`  → open p99 shows ${pct(open.client.p99 / stall.forMs)} of the stall; closed p99 shows ${pct(closed.client.p99 / stall.forMs)}`);

  console.log('\nsend timing at 300 req/s against a fixed 5 ms server — how late sends start, and what it costs');
  for (const [name, spinMs, napUs] of [
    ['timers only (--spin-ms 0)', 0, 0],
    ['poll the last 1 ms (--nap-us 0)', 1, 0],
    ['poll with 100 µs naps (default)', 1, 100],
  ] as const) {
    const r = await measureAgainstStub({ mode: 'open', client, delay: { kind: 'fixed', ms: 5 }, rate: 300, connections: 64, durationS: seconds, spinMs, napUs });
    const lag = r.timing!.sendLag;
    const ms = (us: number): string => (us / 1000).toFixed(3);
    console.log(`  ${name.padEnd(34)} send lag p50 ${ms(lag.getValueAtPercentile(50))}  p99 ${ms(lag.getValueAtPercentile(99))} ms;  driver CPU ${((100 * r.driverCpuUs) / 1000 / r.driverWallMs).toFixed(1)} % of one core;  p50 ${r.client.p50} ms vs truth ${r.truth.latency_ms.p50} ms`);
  }

  console.log('\n--workers 2 at 2,000/s against 40 ms + exp(mean 20 ms) — accuracy, and CPU per request against wrk and the Node.js floor at the same rate');
  const delayExp = { kind: 'exp', baseMs: 40, meanMs: 20, seed: 5 } as const;
  const perRequest = new Map<number, number>();
  for (const [name, workers] of [['1 driver', 1], ['--workers 2', 2]] as const) {
    const r = await measureAgainstStub({ mode: 'open', client, workers, delay: delayExp, rate: 2000, connections: 400, durationS: seconds, spinMs: 0 });
    const t = r.truth.latency_ms;
    perRequest.set(workers, r.driverCpuUs / r.requests);
    console.log(`  ${name.padEnd(12)} p50 ${r.client.p50} vs truth ${t.p50} ms (${pct(relativeError(r.client.p50, t.p50))}); p99 ${r.client.p99} vs ${t.p99} ms (${pct(relativeError(r.client.p99, t.p99))}); ${(r.driverCpuUs / r.requests).toFixed(1)} µs CPU/request; host steal ${r.stealPct === null ? '?' : r.stealPct.toFixed(1)} %`);
  }
  await using server = await startStubServer({ delay: delayExp });
  const search = { url: server.url, path: '/api/v1/vectors/search', body: Buffer.from(JSON.stringify({ collection: 'accuracy', vector: Array.from({ length: 32 }, (_, i) => Math.sin(i)), limit: 1 })), headers: { 'content-type': 'application/json' } };
  const floors = new Map<number, number>();
  for (const threads of [1, 2]) {
    const f = await measureNodeFloor({ ...search, rate: 2000, connections: 400, durationS: seconds }, threads);
    floors.set(threads, f.cpu_us_per_request);
    console.log(`  Node.js floor, ${threads} thread${threads === 1 ? ' ' : 's'} ${f.cpu_us_per_request.toFixed(1)} µs CPU/request (sockets written on timer ticks, answers counted: nothing timed or recorded)`);
  }
  if (!wrkInstalled()) {
    console.log('  wrk: not installed (apt-get install -y wrk)');
    return;
  }
  // wrk has no rate: 120 connections on a server of 60 ms mean latency make about 2,000/s
  const w = await runWrk({ ...search, connections: 120, durationS: seconds });
  console.log(`  wrk -t1 -c120 ${w.requests_per_s} req/s, ${w.cpu_us_per_request} µs CPU/request (goal: --workers 2 ≤ 1.5× this)`);
  if (w.cpu_us_per_request > 0) {
    const x = (us: number | undefined): string => `×${((us ?? NaN) / w.cpu_us_per_request).toFixed(2)}`;
    const two = (perRequest.get(2) ?? NaN) / w.cpu_us_per_request;
    console.log(`  against wrk: --workers 2 ${x(perRequest.get(2))} (goal ≤ ×1.5: ${two <= 1.5 ? 'met' : 'NOT met'}), 1 driver ${x(perRequest.get(1))}; the Node.js floor ${x(floors.get(2))} with 2 threads, ${x(floors.get(1))} with 1`);
  }
}

const program = new CliCommand('driver-accuracy')
  .description('figure: open-loop latency against servers of known latency, stalls in open vs closed loop, send timing (prints, never asserts)')
  .addArgument(argument('[seconds]', `time per run (${DURATION_HINT})`, duration({ min: 1, max: 600 })).default(8))
  .addArgument(argument('[client]', `open mode HTTP client: ${HTTP_CLIENTS.join(' or ')}`, choice(HTTP_CLIENTS)).default('raw'))
  .action((seconds: number, client: HttpClientKind) => figure(seconds, client));

await runCli(program);
