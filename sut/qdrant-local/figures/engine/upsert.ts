/** Upsert a range of dataset points with N concurrent clients; points/s and per-request latency. */
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { DatasetSpec } from '../../tests/helpers/dataset.ts';
import { fillVectors, payloadAt } from '../../tests/helpers/dataset.ts';
import { latencyMs, newHistogram, recordSince } from './latency.ts';
import type { LatencyMs } from './latency.ts';

export interface UpsertFigures {
  concurrency: number;
  points: number;
  seconds: number;
  pointsPerSecond: number;
  requestLatencyMs: LatencyMs;
}

export function batchBody(spec: DatasetSpec, from: number, count: number): { ids: number[]; vectors: number[][]; payloads: Array<Record<string, unknown>> } {
  const flat = fillVectors(spec, from, count);
  const ids: number[] = [];
  const vectors: number[][] = [];
  const payloads: Array<Record<string, unknown>> = [];
  for (let k = 0; k < count; k++) {
    ids.push(from + k);
    vectors.push(Array.from(flat.subarray(k * spec.dim, (k + 1) * spec.dim)));
    payloads.push(payloadAt(spec, from + k));
  }
  return { ids, vectors, payloads };
}

export type UpsertBody = ReturnType<typeof batchBody>;

export function batchBodies(spec: DatasetSpec, range: { from: number; to: number }, batch: number): UpsertBody[] {
  const bodies: UpsertBody[] = [];
  for (let from = range.from; from < range.to; from += batch) bodies.push(batchBody(spec, from, Math.min(batch, range.to - from)));
  return bodies;
}

/** Sends the bodies with `concurrency` requests in flight. */
export async function runUpsert(client: QdrantClient, collection: string, bodies: UpsertBody[], concurrency: number): Promise<UpsertFigures> {
  const hist = newHistogram();
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const t0 = performance.now();
      await client.upsert(collection, { wait: true, batch: body });
      recordSince(hist, t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const points = bodies.reduce((n, b) => n + b.ids.length, 0);
  return { concurrency, points, seconds, pointsPerSecond: points / seconds, requestLatencyMs: latencyMs(hist) };
}
