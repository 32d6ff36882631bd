/**
 * The raw client: a fixed set of keep-alive connections to one `http:` origin, requests prebuilt
 * as whole byte strings, one timeout sweep for all of them (not a timer per request).
 */
import { RawConnection } from './connection.ts';
import type { RawDone } from './connection.ts';

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_SWEEP_MS = 250;

/** The header lines every request to `origin` carries: host, then `headers` (framing headers are the client's own). */
export function headerLines(origin: URL, headers: Record<string, string>): string {
  let lines = `host: ${origin.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name === 'host' || name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue;
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)} contains a line break`);
    lines += `${k}: ${v}\r\n`;
  }
  return lines;
}

/** Request line, header lines (from `headerLines`) and body as one buffer. */
export function encodeWithHead(method: string, path: string, lines: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines}content-length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}

/** Request line, headers and body as the bytes sent for every request of this query. */
export function encodeRequest(origin: URL, method: string, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  return encodeWithHead(method, path, headerLines(origin, headers), body);
}

export class RawHttpClient {
  readonly connections: RawConnection[];
  private readonly sweep: NodeJS.Timeout;

  /** `done[i]` receives the outcomes of connection i. */
  constructor(origin: URL, done: RawDone[], timeoutMs: number) {
    if (origin.protocol !== 'http:') throw new Error(`the raw client speaks plain http only (got ${origin.protocol})`);
    const port = Number(origin.port || 80);
    const host = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    this.connections = done.map((d) => new RawConnection(host, port, readBuffer, d));
    this.sweep = setInterval(() => {
      const now = performance.now();
      for (const c of this.connections) c.checkTimeout(now, timeoutMs);
    }, Math.max(1, Math.min(MAX_SWEEP_MS, timeoutMs / 4)));
    this.sweep.unref();
  }

  /** Opens the first `n` connections (the ones a driver uses first) before any request. */
  async preconnect(n = this.connections.length): Promise<void> {
    await Promise.all(this.connections.slice(0, n).map((c) => c.preconnect()));
  }

  close(): void {
    clearInterval(this.sweep);
    for (const c of this.connections) c.close();
  }
}
