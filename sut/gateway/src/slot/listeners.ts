/**
 * A slot's two listeners and its connections: TCP `host:port` (direct access: validation,
 * status) and, with GATEWAY_SOCKET, a unix socket (the front door's upstream). Both feed the one
 * Fastify server: the unix listener is a plain net.Server that hands each connection to
 * `app.server` (`emit('connection')`, as Node documents for injecting connections), so hooks,
 * metrics, errors, timeouts and keep-alive handling are the same code for both.
 *
 * Draining (graceful stop): `drain()` waits until no connection is open. Responses then carry
 * `Connection: close` (SlotState.draining), so a busy connection closes after its response; an
 * idle keep-alive connection is closed by the slot only once it has been idle longer than nginx
 * keeps an upstream connection cached (10 s), so nginx never sends a request on a connection the
 * slot is closing; whatever is left at the deadline is closed then.
 */
import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** nginx's upstream keepalive_timeout (sut/gateway/nginx/nginx.conf.template). */
export const UPSTREAM_KEEPALIVE_MS = 10_000;
/** A draining slot closes an idle connection once it has been idle this long (nginx dropped it by then). */
export const IDLE_CLOSE_MS = UPSTREAM_KEEPALIVE_MS + 1_000;
/** How often a drain looks at its connections. */
const DRAIN_TICK_MS = 100;

export interface ListenOptions {
  host: string;
  port: number;
  /** GATEWAY_SOCKET, or null. */
  socketPath: string | null;
  /**
   * A cluster worker's: the port and the socket are the slot's, shared through the primary, which
   * removed a stale socket file before forking; a worker must not (the socket is live once the
   * first worker listens).
   */
  shared?: boolean;
}

interface Connection {
  /** Responses in progress on it (more than one only when a client pipelines). */
  responses: Set<ServerResponse>;
  /** When it last became idle (connected, or its last response ended), Date.now(). */
  idleSince: number;
}

/** A socket path that is in use by a live process, or is not a socket: the slot refuses to start. */
export class SocketPathError extends Error {
  override readonly name = 'SocketPathError';
}

export class SlotListeners {
  private readonly connections = new Map<Socket, Connection>();
  private unixServer: Server | null = null;
  /** The socket file's identity once listening, so that only our own file is unlinked. */
  private socketId: { dev: number; ino: number } | null = null;
  private onIdleChange: (() => void) | null = null;
  url = '';

  private constructor(private readonly app: FastifyInstance, readonly socketPath: string | null) {}

  /**
   * Tracks connections, listens on TCP (app.listen: runs the onReady hooks), then on the unix
   * socket (a stale socket file is unlinked first; the new one is made mode 0666, since nginx's
   * workers may run as another user).
   */
  static async open(app: FastifyInstance, opts: ListenOptions): Promise<SlotListeners> {
    const listeners = new SlotListeners(app, opts.socketPath);
    // refuse a path in use before the (possibly long) start-up; unlinked again right before listening
    if (opts.socketPath && !opts.shared) await removeStaleSocket(opts.socketPath);
    listeners.track();
    await app.listen({ host: opts.host, port: opts.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    listeners.url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
    if (opts.socketPath) await listeners.listenUnix(opts.socketPath, opts.shared ?? false);
    return listeners;
  }

  /** Connections open now, on both listeners. */
  openConnections(): number {
    return this.connections.size;
  }

  /** Idle connections open now. */
  idleConnections(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.responses.size === 0) n++;
    return n;
  }

  /**
   * Removes the socket file (if it is still ours), so that no new connection reaches this slot
   * through it; the listening socket and the connections it accepted stay. True if removed.
   */
  unlinkSocket(): boolean {
    if (!this.socketPath || !this.socketId) return false;
    try {
      const st = statSync(this.socketPath);
      if (st.dev !== this.socketId.dev || st.ino !== this.socketId.ino) return false; // another process's now
      unlinkSync(this.socketPath);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits until no connection is open ('drained') or `deadline` (Date.now() ms) comes
   * ('deadline'). A response in progress that has not sent its headers yet closes its
   * connection too (its request came before the drain); idle connections are closed once idle
   * for IDLE_CLOSE_MS; at the deadline every idle one is closed (busy ones finish their
   * response, which closes them).
   */
  drain(deadline: number): Promise<'drained' | 'deadline'> {
    for (const c of this.connections.values()) {
      for (const res of c.responses) if (!res.headersSent) res.setHeader('connection', 'close');
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (outcome: 'drained' | 'deadline') => {
        if (timer) clearInterval(timer);
        this.onIdleChange = null;
        resolve(outcome);
      };
      const tick = () => {
        if (this.connections.size === 0) return finish('drained');
        const now = Date.now();
        const atDeadline = now >= deadline;
        for (const [socket, c] of this.connections) {
          if (c.responses.size === 0 && (atDeadline || now - c.idleSince >= IDLE_CLOSE_MS)) socket.destroy();
        }
        if (atDeadline) finish('deadline');
      };
      this.onIdleChange = () => {
        if (this.connections.size === 0) finish('drained');
      };
      timer = setInterval(tick, DRAIN_TICK_MS);
      tick();
    });
  }

  /**
   * Closes both listeners (app.close(): Fastify's onClose hooks, then Node closes the idle
   * connections left and waits for the busy ones). Call it after drain().
   */
  async close(): Promise<void> {
    const unix = this.unixServer;
    await Promise.all([
      this.app.close(),
      unix ? new Promise<void>((resolve) => unix.close(() => resolve())) : Promise.resolve(),
    ]);
    this.unlinkSocket();
  }

  /** Every connection of app.server (TCP, and unix ones handed over), with its requests in progress. */
  private track(): void {
    const server = this.app.server;
    server.on('connection', (socket: Socket) => {
      const c: Connection = { responses: new Set(), idleSince: Date.now() };
      this.connections.set(socket, c);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.onIdleChange?.();
      });
    });
    // before Fastify's own listener, so that a response finishing at once is still counted
    server.prependListener('request', (req, res) => {
      const c = this.connections.get(req.socket as Socket);
      if (!c) return;
      c.responses.add(res);
      res.once('close', () => {
        c.responses.delete(res);
        c.idleSince = Date.now();
      });
    });
  }

  private async listenUnix(path: string, shared: boolean): Promise<void> {
    if (!shared) await removeStaleSocket(path);
    const server = createServer((socket) => {
      // A unix peer is on this host: it counts as loopback for the IP allowlist and the trusted
      // proxies (nginx's X-Forwarded-For is then honoured as it is from 127.0.0.1 over TCP).
      Object.defineProperty(socket, 'remoteAddress', { value: UNIX_PEER, configurable: true });
      this.app.server.emit('connection', socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.app.log.error({ err, socket: path }, 'unix socket listener error'));
    chmodSync(path, 0o666);
    const st = statSync(path);
    this.socketId = { dev: st.dev, ino: st.ino };
    this.unixServer = server;
  }
}

/** The address a unix-socket peer is given. */
export const UNIX_PEER = '127.0.0.1';

/**
 * Before listening: a socket file left by a slot that is gone (killed) is removed; a path that a
 * live process answers on, or that is not a socket, is refused.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new SocketPathError(`GATEWAY_SOCKET: ${path} exists and is not a socket: remove it or choose another path`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new SocketPathError(`GATEWAY_SOCKET: ${path} is in use by a running process (another slot?): stop it or choose another path`);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
