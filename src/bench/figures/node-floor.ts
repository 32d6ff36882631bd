/**
 * The least CPU a Node.js thread spends per request at a given rate on this machine, as a
 * yardstick beside wrk for the driver's own cost: prebuilt request bytes written on the timer
 * tick nearest each intended time (as the driver's timer path does), answers framed by their
 * Content-Length and counted. No timing, no histogram, no checks of the answer. What the driver
 * costs above this is the driver's; this much any Node.js client pays here (its event loop, its
 * sockets, the thread's wake-ups).
 */
import { Worker } from 'node:worker_threads';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { encodeRequest } from '@vdb-readiness/raw-http';
import { connectionsOf } from '../driver-pool.ts';

export interface FloorLoop {
  url: string;
  path: string;
  body: Buffer;
  headers: Record<string, string>;
  rate: number;
  connections: number;
  durationS: number;
}

export interface FloorFigures {
  threads: number;
  requests: number;
  /** Whole process (every thread), from the first send to the last answer. */
  cpu_us_per_request: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const CONNECT_TIMEOUT_MS = 10_000;
const DEADLINE_SLACK_MS = 10_000;

/** One keep-alive connection: how many bytes the answer in flight still needs (-1: its head is not read yet). */
class Conn {
  private head: Buffer | null = null;
  private remaining = -1;
  constructor(
    readonly socket: Socket,
    private readonly answered: (c: Conn) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  private read(chunk: Buffer): void {
    let c = chunk;
    while (c.length > 0) {
      if (this.remaining < 0) {
        const buf = this.head ? Buffer.concat([this.head, c]) : c;
        const end = buf.indexOf(HEADER_END);
        if (end < 0) {
          this.head = buf;
          return;
        }
        this.head = null;
        const m = CONTENT_LENGTH.exec(buf.toString('latin1', 0, end));
        this.remaining = m ? Number(m[1]) : 0;
        c = buf.subarray(end + HEADER_END.length);
      }
      const take = Math.min(this.remaining, c.length);
      this.remaining -= take;
      c = c.subarray(take);
      if (this.remaining === 0) {
        this.remaining = -1;
        this.answered(this);
      }
    }
  }
}

export interface PreparedFloor {
  /** Sends `rate × durationS` requests from `startAtMs` (performance.now()); resolves with the answers counted. */
  run(startAtMs?: number): Promise<number>;
}

/** Opens the connections first (not billed to the run, as with the driver and wrk). */
export async function prepareFloorLoop(loop: FloorLoop): Promise<PreparedFloor> {
  const url = new URL(loop.url);
  // the driver's own request bytes (its raw client's encoder): the same request, byte for byte
  const bytes = encodeRequest(url, 'POST', loop.path, loop.headers, loop.body);
  const free: Conn[] = [];
  let answered = 0;
  let onAnswer: () => void = () => undefined;
  let onError: (err: Error) => void = () => undefined;
  const conns = await Promise.all(
    Array.from(
      { length: loop.connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true, timeout: CONNECT_TIMEOUT_MS });
          socket.once('error', reject);
          socket.once('timeout', () => reject(new Error(`no connection to ${url.host} within ${CONNECT_TIMEOUT_MS} ms`)));
          socket.once('connect', () => {
            socket.setTimeout(0);
            socket.off('error', reject);
            socket.on('error', (err) => onError(err));
            socket.on('close', () => onError(new Error(`${url.host} closed a connection`)));
            resolve(
              new Conn(socket, (c) => {
                answered++;
                free.push(c);
                onAnswer();
              }),
            );
          });
        }),
    ),
  );
  free.push(...conns);
  return {
    run(startAtMs = performance.now()) {
      const total = Math.round(loop.rate * loop.durationS);
      const intervalMs = 1000 / loop.rate;
      let next = 0;
      return new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(() => fail(new Error(`${loop.url}: ${answered} of ${total} answers within ${loop.durationS} s + ${DEADLINE_SLACK_MS} ms`)), Math.max(0, startAtMs - performance.now()) + loop.durationS * 1000 + DEADLINE_SLACK_MS);
        let settled = false;
        const fail = (err: Error): void => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          for (const c of conns) c.socket.destroy();
          reject(err);
        };
        onError = fail;
        const pump = (): void => {
          const due = Math.min(total, Math.floor((performance.now() - startAtMs + 0.5) / intervalMs) + 1);
          while (next < due && free.length > 0) {
            free.pop()!.socket.write(bytes);
            next++;
          }
        };
        const tick = (): void => {
          if (settled) return;
          pump();
          if (next < total) setTimeout(tick, Math.max(1, Math.round(startAtMs + next * intervalMs - performance.now())));
        };
        onAnswer = () => {
          if (answered >= total && !settled) {
            settled = true;
            clearTimeout(deadline);
            for (const c of conns) c.socket.destroy();
            resolve(answered);
          }
        };
        setTimeout(tick, Math.max(0, startAtMs - performance.now()));
      });
    },
  };
}

const boot = new URL('../driver-worker-boot.mjs', import.meta.url);
const threadEntry = new URL(import.meta.url.endsWith('.ts') ? './node-floor-thread.ts' : './node-floor-thread.js', import.meta.url);

/** The floor with `threads` threads sharing the rate and the connections (1: this thread). */
export async function measureNodeFloor(loop: FloorLoop, threads: number): Promise<FloorFigures> {
  if (threads === 1) {
    const prepared = await prepareFloorLoop(loop);
    const cpu0 = process.cpuUsage();
    const requests = await prepared.run();
    const cpu = process.cpuUsage(cpu0);
    return { threads, requests, cpu_us_per_request: Math.round(((cpu.user + cpu.system) / requests) * 10) / 10 };
  }
  const workers = Array.from({ length: threads }, (_, i) => {
    const share: FloorLoop = { ...loop, rate: loop.rate / threads, connections: connectionsOf(i, threads, loop.connections) };
    return new Worker(boot, { workerData: { entry: threadEntry.href, loop: share } });
  });
  const message = <T>(w: Worker): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map((w) => message<'ready'>(w)));
    const cpu0 = process.cpuUsage();
    const startAtEpochMs = performance.timeOrigin + performance.now() + 20;
    const answers = workers.map((w) => message<number>(w));
    for (const w of workers) w.postMessage({ startAtEpochMs });
    const requests = (await Promise.all(answers)).reduce((a, b) => a + b, 0);
    const cpu = process.cpuUsage(cpu0);
    return { threads, requests, cpu_us_per_request: Math.round(((cpu.user + cpu.system) / requests) * 10) / 10 };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
