import { Pool, errors as undiciErrors } from 'undici';
import { RawHttpPool } from '@vdb-readiness/raw-http';
import { GatewayError } from '../errors.ts';

const ADMIN_TIMEOUT_MS = 60_000;

/**
 * A thin Qdrant REST client on an undici keep-alive pool. Hand-written rather than
 * @qdrant/js-client-rest because that client goes through fetch (slower per call, and the hot
 * path is search) and maps errors its own way; here every call has a timeout and every
 * failure becomes a catalogue error.
 * Searches to a plain-http Qdrant go through the project's raw keep-alive pool instead
 * (@vdb-readiness/raw-http): measured request by request against undici's `request` on the same stack,
 * it takes ~0.2 ms off every search's latency (undici's request, headers and body-stream
 * layers run on the critical path of each call).
 */
export interface QdrantClientOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  connections: number;
  /** Observes each call's duration (seconds) and outcome. */
  onCall?: (op: string, seconds: number, ok: boolean) => void;
}

export interface ScoredPoint {
  id: number | string;
  score: number;
  payload?: Record<string, unknown> | null;
}

export interface CollectionInfo {
  status: string;
  points_count: number | null;
  indexed_vectors_count: number | null;
  config: { params: { vectors: { size: number; distance: string } | Record<string, { size: number; distance: string }> } };
}

export interface QueryRequest {
  query: number[];
  limit: number;
  offset?: number;
  filter?: Record<string, unknown>;
  with_payload?: boolean;
  score_threshold?: number;
}

export interface PointRecord {
  id: number | string;
  vector?: number[] | Record<string, unknown> | null;
  payload?: Record<string, unknown> | null;
}

/** A request body already encoded as JSON (sent as it is). */
export class JsonText {
  constructor(readonly text: string) {}
}

const encode = (body: unknown): string | undefined => (body === undefined ? undefined : body instanceof JsonText ? body.text : JSON.stringify(body));

export class QdrantClient {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  /** The search path when Qdrant speaks plain http; null for https (undici then). */
  private readonly searchPool: RawHttpPool | null;

  constructor(private readonly opts: QdrantClientOptions) {
    this.pool = new Pool(opts.url, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: Math.min(opts.timeoutMs, 2000),
    });
    this.headers = { 'content-type': 'application/json', ...(opts.apiKey ? { 'api-key': opts.apiKey } : {}) };
    const origin = new URL(opts.url);
    this.searchPool = origin.protocol === 'http:' ? new RawHttpPool(origin, this.headers, opts.connections, opts.timeoutMs) : null;
  }

  async close(): Promise<void> {
    this.searchPool?.close();
    await this.pool.close();
  }

  /** GET /readyz (no envelope); true when ready. */
  async ready(timeoutMs: number): Promise<boolean> {
    const res = await this.raw('GET', '/readyz', undefined, 'readyz', timeoutMs);
    return res.status === 200;
  }

  async listCollections(): Promise<string[]> {
    const r = await this.call<{ collections: Array<{ name: string }> }>('GET', '/collections', undefined, 'list_collections');
    return r.collections.map((c) => c.name);
  }

  /** Collection info, or null when it does not exist. */
  async getCollection(name: string): Promise<CollectionInfo | null> {
    try {
      return await this.call<CollectionInfo>('GET', `/collections/${encodeURIComponent(name)}`, undefined, 'get_collection');
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'GW_ERR_COLLECTION_NOT_FOUND') return null;
      throw err;
    }
  }

  async createCollection(name: string, size: number, distance: string): Promise<void> {
    // Creating a collection can take seconds (storage set-up), far longer than a search.
    await this.call('PUT', `/collections/${encodeURIComponent(name)}`, { vectors: { size, distance } }, 'create_collection', ADMIN_TIMEOUT_MS);
  }

  /** `vectorText`: `req.query`'s numbers as JSON text (without the brackets), sent instead of formatting them again. */
  async query(collection: string, req: QueryRequest, vectorText: string | null = null): Promise<ScoredPoint[]> {
    let body: unknown = req;
    if (vectorText !== null) {
      const { query: _query, ...rest } = req;
      // rest always holds `limit`: '{"limit":…}' less its opening brace
      body = new JsonText(`{"query":[${vectorText}],${JSON.stringify(rest).slice(1)}`);
    }
    const r = await this.call<{ points: ScoredPoint[] }>('POST', `/collections/${encodeURIComponent(collection)}/points/query`, body, 'query', this.opts.timeoutMs, true);
    return r.points;
  }

  async upsert(collection: string, points: PointRecord[]): Promise<void> {
    await this.call('PUT', `/collections/${encodeURIComponent(collection)}/points?wait=true`, { points }, 'upsert');
  }

  async retrieve(collection: string, ids: Array<number | string>): Promise<PointRecord[]> {
    return this.call<PointRecord[]>('POST', `/collections/${encodeURIComponent(collection)}/points`, { ids, with_payload: true, with_vector: true }, 'retrieve');
  }

  async delete(collection: string, ids: Array<number | string>): Promise<void> {
    await this.call('POST', `/collections/${encodeURIComponent(collection)}/points/delete?wait=true`, { points: ids }, 'delete');
  }

  /** An enveloped call: returns `result`, or throws a GatewayError. `hot`: through the search pool when there is one (its timeout is the client's). */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, op: string, timeoutMs = this.opts.timeoutMs, hot = false): Promise<T> {
    const res = await this.raw(method, path, body, op, timeoutMs, hot);
    const text = res.text;
    let parsed: { result?: T; status?: unknown } | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status === 200 && parsed && 'result' in parsed) return parsed.result as T;
    const message = typeof parsed?.status === 'object' && parsed.status !== null ? String((parsed.status as { error?: unknown }).error ?? '') : text.slice(0, 200);
    throw upstreamError(res.status, message);
  }

  private async raw(method: string, path: string, body: unknown, op: string, timeoutMs: number, hot = false): Promise<{ status: number; text: string }> {
    const started = performance.now();
    let ok = false;
    try {
      if (hot && this.searchPool) {
        const answer = await this.searchPool.request(method, path, encode(body) ?? '');
        ok = answer.status < 500;
        return { status: answer.status, text: answer.body ? answer.body.toString('utf8') : '' };
      }
      const res = await this.pool.request({
        method: method as 'GET',
        path,
        headers: this.headers,
        body: encode(body),
        // per-request timeouts (undici's own timers, cheaper than an AbortSignal per call;
        // and they must be set here for a call to wait longer than the pool's default)
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      ok = res.statusCode < 500;
      return { status: res.statusCode, text };
    } catch (err) {
      throw transportError(err, timeoutMs);
    } finally {
      this.opts.onCall?.(op, (performance.now() - started) / 1000, ok);
    }
  }
}

function upstreamError(status: number, message: string): GatewayError {
  if (status === 404) return new GatewayError('GW_ERR_COLLECTION_NOT_FOUND', message.replace(/^Not found: /, '') || 'not found');
  if (status === 400 || status === 422) {
    const dim = /expected dim: (\d+), got (\d+)/.exec(message);
    if (dim) return new GatewayError('GW_ERR_VECTOR_DIMENSION', `vector has ${dim[2]} values but the collection expects ${dim[1]}`);
    return new GatewayError('GW_ERR_VALIDATION', `Qdrant refused the request: ${message.slice(0, 300)}`);
  }
  if (status === 503) return new GatewayError('GW_ERR_UNAVAILABLE', 'Qdrant is not available');
  if (status === 408 || status === 504) return new GatewayError('GW_ERR_UPSTREAM_TIMEOUT', 'Qdrant did not answer in time');
  return new GatewayError('GW_ERR_UPSTREAM', `Qdrant answered ${status}`);
}

function transportError(err: unknown, timeoutMs: number): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { name?: string; code?: string };
  if (
    e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ETIMEDOUT' || e?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError
  ) {
    return new GatewayError('GW_ERR_UPSTREAM_TIMEOUT', `Qdrant did not answer within ${timeoutMs} ms`);
  }
  return new GatewayError('GW_ERR_UNAVAILABLE', 'Qdrant is unreachable');
}
