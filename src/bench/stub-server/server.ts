/**
 * Child-process entry: a node:http server on loopback that answers any POST with a fixed search
 * response after a delay from its latency model, and records what it did (service time per
 * request, arrival to last byte) so the driver's figures can be checked against it.
 *
 *   GET  /__truth  → { requests, histogram (µs, encoded), percentiles_ms }
 *   POST /__reset  → forget the records (e.g. after warmup)
 *
 * Config: one JSON argument (StubServerConfig). Prints one JSON line `{"port":N}` when listening.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { delayAt, releaseAt } from './latency-model.ts';
import type { DelayModel, StallModel } from './latency-model.ts';
import { encodeHistogram, newLatencyHistogram, percentilesMs } from '../histogram.ts';

export interface StubServerConfig {
  host?: string;
  port?: number;
  delay?: DelayModel;
  stall?: StallModel;
  /** Results per response (ids 0..k-1). */
  k?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as StubServerConfig;
const delay: DelayModel = config.delay ?? { kind: 'none' };
const stall = config.stall;
const k = config.k ?? 10;
const immediate = delay.kind === 'none' && !stall;

const searchBody = Buffer.from(
  JSON.stringify({ results: Array.from({ length: k }, (_, i) => ({ id: i, score: 1 - i / 100 })) }),
);
const headers = { 'content-type': 'application/json', 'content-length': String(searchBody.length) };

const started = performance.now();
let hist = newLatencyHistogram();
let seq = 0;

function finish(res: ServerResponse, arrival: number): void {
  res.writeHead(200, headers).end(searchBody);
  hist.recordValue(Math.max(1, Math.round((performance.now() - arrival) * 1000)));
}

function onSearch(req: IncomingMessage, res: ServerResponse): void {
  const arrival = performance.now();
  const n = seq++;
  req.resume();
  req.on('end', () => {
    if (immediate) return finish(res, arrival);
    const due = arrival - started + delayAt(delay, n);
    const wait = releaseAt(stall, due) - (performance.now() - started);
    setTimeout(finish, Math.max(0, wait), res, arrival);
  });
}

function onControl(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (req.url === '/__reset') {
    hist = newLatencyHistogram();
    res.writeHead(204).end();
    return;
  }
  const body = JSON.stringify({
    requests: hist.totalCount,
    histogram: encodeHistogram(hist),
    percentiles_ms: percentilesMs(hist),
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}

const server = createServer((req, res) => {
  if (req.url?.startsWith('/__')) onControl(req, res);
  else onSearch(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(config.port ?? 0, config.host ?? '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
// The parent owns us: when it goes away (even by SIGKILL), so do we.
process.on('disconnect', () => process.exit(0));
