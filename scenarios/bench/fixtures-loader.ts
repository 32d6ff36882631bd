/**
 * Figure: loader points/s into qdrant-local (or a real qdrant), against Python qdrant-client's
 * `upload_points` on the same data in the same run, and the ratio. Both load identical points:
 * `fixtures export` writes them as JSON lines, the Python side reads that file; our loader
 * generates them on the fly (generation and serialization count against it, file parsing does
 * not count against Python). A benchmark that prints, not a test.
 *
 * Run: npx tsx scenarios/bench/fixtures-loader.ts [--dataset medium-768] [--size 20000] [--batch 256]
 *        [--parallel 4] [--py-parallel 1] [--method points|collection] [--qdrant-url URL]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset } from '../../fixtures/src/datasets.ts';
import { exportPoints } from '../../fixtures/src/node/export.ts';
import { loadDataset } from '../../fixtures/src/node/loader.ts';
import { QdrantRest } from '../../fixtures/src/node/qdrant-rest.ts';
import { startQdrant } from '../../src/stack/services/qdrant.ts';
import { REPO_ROOT, venvDir } from '../../src/util/paths.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const dataset = arg('dataset', 'medium-768');
const size = Number(arg('size', '20000'));
const batch = Number(arg('batch', '256'));
const parallel = Number(arg('parallel', '4'));
const pyParallel = Number(arg('py-parallel', '1'));
const method = arg('method', 'points');
const spec = getDataset(dataset, { size });
const dir = mkdtempSync(join(tmpdir(), 'vdb-fixtures-loader-'));
const apiKey = 'fixtures-bench-key';
const external = process.argv.includes('--qdrant-url');
const qdrant = external ? undefined : await startQdrant({ storagePath: join(dir, 'storage'), logPath: join(dir, 'qdrant.log'), apiKey });
const url = external ? arg('qdrant-url', '') : qdrant!.info.url;
const key = external ? process.env.VDB_QDRANT_API_KEY : apiKey;

try {
  console.log(`loader figures: ${spec.name} ${size.toLocaleString('en-US')} × ${spec.dim}, batch ${batch}, into ${qdrant?.info.engine ?? 'qdrant'} ${qdrant?.info.version ?? ''} at ${url}`);
  const file = join(dir, 'points.jsonl');
  let t = performance.now();
  const out = createWriteStream(file);
  await exportPoints(spec, 0, size, out);
  await new Promise<void>((r) => out.end(r));
  console.log(`export (JSON lines for the Python side): ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const node = await loadDataset({ qdrantUrl: url, apiKey: key, collection: 'fx-node', spec, batchSize: batch, parallel });
  const nodeRate = node.uploaded / ((performance.now() - t) / 1000);

  const python = join(venvDir(), 'bin', 'python');
  if (!existsSync(python)) throw new Error(`no Python venv at ${venvDir()}: run \`npm run stack -- up\` once`);
  const py = await new Promise<{ pointsPerSecond: number; seconds: number; counted: number; parseSeconds: number; method: string }>((resolve, reject) => {
    const child = spawn(
      python,
      [join(REPO_ROOT, 'fixtures', 'scripts', 'qdrant_client_upload.py'), '--url', url, '--collection', 'fx-python', '--file', file, '--dim', String(spec.dim), '--distance', spec.distance, '--batch', String(batch), '--parallel', String(pyParallel), '--method', method],
      { env: { ...process.env, QDRANT_API_KEY: key ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!)) : reject(new Error(`python uploader exited ${code}: ${stdout}`))));
  });

  const rest = new QdrantRest({ url, apiKey: key, timeoutMs: 300_000 });
  const [a, b] = await Promise.all([rest.count('fx-node'), rest.count('fx-python')]);
  const [pa, pb] = await Promise.all(
    ['fx-node', 'fx-python'].map((c) => rest.call<Array<{ vector: number[] }>>('POST', `/collections/${c}/points`, JSON.stringify({ ids: [size - 1], with_vector: true }))),
  );
  await rest.close();
  const same = JSON.stringify(pa![0]!.vector) === JSON.stringify(pb![0]!.vector);

  console.log(`fixtures loader (Node, ${parallel} in flight):  ${Math.round(nodeRate).toLocaleString('en-US').padStart(8)} points/s  (${node.seconds.toFixed(1)} s, count ${a})`);
  console.log(`qdrant-client ${py.method} (parallel ${pyParallel}): ${Math.round(py.pointsPerSecond).toLocaleString('en-US').padStart(8)} points/s  (${py.seconds.toFixed(1)} s + ${py.parseSeconds.toFixed(1)} s parsing not counted, count ${b})`);
  console.log(`ratio Node / Python: ${(nodeRate / py.pointsPerSecond).toFixed(2)}×; same stored vector for id ${size - 1}: ${same ? 'yes' : 'NO'}`);
} finally {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
}
