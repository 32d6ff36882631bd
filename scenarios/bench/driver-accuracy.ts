/**
 * Figure: open-loop latency against servers with known latency behaviour.
 *  1. A 40 ms + exponential(mean 20 ms) server and a log-normal one: open-mode p50/p99 vs the
 *     server's own records of the same requests (goal: within 5 %).
 *  2. A server that stalls 500 ms every 2 s: open loop shows the stall in its high percentiles,
 *     closed loop (autocannon) hides it.
 * Prints, never asserts (the integration test asserts the structural facts).
 *   npx tsx scenarios/bench/driver-accuracy.ts [seconds per run]
 */
import { measureAgainstStub, relativeError } from '../../src/bench/accuracy.ts';
import type { AccuracyResult } from '../../src/bench/accuracy.ts';

const seconds = Number(process.argv[2] ?? 8);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const line = (label: string, r: AccuracyResult): string =>
  `  ${label.padEnd(34)} n=${String(r.requests).padStart(5)}  p50 ${r.client.p50.toFixed(2).padStart(8)}  p99 ${r.client.p99.toFixed(2).padStart(8)}  p99.9 ${r.client.p999.toFixed(2).padStart(8)}  max ${r.client.max.toFixed(2).padStart(8)} ms`;

console.log('latency accuracy — open loop vs the server\'s own records (same requests)');
for (const [name, delay] of [
  ['40 ms + exp(mean 20 ms)', { kind: 'exp', baseMs: 40, meanMs: 20, seed: 5 }],
  ['lognormal(median 30 ms, σ 0.6)', { kind: 'lognormal', medianMs: 30, sigma: 0.6, seed: 9 }],
  ['fixed 5 ms', { kind: 'fixed', ms: 5 }],
] as const) {
  const r = await measureAgainstStub({ mode: 'open', delay, rate: 100, connections: 64, durationS: seconds });
  const t = r.truth.latency_ms;
  console.log(`  ${name}: driver p50 ${r.client.p50} ms vs truth ${t.p50} ms (${pct(relativeError(r.client.p50, t.p50))}); driver p99 ${r.client.p99} ms vs truth ${t.p99} ms (${pct(relativeError(r.client.p99, t.p99))}); send lag p99 ${r.timing ? (r.timing.sendLag.getValueAtPercentile(99) / 1000).toFixed(3) : '—'} ms`);
}

console.log('\nstalling server — 2 ms answers, all held 500 ms every 2 s');
const stall = { everyMs: 2000, forMs: 500 };
const delay = { kind: 'fixed', ms: 2 } as const;
const open = await measureAgainstStub({ mode: 'open', delay, stall, rate: 200, connections: 256, durationS: seconds });
const closed = await measureAgainstStub({ mode: 'closed', delay, stall, connections: 4, durationS: seconds });
console.log(line('open loop (200/s, from intended)', open));
console.log(line('closed loop (autocannon, 4 conns)', closed));
console.log(`  server truth under open load:      p50 ${open.truth.latency_ms.p50}  p99 ${open.truth.latency_ms.p99} ms`);
console.log(`  → open p99 shows ${pct(open.client.p99 / stall.forMs)} of the stall; closed p99 shows ${pct(closed.client.p99 / stall.forMs)}`);
