/**
 * An HTTP/1.1 response parser for the raw client's hot path: one response at a time per
 * connection (no pipelining). It reads only what the driver needs — the status, the framing
 * (`content-length`, `transfer-encoding: chunked`, or until close), `connection: close` and the
 * keep-alive timeout hint — and hands back the body bytes. Packets may split anywhere.
 *
 * `push` returns true when the message is complete; `extra` then holds bytes past its end (a
 * server that sends more than one answer to one request: the caller closes the connection).
 * Bodies that arrive in one packet are a view of that packet, not a copy, unless `copyBody`
 * (for callers whose read buffer is reused).
 */

export class HttpParseError extends Error {
  readonly code = 'HPE_INVALID';
}

const MAX_HEAD_BYTES = 64 * 1024;
const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n');

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  status = 0;
  /** False when the server said `connection: close` (or spoke HTTP/1.0 without keep-alive). */
  keepAlive = true;
  /** The server's `keep-alive: timeout=N` hint in ms, or 0. */
  keepAliveTimeoutMs = 0;
  body: Buffer | null = null;
  extra: Buffer | null = null;

  private state = State.Head;
  private head: Buffer | null = null;
  private remaining = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private sizeDigits = 0;
  private inExtension = false;
  private trailerLineBytes = 0;
  private sawCr = false;

  constructor(private readonly copyBody = false) {}

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.status = 0;
    this.keepAlive = true;
    this.keepAliveTimeoutMs = 0;
    this.body = null;
    this.extra = null;
    this.state = State.Head;
    this.head = null;
    this.parts = [];
    this.partsBytes = 0;
  }

  /** True once a response has started (its first byte arrived). */
  get started(): boolean {
    return this.state !== State.Head || this.head !== null;
  }

  /** True when the body runs until the connection closes: `end()` completes it. */
  get readsUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Feeds bytes; true when the response is complete (then see status, body, keepAlive, extra). */
  push(chunk: Buffer): boolean {
    let buf = chunk;
    let i = 0;
    if (this.state === State.Head) {
      if (this.head) {
        buf = Buffer.concat([this.head, chunk]);
        this.head = null;
      }
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) throw new HttpParseError('response head larger than 64 KiB');
        this.head = Buffer.from(buf);
        return false;
      }
      if (this.readHead(buf.toString('latin1', 0, end))) return true;
      i = end + 4;
      // 1xx: an interim answer, the real one follows.
      if (this.state === State.Head) return i < buf.length ? this.push(buf.subarray(i)) : false;
    }
    return this.readBody(buf, i);
  }

  /** The connection closed: completes a body read until close, else the message was cut short. */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.finishBody();
      this.keepAlive = false;
      return true;
    }
    return false;
  }

  /** Returns true when the message is already complete (no body). */
  private readHead(head: string): boolean {
    // "HTTP/1.1 200 OK"
    if (!head.startsWith('HTTP/1.') || head.charCodeAt(8) !== 32) throw new HttpParseError(`not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, 40))}`);
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new HttpParseError(`bad status in ${JSON.stringify(head.slice(0, 40))}`);
    const http10 = head.charCodeAt(7) === 48;
    let length = -1;
    let chunked = false;
    let connection = '';
    let pos = head.indexOf('\r\n');
    while (pos >= 0) {
      const start = pos + 2;
      const next = head.indexOf('\r\n', start);
      const lineEnd = next < 0 ? head.length : next;
      const colon = head.indexOf(':', start);
      if (colon > start && colon < lineEnd) {
        const c = head.charCodeAt(start) | 0x20;
        // Only names starting with c, t or k matter: skip the rest without lower-casing them.
        if (c === 0x63 || c === 0x74 || c === 0x6b) {
          const name = head.slice(start, colon).toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim();
          if (name === 'content-length') {
            const n = Number(value);
            if (!Number.isSafeInteger(n) || n < 0 || (length >= 0 && n !== length)) throw new HttpParseError(`bad content-length "${value}"`);
            length = n;
          } else if (name === 'transfer-encoding') {
            chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
          } else if (name === 'connection') {
            connection = value.toLowerCase();
          } else if (name === 'keep-alive') {
            const m = /timeout\s*=\s*(\d+)/i.exec(value);
            if (m) this.keepAliveTimeoutMs = Number(m[1]) * 1000;
          }
        }
      }
      pos = next;
    }
    this.status = status;
    this.keepAlive = http10 ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection);
    if (status < 200) {
      this.status = 0;
      this.keepAliveTimeoutMs = 0;
      return false;
    }
    if (status === 204 || status === 304) {
      this.state = State.Done;
      return true;
    }
    if (chunked) {
      this.state = State.ChunkSize;
      this.remaining = 0;
      this.sizeDigits = 0;
      this.inExtension = false;
      this.sawCr = false;
    } else if (length >= 0) {
      this.remaining = length;
      this.state = State.Length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    return false;
  }

  private take(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const view = buf.subarray(from, to);
    this.parts.push(this.copyBody ? Buffer.from(view) : view);
    this.partsBytes += to - from;
  }

  private finishBody(): void {
    this.body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    this.state = State.Done;
  }

  private complete(buf: Buffer, i: number): boolean {
    this.finishBody();
    if (i < buf.length) this.extra = buf.subarray(i);
    return true;
  }

  private readBody(buf: Buffer, i: number): boolean {
    const n = buf.length;
    for (;;) {
      switch (this.state) {
        case State.Length: {
          const take = Math.min(this.remaining, n - i);
          if (take === this.remaining && this.parts.length === 0 && !this.copyBody) {
            // The whole body in this packet: a view, no copy.
            this.body = buf.subarray(i, i + take);
            this.state = State.Done;
            if (i + take < n) this.extra = buf.subarray(i + take);
            return true;
          }
          this.take(buf, i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) return this.complete(buf, i);
          return false;
        }
        case State.UntilClose:
          this.take(buf, i, n);
          return false;
        case State.ChunkSize: {
          let lineDone = false;
          for (; i < n; i++) {
            const b = buf[i]!;
            if (this.sawCr) {
              if (b !== LF) throw new HttpParseError('chunk size line without LF');
              this.sawCr = false;
              if (this.sizeDigits === 0) throw new HttpParseError('empty chunk size');
              lineDone = true;
              i++;
              break;
            }
            if (b === CR) {
              this.sawCr = true;
            } else if (this.inExtension) {
              continue;
            } else if (b === 0x3b /* ; */ || b === 0x20 || b === 0x09) {
              this.inExtension = true;
            } else {
              const d = hexValue(b);
              if (d < 0) throw new HttpParseError(`bad chunk size byte 0x${b.toString(16)}`);
              if (++this.sizeDigits > 12) throw new HttpParseError('chunk size too large');
              this.remaining = this.remaining * 16 + d;
            }
          }
          if (!lineDone) return false;
          this.sizeDigits = 0;
          this.inExtension = false;
          if (this.remaining === 0) {
            this.state = State.Trailers;
            this.trailerLineBytes = 0;
          } else {
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, n - i);
          this.take(buf, i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining > 0) return false;
          this.state = State.ChunkDataEnd;
          this.sawCr = false;
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data.
          for (; i < n; i++) {
            const b = buf[i]!;
            if (!this.sawCr) {
              if (b !== CR) throw new HttpParseError('chunk data not followed by CRLF');
              this.sawCr = true;
            } else {
              if (b !== LF) throw new HttpParseError('chunk data not followed by CRLF');
              this.sawCr = false;
              i++;
              this.state = State.ChunkSize;
              this.remaining = 0;
              break;
            }
          }
          if (this.state === State.ChunkDataEnd) return false;
          break;
        }
        case State.Trailers: {
          // Trailer lines until an empty one; their content is ignored.
          for (; i < n; i++) {
            const b = buf[i]!;
            if (b === LF) {
              if (this.trailerLineBytes === 0) return this.complete(buf, i + 1);
              this.trailerLineBytes = 0;
            } else if (b !== CR) {
              this.trailerLineBytes++;
            }
          }
          return false;
        }
        case State.Head:
        case State.Done:
          throw new HttpParseError('parser used after a complete message without reset()');
      }
    }
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
