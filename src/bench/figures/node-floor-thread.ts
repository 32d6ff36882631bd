/** One thread of the Node.js floor (node-floor.ts): its share of the rate, from one instant. */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareFloorLoop } from './node-floor.ts';
import type { FloorLoop } from './node-floor.ts';

const port = parentPort!;
const { loop } = workerData as { loop: FloorLoop };
// Buffers cross the thread boundary as plain Uint8Arrays
const prepared = await prepareFloorLoop({ ...loop, body: Buffer.from(loop.body) });
port.once('message', (msg: { startAtEpochMs: number }) => {
  void prepared.run(msg.startAtEpochMs - performance.timeOrigin).then((answered) => port.postMessage(answered));
});
port.postMessage('ready');
