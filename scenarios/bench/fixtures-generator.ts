/**
 * Figure: generator throughput at dim 768 on one core (this thread): vectors/s and GB/s of
 * float32 output, plus the JSON serialization rate the loader and `export` pay on top.
 * A benchmark that prints, not a test. Run: npx tsx scenarios/bench/fixtures-generator.ts [--seconds 3] [--dim 768]
 */
import { getDataset } from '../../fixtures/src/datasets.ts';
import { fillVectors } from '../../fixtures/src/generator.ts';
import { threefry4x32 } from '../../fixtures/src/prng.ts';
import { upsertBodyBytes } from '../../fixtures/src/serialize.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seconds = arg('seconds', 3);
const dim = arg('dim', 768);
const spec = getDataset('100m-768', { dim });
const BATCH = 512;
const buf = new Float32Array(BATCH * dim);

// Rates per CPU-second of this thread (what "one core" means on a shared machine), wall rate beside.
const cpuMs = (): number => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

function timeIt(label: string, work: (round: number) => number): number {
  work(0); // warm up the JIT
  const started = performance.now();
  const cpu0 = cpuMs();
  let items = 0;
  let round = 1;
  while (performance.now() - started < seconds * 1000) items += work(round++);
  const perSec = (items * 1000) / (cpuMs() - cpu0);
  const wall = (items * 1000) / (performance.now() - started);
  console.log(`${label.padEnd(34)} ${Math.round(perSec).toLocaleString('en-US').padStart(14)} /s per CPU-second (${Math.round(wall).toLocaleString('en-US')} /s wall)`);
  return perSec;
}

console.log(`generator figures: dim ${dim}, one core (main thread), ${seconds} s each, Node ${process.versions.node}`);
const out = new Uint32Array(4);
const blocks = timeIt('Threefry-4x32-20 blocks', () => {
  for (let n = 0; n < 100_000; n++) threefry4x32([1, 2, 3, 4], n, 0, 0, 0, out);
  return 100_000;
});
const vps = timeIt('vectors (fillVectors)', (round) => {
  fillVectors(spec, (round * BATCH) % (spec.count - BATCH), BATCH, buf);
  return BATCH;
});
const json = timeIt('vectors + JSON upsert body', (round) => {
  const from = (round * BATCH) % (spec.count - BATCH);
  fillVectors(spec, from, BATCH, buf);
  upsertBodyBytes(spec, from, BATCH, buf);
  return BATCH;
});
const bytes = vps * dim * 4;
console.log(`=> ${Math.round(vps).toLocaleString('en-US')} vectors/s = ${(bytes / 1e9).toFixed(3)} GB/s of float32 at dim ${dim} (${(blocks * 16 / 1e9).toFixed(3)} GB/s of raw Threefry output)`);
console.log(`=> with JSON serialization: ${Math.round(json).toLocaleString('en-US')} vectors/s; 100M × ${dim} takes ${(spec.count / vps / 3600).toFixed(2)} h on one core (${(spec.count / vps / 3600 / 16).toFixed(2)} h on 16)`);
