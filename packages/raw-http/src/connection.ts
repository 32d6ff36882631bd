/**
 * One keep-alive HTTP/1.1 connection of the raw client: one request at a time, each a single
 * prebuilt buffer written with one `socket.write`; answers read through `onread` into a buffer
 * shared by every connection of the client (no per-read allocation, no stream 'data' events).
 * The connection opens lazily, reopens after the server closes it, and is dropped before a send
 * when it has been idle longer than the server keeps idle connections.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ResponseParser } from './response-parser.ts';

/** Reuse an idle connection for at most this long unless the server says longer (node:http's default is 5 s). */
const DEFAULT_IDLE_LIMIT_MS = 4_000;
/** Margin under the server's `keep-alive: timeout`, so the server never closes first while we write. */
const IDLE_MARGIN_MS = 1_000;

/** Outcome of one request: `err` set, or a complete response (`status`, `body`). */
export type RawDone = (status: number, body: Buffer | null, err: Error | null) => void;

export function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

export class RawConnection {
  private socket: Socket | null = null;
  /** The body is copied out of the shared read buffer before the next read reuses it. */
  private readonly parser = new ResponseParser(true);
  private busy = false;
  private sentAt = 0;
  private idleSince = 0;
  private idleLimitMs = DEFAULT_IDLE_LIMIT_MS;
  private socketError: Error | null = null;
  /** Connections opened (the first one included): reconnects show up here. */
  opened = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly readBuffer: Buffer,
    private readonly done: RawDone,
  ) {}

  get inFlight(): boolean {
    return this.busy;
  }

  /** Sends one request (`bytes`: request line, headers and body); `done` reports its outcome. */
  send(bytes: Buffer, nowMs: number): void {
    if (this.busy) throw new Error('raw connection: a request is already in flight');
    // Idle too long, or the server's FIN arrived and 'close' has not yet: start a fresh connection.
    if (this.socket && (nowMs - this.idleSince > this.idleLimitMs || !this.socket.writable)) this.drop();
    if (!this.socket) this.open();
    this.busy = true;
    this.sentAt = nowMs;
    this.parser.reset();
    this.socket!.write(bytes);
  }

  /** Opens the connection ahead of its first request; resolves once connected (or failed: the send will retry). */
  preconnect(): Promise<void> {
    if (this.socket) return Promise.resolve();
    this.open();
    this.idleSince = performance.now();
    const socket = this.socket!;
    return new Promise<void>((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => resolve());
    });
  }

  /** Fails the request in flight when it has waited `timeoutMs` or more. */
  checkTimeout(nowMs: number, timeoutMs: number): void {
    if (!this.busy || nowMs - this.sentAt < timeoutMs) return;
    const connecting = this.socket?.connecting === true;
    this.fail(connecting
      ? codedError(`connect timeout after ${timeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT')
      : codedError(`no complete answer within ${timeoutMs} ms`, 'ETIMEDOUT'));
  }

  close(): void {
    this.busy = false;
    this.drop();
  }

  private open(): void {
    this.opened++;
    this.socketError = null;
    this.idleLimitMs = DEFAULT_IDLE_LIMIT_MS;
    const socket: Socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      keepAlive: true,
      onread: { buffer: this.readBuffer, callback: (n: number, buf: Buffer): boolean => this.onRead(socket, n, buf) },
    });
    socket.on('error', (err: Error) => {
      if (socket === this.socket) this.socketError = err;
    });
    socket.on('close', () => this.onClose(socket));
    this.socket = socket;
  }

  private onRead(socket: Socket, n: number, buf: Buffer): boolean {
    if (socket !== this.socket) return true;
    if (!this.busy) {
      // Bytes nobody asked for: the connection is out of step; start afresh next time.
      this.drop();
      return true;
    }
    let complete: boolean;
    try {
      complete = this.parser.push(buf.subarray(0, n));
    } catch (err) {
      this.fail(err as Error);
      return true;
    }
    if (!complete) return true;
    const p = this.parser;
    if (p.keepAliveTimeoutMs > 0) this.idleLimitMs = Math.max(0, p.keepAliveTimeoutMs - IDLE_MARGIN_MS);
    if (!p.keepAlive || p.extra !== null) this.drop();
    this.busy = false;
    this.idleSince = this.sentAt;
    this.done(p.status, p.body, null);
    return true;
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (!this.busy) return;
    if (this.parser.end()) {
      this.busy = false;
      this.done(this.parser.status, this.parser.body, null);
      return;
    }
    this.fail(this.socketError ?? codedError('the server closed the connection before a complete answer', 'UND_ERR_SOCKET'));
  }

  private fail(err: Error): void {
    this.drop();
    if (!this.busy) return;
    this.busy = false;
    this.done(0, null, err);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
  }
}
