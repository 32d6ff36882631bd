/** One worker thread of a `--workers` run (driver-pool.ts): its share of the schedule, its own record. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReport, WorkerStart } from './driver-pool.ts';
import { LOOP_SAMPLE_MS, loopLagMs } from './driver-check.ts';
import { encodeHistogram } from './histogram.ts';
import { OpenLoopDriver } from './open-loop.ts';
import { RunRecorder } from './recorder.ts';
import type { Workload } from './workload.ts';

const port = parentPort!;
const { start } = workerData as { start: WorkerStart };
// Buffers cross the thread boundary as plain Uint8Arrays
const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const workload: Workload = { ...start.workload, queries: start.workload.queries.map((q) => ({ ...q, body: asBuffer(q.body) })) };
const recorder = new RunRecorder(workload);
const driver = new OpenLoopDriver(workload, recorder, start.opts);

port.once('message', (msg: { startAtEpochMs: number }) => {
  void (async () => {
    const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loop.enable();
    const elu0 = performance.eventLoopUtilization();
    const { sendLag, queueWait, ...counts } = await driver.run(msg.startAtEpochMs - performance.timeOrigin);
    loop.disable();
    const report: WorkerReport = {
      snapshot: recorder.snapshot(),
      sendLag: encodeHistogram(sendLag),
      queueWait: encodeHistogram(queueWait),
      counts,
      eventLoopLagP99Ms: loopLagMs(loop.percentile(99)),
      measureStartEpochMs: performance.timeOrigin + driver.measureStartMs,
      busy: performance.eventLoopUtilization(elu0).utilization,
    };
    port.postMessage(report);
  })();
});
await driver.connect();
port.postMessage('ready');
