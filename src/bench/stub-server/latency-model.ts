/**
 * Deterministic latency behaviour for the stub server: the n-th request's service delay is a
 * pure function of (seed, n), and stalls are fixed windows of wall time since the server started.
 * The server records what it actually did, which is the truth the driver is checked against.
 */

export type DelayModel =
  | { kind: 'none' }
  | { kind: 'fixed'; ms: number }
  /** `baseMs` plus an exponential tail of mean `meanMs`. */
  | { kind: 'exp'; baseMs: number; meanMs: number; seed: number }
  /** Log-normal with median `medianMs` and shape `sigma`. */
  | { kind: 'lognormal'; medianMs: number; sigma: number; seed: number };

/** Every `everyMs`, responses are held for `forMs` (like a stop-the-world pause). */
export interface StallModel {
  everyMs: number;
  forMs: number;
}

/** mulberry32 of a counter mix: cheap, stateless per index, good enough for a delay schedule. */
function uniformAt(seed: number, n: number): number {
  let t = (seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return Math.min(Math.max(r, 1e-12), 1 - 1e-12);
}

function normalAt(seed: number, n: number): number {
  const u1 = uniformAt(seed, 2 * n);
  const u2 = uniformAt(seed, 2 * n + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function delayAt(model: DelayModel, n: number): number {
  switch (model.kind) {
    case 'none':
      return 0;
    case 'fixed':
      return model.ms;
    case 'exp':
      return model.baseMs - model.meanMs * Math.log(1 - uniformAt(model.seed, n));
    case 'lognormal':
      return model.medianMs * Math.exp(model.sigma * normalAt(model.seed, n));
  }
}

/**
 * When a response due at `dueMs` (ms since server start) may leave: responses that fall inside a
 * stall window wait for its end. Stall windows are `[k*every + every - for, (k+1)*every)`, so the
 * first one comes after a full quiet period.
 */
export function releaseAt(stall: StallModel | undefined, dueMs: number): number {
  if (!stall) return dueMs;
  const phase = dueMs % stall.everyMs;
  const quiet = stall.everyMs - stall.forMs;
  return phase < quiet ? dueMs : dueMs - phase + stall.everyMs;
}

/** Parses `exp:base=40,mean=20,seed=1`, `lognormal:median=30,sigma=0.5`, `fixed:ms=5`, `none`. */
export function parseDelayModel(spec: string): DelayModel {
  const [kind, rest = ''] = spec.split(':', 2);
  const p: Record<string, number> = {};
  for (const kv of rest.split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    const num = Number(v);
    if (!k || !Number.isFinite(num)) throw new Error(`bad latency parameter "${kv}" in "${spec}"`);
    p[k] = num;
  }
  const need = (k: string): number => {
    const v = p[k];
    if (v === undefined) throw new Error(`latency model "${spec}" needs ${k}=<number>`);
    return v;
  };
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'fixed':
      return { kind: 'fixed', ms: need('ms') };
    case 'exp':
      return { kind: 'exp', baseMs: need('base'), meanMs: need('mean'), seed: p.seed ?? 1 };
    case 'lognormal':
      return { kind: 'lognormal', medianMs: need('median'), sigma: need('sigma'), seed: p.seed ?? 1 };
    default:
      throw new Error(`unknown latency model "${kind}" (none, fixed, exp, lognormal)`);
  }
}
