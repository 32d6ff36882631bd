/**
 * The search contract the bench speaks: the gateway's `POST /api/v1/vectors/search` or Qdrant's
 * `POST /collections/{c}/points/query`. Bodies are built once before a run; responses are read by
 * a tolerant id extractor so any server honouring either shape can be measured.
 */
export type SearchApi = 'gateway' | 'qdrant';

export const SEARCH_APIS: readonly SearchApi[] = ['gateway', 'qdrant'];

/** float32 needs at most 9 significant digits to round-trip; shorter bodies, same vector. */
export function vectorJson(vector: ArrayLike<number>): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) {
    if (i > 0) out += ',';
    out += String(Number(vector[i]!.toPrecision(9)));
  }
  return `${out}]`;
}

export interface SearchRequest {
  path: string;
  body: Buffer;
}

/** Engine search parameters a run sends (Qdrant's `params`); absent: the engine's defaults. */
export interface SearchParams {
  hnsw_ef?: number;
  exact?: boolean;
}

export function searchRequest(api: SearchApi, collection: string, vector: ArrayLike<number>, k: number, basePath = '', params?: SearchParams): SearchRequest {
  const v = vectorJson(vector);
  const p = params && Object.keys(params).length > 0 ? `,"params":${JSON.stringify(params)}` : '';
  if (api === 'gateway') {
    return {
      path: `${basePath}/api/v1/vectors/search`,
      body: Buffer.from(`{"collection":${JSON.stringify(collection)},"query_vector":${v},"limit":${k}}`),
    };
  }
  return {
    path: `${basePath}/collections/${encodeURIComponent(collection)}/points/query`,
    body: Buffer.from(`{"query":${v},"limit":${k}${p}}`),
  };
}

export function authHeaders(api: SearchApi, apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) h[api === 'gateway' ? 'x-api-key' : 'api-key'] = apiKey;
  return h;
}

function hitList(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (body === null || typeof body !== 'object') return null;
  const o = body as Record<string, unknown>;
  for (const key of ['results', 'result', 'points', 'hits', 'data']) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    const inner = hitList(v);
    if (inner) return inner;
  }
  return null;
}

/**
 * Ids of the hits, best first, as strings (Qdrant ids are integers or UUIDs). Accepts
 * `{results:[...]}`, `{result:[...]}`, `{result:{points:[...]}}`, a bare array and similar.
 * Returns null when the body has no list of hits with ids (a "bad body").
 */
export function extractIds(body: unknown): string[] | null {
  const hits = hitList(body);
  if (!hits) return null;
  const ids: string[] = [];
  for (const h of hits) {
    const id = h !== null && typeof h === 'object' ? (h as Record<string, unknown>).id : undefined;
    if (typeof id !== 'number' && typeof id !== 'string') return null;
    ids.push(String(id));
  }
  return ids;
}
