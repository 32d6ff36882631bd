/**
 * Fault injection for rollback drills (`GATEWAY_FAULTS`, off by default): a slot started with it
 * misbehaves on purpose after a number of requests, so that a deployer's post-switch analysis
 * has something to catch and roll back. Never set it on a slot that serves real traffic.
 *
 * `GATEWAY_FAULTS=after=100,abort=503:0.5,delay_ms=300`: a comma list of
 * - `after=<n>`: the first n faultable requests pass untouched (default 0);
 * - `abort=<status>[:<p>]`: each later one is, with probability p (default 1), answered with
 *   `status` (500, 502, 503 or 504) and the gateway's error body, message "fault injected";
 * - `delay_ms=<ms>[:<p>]`: each later one is, with probability p (default 1), delayed by ms
 *   first (then answered, or aborted as above);
 * - `leak_kb=<n>`: each later one retains n KiB (1 to 65536) of memory forever, written so that
 *   it is resident: a planted leak, for soak drills (`npm run bench -- --scenario soak` must fail).
 * At least one of abort / delay_ms / leak_kb. Faultable: `/api/v1/vectors/*` and `/graphql`;
 * health, metrics, status and every other route are never faulted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { GatewayError, type ErrorCode } from './errors.ts';

/** The statuses an abort may answer, with the catalogue code of each. */
const ABORT_CODES: Record<number, ErrorCode> = {
  500: 'GW_ERR_INTERNAL',
  502: 'GW_ERR_UPSTREAM',
  503: 'GW_ERR_UNAVAILABLE',
  504: 'GW_ERR_UPSTREAM_TIMEOUT',
};

export interface FaultSpec {
  after: number;
  abort: { status: number; code: ErrorCode; p: number } | null;
  delay: { ms: number; p: number } | null;
  /** KiB retained per faulted request (absent: no leak). */
  leak?: { kib: number };
  /** The variable's text, for logs and diagnostics. */
  text: string;
}

export const FAULTS_ENV = 'GATEWAY_FAULTS';
/** The largest leak_kb: 64 MiB per request is already a drill that ends in minutes. */
const MAX_LEAK_KIB = 65_536;

/** Parses GATEWAY_FAULTS strictly: any unknown key, repeated key or bad number is a problem (one line each). */
export function parseFaults(text: string): { spec: FaultSpec | null; problems: string[] } {
  const problems: string[] = [];
  const bad = (msg: string) => problems.push(`${FAULTS_ENV}: ${msg} (syntax: after=<n>,abort=<status>[:<p>],delay_ms=<ms>[:<p>],leak_kb=<n>)`);
  const seen = new Set<string>();
  let after = 0;
  let abort: FaultSpec['abort'] = null;
  let delay: FaultSpec['delay'] = null;
  let leak: FaultSpec['leak'];
  const entries = text.split(',').map((s) => s.trim());
  for (const entry of entries) {
    if (entry === '') {
      bad('an empty entry');
      continue;
    }
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    const value = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!key || !value) {
      bad(`"${entry}" is not key=value`);
      continue;
    }
    if (seen.has(key)) {
      bad(`${key} is given twice`);
      continue;
    }
    seen.add(key);
    if (key === 'after') {
      const n = integer(value);
      if (n === null) bad(`after=${value}: must be a whole number >= 0`);
      else after = n;
    } else if (key === 'abort') {
      const [status, p, ...rest] = value.split(':');
      const code = ABORT_CODES[Number(status)];
      const prob = probability(p);
      if (rest.length > 0 || !/^\d{3}$/.test(status ?? '') || !code) bad(`abort=${value}: the status must be one of ${Object.keys(ABORT_CODES).join(', ')}`);
      else if (prob === null) bad(`abort=${value}: the probability must be a number > 0 and <= 1`);
      else abort = { status: Number(status), code, p: prob };
    } else if (key === 'delay_ms') {
      const [ms, p, ...rest] = value.split(':');
      const n = integer(ms ?? '');
      const prob = probability(p);
      if (rest.length > 0 || n === null || n === 0) bad(`delay_ms=${value}: the delay must be a whole number of milliseconds > 0`);
      else if (prob === null) bad(`delay_ms=${value}: the probability must be a number > 0 and <= 1`);
      else delay = { ms: n, p: prob };
    } else if (key === 'leak_kb') {
      const n = integer(value);
      if (n === null || n === 0 || n > MAX_LEAK_KIB) bad(`leak_kb=${value}: must be a whole number of KiB from 1 to ${MAX_LEAK_KIB}`);
      else leak = { kib: n };
    } else {
      bad(`unknown key ${key}`);
    }
  }
  if (problems.length === 0 && !abort && !delay && !leak) bad('no fault given: set abort and/or delay_ms (or leak_kb)');
  if (problems.length > 0) return { spec: null, problems };
  return { spec: { after, abort, delay, ...(leak ? { leak } : {}), text }, problems };
}

function integer(text: string): number | null {
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

/** An omitted probability is 1. */
function probability(text: string | undefined): number | null {
  if (text === undefined) return 1;
  if (!/^(?:0|1)?(?:\.\d+)?$/.test(text) || text === '' || text === '.') return null;
  const p = Number(text);
  return p > 0 && p <= 1 ? p : null;
}

/** Routes a fault may hit: the vector API and GraphQL (by route pattern). */
export function faultable(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && (routeUrl === '/graphql' || routeUrl.startsWith('/api/v1/vectors/'));
}

/**
 * Adds the fault hook (an onRequest hook: register it after access control, so that a request
 * without a valid key is refused as always). Counts faultable requests, before the search cache
 * answers any; from the (after+1)th on, leaks, delays and/or aborts them. `random` is injectable
 * for tests. Returns what the leak holds (for tests).
 */
export function registerFaults(app: FastifyInstance, spec: FaultSpec, random: () => number = Math.random): { retained: Buffer[] } {
  let seen = 0;
  const retained: Buffer[] = [];
  app.addHook('onRequest', async (req) => {
    if (!faultable(req.routeOptions.url)) return;
    seen++;
    if (seen <= spec.after) return;
    // filled, not zeroed: untouched zero pages would not count as resident memory
    if (spec.leak) retained.push(Buffer.allocUnsafeSlow(spec.leak.kib * 1024).fill(0xa5));
    if (spec.delay && random() < spec.delay.p) await sleep(spec.delay.ms);
    if (spec.abort && random() < spec.abort.p) throw new GatewayError(spec.abort.code, 'fault injected');
  });
  return { retained };
}
