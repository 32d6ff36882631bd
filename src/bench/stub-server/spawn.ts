import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../util/paths.ts';
import { decodeHistogram, percentilesMs } from '../histogram.ts';
import type { LatencyMs } from '../histogram.ts';
import type { StubServerConfig } from './server.ts';

const SERVER_ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

export interface StubTruth {
  requests: number;
  /** Service time per request as the server measured it (arrival to last byte written). */
  latency_ms: LatencyMs;
  histogram: string;
}

export interface StubServer {
  url: string;
  pid: number;
  truth(): Promise<StubTruth>;
  reset(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stub server did not listen within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve(port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stub server exited (code ${code}) before listening`));
    });
  });
}

/** Starts the stub server in its own process, so it never shares the driver's event loop. */
export async function startStubServer(config: StubServerConfig = {}): Promise<StubServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY, JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let port: number;
  try {
    port = await waitForPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return {
    url,
    pid: child.pid!,
    async truth() {
      const res = await fetch(`${url}/__truth`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { requests: number; histogram: string };
      return { requests: body.requests, histogram: body.histogram, latency_ms: percentilesMs(decodeHistogram(body.histogram)) };
    },
    async reset() {
      await fetch(`${url}/__reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
