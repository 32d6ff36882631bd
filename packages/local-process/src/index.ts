/**
 * @vdb-readiness/local-process: starting and stopping local processes on loopback, for the
 * suite's launcher (`npm run stack`) and the reference stack's own tests (qdrant-local's server
 * helper, the gateway's redis-server helper). One copy of:
 * - `freePort` / `isPortFree`: a port the OS says is free on a host, right now;
 * - `startProcessGroup`: a command in its own process group (so that stopping it also stops its
 *   workers, from any process), stdout and stderr appended to a log file, not waited for; `tailLog`
 *   reads that log's last lines;
 * - `isAlive` / `isGroupAlive`: liveness, where a zombie (exited, not reaped yet) counts as gone;
 * - `stopProcessGroup(pid, graceMs)`: SIGTERM to the group, the grace period, SIGKILL; resolves
 *   once no process of the group is alive;
 * - `waitUntil`: polls a probe until it says yes, the process it watches dies, or time runs out.
 * Callers turn the outcomes into their own errors (the launcher's UserError, qdrant-local's
 * ServerError). Linux first: liveness reads /proc (through @vdb-readiness/proc-stat) and falls
 * back to signal 0 elsewhere. Imports only its own files and packages by name.
 */
export { freePort, isPortFree } from './ports.ts';
export { isAlive, isGroupAlive } from './alive.ts';
export { startProcessGroup, stopProcessGroup, tailLog, type StartOptions } from './group.ts';
export { waitUntil, type WaitOutcome, type WaitUntilOptions } from './wait.ts';
