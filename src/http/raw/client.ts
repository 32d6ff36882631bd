/**
 * The raw client: a fixed set of keep-alive connections to one `http:` origin, requests prebuilt
 * as whole byte strings, one timeout sweep for all of them (not a timer per request).
 */
import { RawConnection } from './connection.ts';
import type { RawDone } from './connection.ts';

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_SWEEP_MS = 250;

/** Request line, headers and body as the bytes sent for every request of this query. */
export function encodeRequest(origin: URL, method: string, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${origin.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name === 'host' || name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue;
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)} contains a line break`);
    head += `${k}: ${v}\r\n`;
  }
  head += `content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
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

  close(): void {
    clearInterval(this.sweep);
    for (const c of this.connections) c.close();
  }
}
