/**
 * A seeded vector dataset with its nearest neighbours known by construction, for qdrant-local's
 * tests and benchmark (the suite has a fuller generator in fixtures/; this one is qdrant-local's
 * own, so that nothing here imports the suite).
 *
 * - Point i is a pure function of (seed, i): a normalized vector of standard normals (uniform on
 *   the unit sphere), float32. Normals come from Box–Muller on a small counter-seeded PRNG
 *   (sfc32, keyed by seed, stream and index), so any slice is computed directly, in any order.
 * - Query j is a fresh uniform unit vector q. Its K planted neighbours are points at known ids:
 *   p_r = s_r·q + √(1 − s_r²)·u_r with u_r a uniform unit vector orthogonal to q, so the cosine
 *   <p_r, q> is s_r exactly (up to float32 rounding), s_0 > s_1 > … > s_{K−1}.
 * - s_0 = 0.75 (relative contrast 2 for the nearest neighbour). The K-th similarity is high enough
 *   that no random point comes near: by Ball's cap bound P(<x, q> ≥ t) ≤ exp(−d·t²/2), so with
 *   t = √(2·ln(N·Q/δ)/d) the chance that any of the N points beats it for any of the Q queries is
 *   at most δ = 0.001. When the dimension is too small for that, the similarities are capped
 *   (`guaranteed` false).
 * - Payload: `group` (`group-0` … `group-7`; every planted neighbour of query j carries
 *   `group-(j mod 8)`, so a search filtered on it has the same truth), `year`, `price`, `active`.
 */

export interface DatasetSpec {
  name: string;
  seed: number;
  count: number;
  dim: number;
  /** Planted queries asked for (capped at ⌊count / 2k⌋). */
  queries: number;
  /** Planted neighbours per query. */
  k: number;
  /** Cardinality of the `group` payload field. */
  groups: number;
}

export type Payload = { group: string; year: number; price: number; active: boolean };

export interface PlantedQuery {
  id: number;
  /** Unit-norm query vector. */
  vector: Float32Array;
  /** The true top-k ids, best first. */
  neighbors: number[];
  /** Their cosine similarities, descending. */
  scores: number[];
  /** A payload filter under which the same neighbours are the true top-k. */
  filter: { key: 'group'; value: string };
}

/** 10,000 × 128 cosine, 200 planted queries of 10 neighbours, 8 groups; size and dim may change. */
export function smokeDataset(overrides: { count?: number; dim?: number; seed?: number } = {}): DatasetSpec {
  const spec = { name: 'smoke', seed: 1, count: 10_000, dim: 128, queries: 200, k: 10, groups: 8, ...overrides };
  for (const [field, v] of Object.entries({ seed: spec.seed, count: spec.count, dim: spec.dim })) {
    if (!Number.isSafeInteger(v) || v < (field === 'seed' ? 0 : 1) || v > 2 ** 32) throw new RangeError(`${field} must be an integer in [1, 2^32], got ${v}`);
  }
  if (spec.count < 2 * spec.k) throw new RangeError(`count ${spec.count} is too small for k = ${spec.k}: give at least ${2 * spec.k} points`);
  return spec;
}

// --- PRNG ----------------------------------------------------------------------------------------

/** Separate PRNG streams for base points, queries, planted directions, payloads and the layout. */
const Stream = { Base: 1, Query: 2, Direction: 3, Payload: 4, Layout: 5 } as const;
type Stream = (typeof Stream)[keyof typeof Stream];

/** lowbias32 (C. Wellons): a 32-bit integer hash with good avalanche. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** sfc32 (C. Doty-Humphrey, PractRand) seeded from (seed, stream, index): uint32 words. */
function words(seed: number, stream: Stream, index: number): () => number {
  let a = mix32((seed >>> 0) ^ 0x9e3779b9);
  let b = mix32(a ^ Math.floor(seed / 2 ** 32) ^ (stream * 0x85ebca6b));
  let c = mix32(b ^ (index >>> 0));
  let d = mix32(c ^ Math.floor(index / 2 ** 32) ^ 0xc2b2ae35);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** `dim` standard normals of (seed, stream, index) into out (Box–Muller; uniforms never 0). */
function gaussians(seed: number, stream: Stream, index: number, out: Float64Array, dim: number): Float64Array {
  const next = words(seed, stream, index);
  for (let c = 0; c < dim; c += 2) {
    const u1 = (next() + 0.5) / 2 ** 32;
    const u2 = (next() + 0.5) / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[c] = r * Math.cos(2 * Math.PI * u2);
    if (c + 1 < dim) out[c + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

function normalize(v: Float64Array, dim: number): Float64Array {
  let norm = 0;
  for (let c = 0; c < dim; c++) norm += v[c]! * v[c]!;
  const inv = 1 / Math.sqrt(norm);
  for (let c = 0; c < dim; c++) v[c]! *= inv;
  return v;
}

// --- Planted layout ----------------------------------------------------------------------------

const TOP_SCORE = 0.75;
const MAX_SCORE = 0.995;
const MIN_GAP = 0.005;
const INTRUSION = 0.001;

export interface PlantedPlan {
  queries: number;
  k: number;
  /** Id spacing between planted slots. */
  stride: number;
  /** Cosine of rank r's neighbour to its query, decreasing. */
  cosines: number[];
  /** The bound holds: no random point is expected inside any planted top-k. */
  guaranteed: boolean;
}

const plans = new Map<string, PlantedPlan>();

export function plantedPlan(spec: DatasetSpec): PlantedPlan {
  const key = `${spec.seed}|${spec.count}|${spec.dim}|${spec.queries}|${spec.k}`;
  const hit = plans.get(key);
  if (hit) return hit;
  const K = spec.k;
  const Q = Math.max(1, Math.min(spec.queries, Math.floor(spec.count / (2 * K))));
  const needed = Math.sqrt((2 * Math.log((spec.count * Q) / INTRUSION)) / spec.dim);
  const kth = Math.min(needed, MAX_SCORE - (K - 1) * MIN_GAP);
  const top = Math.min(MAX_SCORE, Math.max(TOP_SCORE, kth + (K - 1) * MIN_GAP));
  const cosines = Array.from({ length: K }, (_, r) => (K === 1 ? top : top - ((top - kth) * r) / (K - 1)));
  const plan = { queries: Q, k: K, stride: Math.floor(spec.count / (Q * K)), cosines, guaranteed: kth >= needed };
  plans.set(key, plan);
  return plan;
}

/** The id holding planted slot s = j·K + r (spread over the id range, one per stride). */
function idOfSlot(spec: DatasetSpec, plan: PlantedPlan, slot: number): number {
  return slot * plan.stride + (mix32(mix32(spec.seed ^ Stream.Layout) ^ slot) % plan.stride);
}

/** The planted slot at `id`, or −1 for an ordinary random point. */
function slotOfId(spec: DatasetSpec, plan: PlantedPlan, id: number): number {
  const slot = Math.floor(id / plan.stride);
  if (slot >= plan.queries * plan.k) return -1;
  return idOfSlot(spec, plan, slot) === id ? slot : -1;
}

function queryVector64(spec: DatasetSpec, j: number): Float64Array {
  return normalize(gaussians(spec.seed, Stream.Query, j, new Float64Array(spec.dim), spec.dim), spec.dim);
}

// --- Points, payloads, queries -------------------------------------------------------------------

let work = new Float64Array(0);
let lastQuery: { key: string; q: Float64Array } | undefined;

function vectorInto(spec: DatasetSpec, plan: PlantedPlan, i: number, out: Float32Array, offset: number): void {
  const dim = spec.dim;
  if (work.length < dim) work = new Float64Array(dim);
  const slot = slotOfId(spec, plan, i);
  if (slot < 0) {
    normalize(gaussians(spec.seed, Stream.Base, i, work, dim), dim);
    for (let c = 0; c < dim; c++) out[offset + c] = work[c]!;
    return;
  }
  const j = Math.floor(slot / plan.k);
  const s = plan.cosines[slot % plan.k]!;
  const key = `${spec.seed}|${dim}|${j}`;
  if (lastQuery?.key !== key) lastQuery = { key, q: queryVector64(spec, j) };
  const q = lastQuery.q;
  const u = gaussians(spec.seed, Stream.Direction, slot, work, dim);
  let dot = 0;
  for (let c = 0; c < dim; c++) dot += u[c]! * q[c]!;
  let norm = 0;
  for (let c = 0; c < dim; c++) {
    u[c] = u[c]! - dot * q[c]!;
    norm += u[c]! * u[c]!;
  }
  const w = Math.sqrt(1 - s * s) / Math.sqrt(norm);
  for (let c = 0; c < dim; c++) out[offset + c] = s * q[c]! + w * u[c]!;
}

function checkId(spec: DatasetSpec, i: number): void {
  if (!Number.isSafeInteger(i) || i < 0 || i >= spec.count) throw new RangeError(`id ${i} is outside dataset ${spec.name} (0..${spec.count - 1})`);
}

/** Vectors from..from+count−1, row-major in one Float32Array of count·dim. */
export function fillVectors(spec: DatasetSpec, from: number, count: number): Float32Array {
  const out = new Float32Array(Math.max(0, count) * spec.dim);
  if (count <= 0) return out;
  checkId(spec, from);
  checkId(spec, from + count - 1);
  const plan = plantedPlan(spec);
  for (let n = 0; n < count; n++) vectorInto(spec, plan, from + n, out, n * spec.dim);
  return out;
}

/** Payload of point i, a pure function of (seed, i). */
export function payloadAt(spec: DatasetSpec, i: number): Payload {
  checkId(spec, i);
  const plan = plantedPlan(spec);
  const slot = slotOfId(spec, plan, i);
  const next = words(spec.seed, Stream.Payload, i);
  const u = (): number => next() / 2 ** 32;
  const group = slot >= 0 ? Math.floor(slot / plan.k) % spec.groups : Math.floor(u() * spec.groups);
  return { group: `group-${group}`, year: 2000 + Math.floor(u() * 26), price: Math.floor(u() * 100 * 100) / 100, active: (next() & 1) === 1 };
}

/** How many planted queries the dataset has at its size. */
export function queryCount(spec: DatasetSpec): number {
  return plantedPlan(spec).queries;
}

/** Query j with its true top-k (k ≤ the planted k). */
export function queryAt(spec: DatasetSpec, j: number, k: number = spec.k): PlantedQuery {
  const plan = plantedPlan(spec);
  if (!Number.isSafeInteger(j) || j < 0 || j >= plan.queries) throw new RangeError(`query ${j} is outside dataset ${spec.name} (0..${plan.queries - 1}); use j % queryCount(spec)`);
  if (!Number.isSafeInteger(k) || k < 1 || k > plan.k) throw new RangeError(`k = ${k} is beyond the planted truth (k ≤ ${plan.k})`);
  const neighbors = Array.from({ length: k }, (_, r) => idOfSlot(spec, plan, j * plan.k + r));
  return { id: j, vector: Float32Array.from(queryVector64(spec, j)), neighbors, scores: plan.cosines.slice(0, k), filter: { key: 'group', value: `group-${j % spec.groups}` } };
}
