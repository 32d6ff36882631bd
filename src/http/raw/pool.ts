/**
 * A promise-based pool on the raw client's keep-alive connections, for a process that calls one
 * plain-http upstream on its hot path (the reference gateway's searches to Qdrant): up to
 * `size` connections opened as needed, requests sent in arrival order when one is free, one
 * timeout sweep for all of them (not a timer per request). Each request is written with one
 * `socket.write` and its answer read without a body stream.
 */
import { RawConnection, codedError } from './connection.ts';

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_SWEEP_MS = 250;

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
  private readonly idle: RawConnection[] = [];
  private readonly inFlight = new Map<RawConnection, Pending>();
  private readonly queue: Pending[] = [];
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly head: string;
  private readonly host: string;
  private readonly port: number;
  private readonly sweep: NodeJS.Timeout;
  private connections = 0;
  private closed = false;

  /** `headers` go with every request (besides host and content-length). */
  constructor(origin: URL, headers: Record<string, string>, private readonly size: number, private readonly timeoutMs: number) {
    if (origin.protocol !== 'http:') throw new Error(`the raw pool speaks plain http only (got ${origin.protocol})`);
    this.host = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(origin.port || 80);
    let head = `host: ${origin.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      const name = k.toLowerCase();
      if (name === 'host' || name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue;
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)} contains a line break`);
      head += `${k}: ${v}\r\n`;
    }
    this.head = head;
    this.sweep = setInterval(() => this.expire(), Math.max(1, Math.min(MAX_SWEEP_MS, timeoutMs / 4)));
    this.sweep.unref();
  }

  /** Sends a request; rejects with a coded error (ETIMEDOUT, UND_ERR_CONNECT_TIMEOUT, ECONNREFUSED, ...) when there is no complete answer. */
  request(method: string, path: string, body: string): Promise<RawAnswer> {
    if (this.closed) return Promise.reject(codedError('the pool is closed', 'UND_ERR_DESTROYED'));
    const payload = Buffer.from(body);
    const bytes = Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${this.head}content-length: ${payload.length}\r\n\r\n`, 'latin1'), payload]);
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, queuedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweep);
    for (const p of this.queue.splice(0)) p.reject(codedError('the pool is closed', 'UND_ERR_DESTROYED'));
    for (const [c, p] of this.inFlight) {
      c.close();
      p.reject(codedError('the pool is closed', 'UND_ERR_DESTROYED'));
    }
    this.inFlight.clear();
    for (const c of this.idle.splice(0)) c.close();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let c = this.idle.pop();
      if (!c && this.connections < this.size) c = this.open();
      if (!c) return;
      const p = this.queue.shift() as Pending;
      this.inFlight.set(c, p);
      // the timeout counts from when the request was queued
      c.send(p.bytes, p.queuedAt);
    }
  }

  private open(): RawConnection {
    this.connections++;
    const c: RawConnection = new RawConnection(this.host, this.port, this.readBuffer, (status, body, err) => {
      const p = this.inFlight.get(c);
      this.inFlight.delete(c);
      if (!this.closed) this.idle.push(c);
      if (p) {
        if (err) p.reject(err);
        else p.resolve({ status, body });
      }
      this.pump();
    });
    return c;
  }

  /** Fails requests in flight or queued for `timeoutMs` or more. */
  private expire(): void {
    const now = performance.now();
    // the queue first: a connection freed below must not take a request already out of time
    while (this.queue.length > 0 && now - (this.queue[0] as Pending).queuedAt >= this.timeoutMs) {
      (this.queue.shift() as Pending).reject(codedError(`no free connection within ${this.timeoutMs} ms`, 'ETIMEDOUT'));
    }
    for (const c of [...this.inFlight.keys()]) c.checkTimeout(now, this.timeoutMs);
  }
}
