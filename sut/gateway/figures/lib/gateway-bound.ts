/**
 * The gateway-bound phase: the uncached search path with the engine out of the way, so that the
 * gateway tier, not the engine, is what saturates.
 *
 * In the phases through the real engine, the engine saturates first and the gateway waits on
 * it; the gateway's CPU per search then includes waking up for each answer on its own, and on a
 * small virtual machine those wake-ups cost as much as the work. Here a second gateway process
 * (this package's own server, every check on: auth, rate limit, validation, cache, metrics)
 * searches through a stand-in engine (instant-engine.ts) that answers every search at once with
 * one real answer of the engine. Its CPU per search is what a fully busy gateway core spends.
 * It uses the stack's Redis, in a database of its own (REDIS_DB), so that none of its answers,
 * counters or registry entries mix with the stack's; it listens on TCP only (no nginx in front:
 * nginx's share is measured in the phases through the front door).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitUntil } from '@vdb-readiness/local-process';
import { CommandError } from '../../src/cli/run.ts';
import { ClosedLoop, newPhase, type Component, type Phase } from './closed-loop.ts';
import { gatewaySearch } from './collection.ts';
import type { Placement } from './placement.ts';
import { REPO_ROOT, type Stack } from './stack.ts';

/** The Redis database the phase's gateway uses (the stack's gateway uses 0). */
export const REDIS_DB = 15;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const ENGINE_ENTRY = join(REPO_ROOT, 'sut', 'gateway', 'figures', 'lib', 'instant-engine.ts');
/** The gateway's entry point in a checkout of this repository. */
const serverEntry = (checkout: string) => join(checkout, 'sut', 'gateway', 'src', 'server.ts');

/** A process this module started, and where it answers. */
export interface Started {
  child: ChildProcess;
  url: string;
}

export interface GatewayBoundOptions {
  concurrency: number;
  /** Uncached searches measured (after a warm-up of `warmup`). */
  queries: number[][];
  warmup: number[][];
  placement: Placement;
  log: (line: string) => void;
}

/** Stops a child: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** The line of a child's output that says why it failed: its first error line, else its last line. */
function gist(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /Error\b|"level":(50|60)/.test(l)) ?? lines.at(-1) ?? '(no output)';
  return line.slice(0, 300);
}

function output(child: ChildProcess): () => string {
  let text = '';
  const add = (b: Buffer) => {
    text = (text + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

/** The stand-in engine (instant-engine.ts) in front of the stack's engine. */
export async function startInstantEngine(stack: Stack): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENGINE_ENTRY, stack.qdrant.url, stack.qdrant.apiKey], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = output(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CommandError(`the stand-in engine did not start within ${START_TIMEOUT_MS} ms: ${gist(seen())}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', () => {
      const m = /listening (\d+)/.exec(seen());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new CommandError(`the stand-in engine exited (${String(code)}) before it listened: ${gist(seen())}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * A gateway process (one worker, TCP only, always active) of the code in `checkout` (default:
 * this one), searching through `engineUrl`, its keys and counters in Redis database `redisDb`
 * of the stack's Redis; started once it answers /health.
 */
export async function startGatewayProcess(stack: Stack, engineUrl: string, opts: { checkout?: string; redisDb?: number } = {}): Promise<Started> {
  const gw = stack.gateway;
  if (!gw) throw new CommandError('the stack has no gateway');
  const checkout = opts.checkout ?? REPO_ROOT;
  const port = await freePort();
  const redis = new URL(stack.redis.url);
  redis.pathname = `/${opts.redisDb ?? REDIS_DB}`;
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry(checkout)], {
    cwd: checkout,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      // none of the caller's gateway settings (a GATEWAY_FAULTS drill, another config dir, a socket): only these
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GATEWAY_|QDRANT_|REDIS_)/.test(k))),
      NODE_ENV: 'production',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_SLOT: 'green',
      GATEWAY_WORKERS: '1',
      QDRANT_URL: engineUrl,
      QDRANT_API_KEY: stack.qdrant.apiKey,
      REDIS_URL: redis.toString(),
      GATEWAY_API_KEYS: `load=${gw.apiKey}`,
    },
  });
  const seen = output(child);
  const url = `http://127.0.0.1:${port}`;
  const outcome = await waitUntil({
    probe: async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).status === 200,
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 200,
    pid: child.pid ?? -1,
  });
  if (outcome === 'ready') return { child, url };
  await stopChild(child);
  throw new CommandError(
    outcome === 'exited'
      ? `the gateway (${checkout}) exited at start: ${gist(seen())}`
      : `the gateway (${checkout}) did not answer /health within ${START_TIMEOUT_MS} ms: ${gist(seen())}`,
  );
}

/**
 * Runs the phase: uncached searches (each query once) through a gateway whose engine answers
 * at once. CPU per search of that gateway (`gateway`), Redis and this load generator; `qdrant`
 * is the stand-in engine's (not the engine's). Both processes are stopped before it returns.
 */
export async function measureGatewayBound(stack: Stack, opts: GatewayBoundOptions): Promise<Phase> {
  const children: ChildProcess[] = [];
  let loop: ClosedLoop | null = null;
  try {
    const engine = await startInstantEngine(stack);
    children.push(engine.child);
    // the stand-in takes the engine's cores, so that the gateway tier's cores are the tier's alone
    opts.placement.pinToEngine(engine.child.pid ?? -1);
    const gateway = await startGatewayProcess(stack, engine.url);
    children.push(gateway.child);
    const gw = stack.gateway;
    if (!gw) throw new CommandError('the stack has no gateway');
    const pids: Record<Component, number> = { gateway: gateway.child.pid ?? -1, nginx: gw.nginx.pid, redis: stack.redis.pid, qdrant: engine.child.pid ?? -1 };
    loop = new ClosedLoop(gatewaySearch({ ...gw, url: gateway.url }), opts.concurrency);
    await loop.run(null, opts.warmup, pids);
    const phase = newPhase('gateway, uncached, engine answering at once');
    await loop.run(phase, opts.queries, pids);
    if (phase.errors > 0) throw new CommandError(`${phase.errors} of ${phase.requests} searches of the gateway-bound phase failed`);
    if (phase.cachedAnswers > 0) opts.log(`warning: ${phase.cachedAnswers} answers of the gateway-bound phase came from the cache`);
    return phase;
  } finally {
    loop?.close();
    for (const c of children.reverse()) await stopChild(c);
  }
}
