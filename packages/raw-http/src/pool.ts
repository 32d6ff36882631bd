/**
 * A promise-based pool on the raw client, for a process that calls one plain-http upstream on
 * its hot path (the reference gateway's searches to Qdrant): up to `size` keep-alive
 * connections (each opens on its first request), requests sent in arrival order when one is
 * free, the client's one timeout sweep for all of them. Each request is written with one
 * `socket.write` and its answer read without a body stream.
 */
import { RawHttpClient, encodeWithHead, headerLines } from './client.ts';
import { codedError } from './connection.ts';

export interface RawAnswer {
  status: number;
  body: Buffer | null;
}

interface Pending {
  bytes: Buffer;
  queuedAt: number;
  resolve(answer: RawAnswer): void;
  reject(err: Error): void;
}

export class RawHttpPool {
  private readonly client: RawHttpClient;
  private readonly lines: string;
  /** Indexes of the connections with nothing in flight (the most recently used last). */
  private readonly idle: number[];
  private readonly inFlight: Array<Pending | null>;
  private readonly queue: Pending[] = [];
  private closed = false;

  /** `headers` go with every request (besides host and content-length). */
  constructor(origin: URL, headers: Record<string, string>, size: number, private readonly timeoutMs: number) {
    if (origin.protocol !== 'http:') throw new Error(`the raw pool speaks plain http only (got ${origin.protocol})`);
    this.lines = headerLines(origin, headers);
    this.inFlight = new Array<Pending | null>(size).fill(null);
    this.idle = Array.from({ length: size }, (_, i) => size - 1 - i);
    this.client = new RawHttpClient(origin, this.inFlight.map((_, i) => (status, body, err) => this.done(i, status, body, err)), timeoutMs);
  }

  /** Sends a request; rejects with a coded error (ETIMEDOUT, UND_ERR_CONNECT_TIMEOUT, ECONNREFUSED, ...) when there is no complete answer. */
  request(method: string, path: string, body: string): Promise<RawAnswer> {
    if (this.closed) return Promise.reject(codedError('the pool is closed', 'UND_ERR_DESTROYED'));
    const bytes = encodeWithHead(method, path, this.lines, Buffer.from(body));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, queuedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    this.client.close();
    const gone = [...this.queue.splice(0), ...this.inFlight.filter((p): p is Pending => p !== null)];
    this.inFlight.fill(null);
    for (const p of gone) p.reject(codedError('the pool is closed', 'UND_ERR_DESTROYED'));
  }

  private done(i: number, status: number, body: Buffer | null, err: Error | null): void {
    const p = this.inFlight[i];
    this.inFlight[i] = null;
    if (this.closed) return;
    this.idle.push(i);
    if (p) {
      if (err) p.reject(err);
      else p.resolve({ status, body });
    }
    this.pump();
  }

  private pump(): void {
    // every connection in flight ends (answer or timeout) within the timeout, so the queue is
    // looked at often enough to fail what waited too long without a timer of its own
    const now = performance.now();
    while (this.queue.length > 0 && now - (this.queue[0] as Pending).queuedAt >= this.timeoutMs) {
      (this.queue.shift() as Pending).reject(codedError(`no free connection within ${this.timeoutMs} ms`, 'ETIMEDOUT'));
    }
    while (this.queue.length > 0 && this.idle.length > 0) {
      const i = this.idle.pop() as number;
      const p = this.queue.shift() as Pending;
      this.inFlight[i] = p;
      // the timeout counts from when the request was queued
      this.client.connections[i]?.send(p.bytes, p.queuedAt);
    }
  }
}
