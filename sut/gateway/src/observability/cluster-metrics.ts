/**
 * /metrics for a slot of several workers (slot/cluster.ts): whichever worker serves the request
 * asks the primary, which collects every live worker's registry over IPC and merges them with
 * prom-client's AggregatorRegistry.aggregate (counters and histograms summed, up-gauges by
 * their `aggregator`, process metrics as prom-client aggregates them: CPU and memory summed).
 * The error rate is a ratio, so it is not merged: it is computed again from the workers'
 * summed window counts. The IPC is our own messages rather than prom-client's clusterMetrics(),
 * because the rate needs those counts in the same round.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { ERROR_RATE_HELP, ERROR_RATE_METRIC, type GatewayMetrics } from './metrics.ts';

/** How long the primary waits for a worker's part, and a worker for the primary's answer. */
const PART_TIMEOUT_MS = 2_000;
const ANSWER_TIMEOUT_MS = 5_000;

type Part = { metrics: MetricObjectWithValues<MetricValue<string>>[]; window: [number, number] };
type Message =
  | { type: 'vdb:metrics:ask'; id: number }
  | { type: 'vdb:metrics:answer'; id: number; text?: string; error?: string }
  | { type: 'vdb:metrics:collect'; id: number }
  | ({ type: 'vdb:metrics:part'; id: number } & Part);

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('vdb:metrics:');
}

/** In a worker: answer the primary's collections, and serve /metrics through the primary. */
export function exposeThroughPrimary(metrics: GatewayMetrics): void {
  let next = 0;
  const waiting = new Map<number, (m: Extract<Message, { type: 'vdb:metrics:answer' }>) => void>();
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === 'vdb:metrics:collect') {
      void metrics.registry.getMetricsAsJSON().then((list) => process.send?.({ type: 'vdb:metrics:part', id: m.id, metrics: list, window: metrics.windowCounts() } satisfies Message));
    } else if (m.type === 'vdb:metrics:answer') {
      waiting.get(m.id)?.(m);
    }
  });
  metrics.exposition = () => new Promise<string>((resolve, reject) => {
    const id = ++next;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the slot primary did not answer the metrics request'));
    }, ANSWER_TIMEOUT_MS);
    waiting.set(id, (answer) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (answer.text !== undefined) resolve(answer.text);
      else reject(new Error(answer.error ?? 'metrics aggregation failed'));
    });
    process.send?.({ type: 'vdb:metrics:ask', id } satisfies Message);
  });
}

/** In the primary: answer the workers' /metrics requests with the slot's merged metrics. */
export function aggregateForWorkers(slot: string): void {
  let next = 0;
  const pending = new Map<number, (worker: Worker, part: Part) => void>();
  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === 'vdb:metrics:part') pending.get(m.id)?.(worker, m);
    else if (m.type === 'vdb:metrics:ask') {
      collect(++next).then(
        (text) => worker.send({ type: 'vdb:metrics:answer', id: m.id, text } satisfies Message),
        (err: unknown) => worker.send({ type: 'vdb:metrics:answer', id: m.id, error: (err as Error).message } satisfies Message),
      );
    }
  });

  function collect(id: number): Promise<string> {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w?.isConnected()));
    return new Promise<Part[]>((resolve) => {
      const parts = new Map<number, Part>();
      const done = () => {
        clearTimeout(timer);
        pending.delete(id);
        resolve([...parts.values()]);
      };
      // a worker that is starting or stopping does not answer: the others' metrics are served
      const timer = setTimeout(done, PART_TIMEOUT_MS);
      pending.set(id, (worker, part) => {
        parts.set(worker.id, part);
        if (parts.size === workers.length) done();
      });
      for (const w of workers) w.send({ type: 'vdb:metrics:collect', id } satisfies Message);
    }).then((parts) => merge(parts, slot));
  }
}

/** The slot's exposition text from its workers' parts (exported for tests). */
export async function merge(parts: Part[], slot: string): Promise<string> {
  if (parts.length === 0) throw new Error('no worker answered');
  const registry = AggregatorRegistry.aggregate(parts.map((p) => p.metrics));
  let requests = 0;
  let errors = 0;
  for (const p of parts) {
    requests += p.window[0];
    errors += p.window[1];
  }
  const rate = new Gauge({ name: ERROR_RATE_METRIC, help: ERROR_RATE_HELP, labelNames: ['slot'], registers: [registry] });
  rate.set({ slot }, requests === 0 ? 0 : errors / requests);
  return registry.metrics();
}
