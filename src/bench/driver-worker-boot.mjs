// A driver worker thread's entry: under tsx (the suite's sources) a thread does not inherit the
// TypeScript loader, so it is registered here before the worker's module loads.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
