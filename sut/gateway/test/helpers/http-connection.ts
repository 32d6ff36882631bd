/**
 * One HTTP/1.1 connection the test holds itself (TCP or a unix socket), so that it can see what
 * the server does with it: which response headers come, whether the server keeps it open, and
 * when and how (FIN or reset) it closes. Responses with a content-length or chunked bodies.
 */
import { createConnection, type Socket } from 'node:net';

export interface HttpAnswer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

export interface Target {
  port?: number;
  host?: string;
  /** A unix socket path (instead of host/port). */
  path?: string;
}

export class HttpConnection {
  /** Resolves when the server closed the connection (or it failed): how. */
  readonly closed: Promise<'end' | 'error'>;
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void } | null = null;
  private ended = false;
  private error: Error | null = null;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        this.tryParse();
      });
      socket.once('end', () => {
        this.ended = true;
        this.fail(new Error('the server closed the connection'));
        resolve('end');
      });
      socket.once('error', (err) => {
        this.error = err;
        this.fail(err);
        resolve('error');
      });
      socket.once('close', () => resolve(this.error ? 'error' : 'end'));
    });
  }

  static open(target: Target): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = target.path ? createConnection({ path: target.path }) : createConnection({ host: target.host ?? '127.0.0.1', port: target.port as number });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new HttpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** True once the server closed its side. */
  get isClosed(): boolean {
    return this.ended || this.error !== null || this.socket.destroyed;
  }

  request(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<HttpAnswer> {
    if (this.waiting) throw new Error('one request at a time');
    if (this.isClosed) return Promise.reject(new Error('the connection is closed'));
    const lines = [`${method} ${path} HTTP/1.1`, 'host: localhost', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body || method === 'POST') lines.push(`content-length: ${Buffer.byteLength(body)}`);
    const answer = new Promise<HttpAnswer>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }

  private tryParse(): void {
    if (!this.waiting) return;
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const [statusLine, ...headerLines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < length) return;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      let at = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          at = lineEnd + 4;
          break;
        }
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
      rest = rest.subarray(at);
    } else {
      body = Buffer.alloc(0);
    }
    this.buffer = Buffer.from(rest);
    const w = this.waiting;
    this.waiting = null;
    w.resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: body.toString('utf8') });
  }
}

/** One request on a connection of its own (closed afterwards). */
export async function requestOnce(target: Target, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<HttpAnswer> {
  const conn = await HttpConnection.open(target);
  try {
    return await conn.request(method, path, headers, body);
  } finally {
    conn.close();
  }
}
