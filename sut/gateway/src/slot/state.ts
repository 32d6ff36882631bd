import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** How long an answer to "is this slot active?" is reused (the contract: at most 100 ms). */
export const ACTIVE_CHECK_MS = 100;

export interface SlotStateOptions {
  /** GATEWAY_SOCKET, or null. */
  socketPath: string | null;
  /** GATEWAY_ACTIVE_LINK, or null: always active. */
  activeLink: string | null;
  /** Milliseconds, monotonic (tests pass their own clock). */
  now?: () => number;
}

/**
 * Whether this slot is the one the front door sends new connections to, and whether it is
 * draining. The front door (nginx) has one upstream, `active.sock`, a symlink to the active
 * slot's socket; the slot is active while `realpath(link) === realpath(own socket)`. Without a
 * link the slot is always active (a standalone gateway).
 *
 * `closeConnections()` is what every response asks: when the slot is not active (nginx may still
 * reuse connections it cached to it) or it is draining, the response carries `Connection: close`
 * and Node closes the connection after it, so nobody reuses it. The link is read (one
 * realpath(3)) at most every ACTIVE_CHECK_MS, on the first call after that: no timer, no
 * syscall per request.
 */
export class SlotState {
  /** Set by the graceful shutdown: every response from now on closes its connection. */
  draining = false;
  private readonly now: () => number;
  private ownReal: string | null = null;
  private cached = true;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: SlotStateOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  active(): boolean {
    const link = this.opts.activeLink;
    if (link === null) return true;
    const now = this.now();
    if (now - this.checkedAt < ACTIVE_CHECK_MS) return this.cached;
    this.checkedAt = now;
    let target: string | null = null;
    try {
      target = realpathSync.native(link);
    } catch {
      // no link (yet), or it points at a socket that is gone: not us
    }
    this.cached = target !== null && target === this.ownSocket();
    return this.cached;
  }

  /** True when responses must close their connection: not active, or draining. */
  closeConnections(): boolean {
    return this.draining || !this.active();
  }

  /** Forget the cached answer (after the socket starts listening, and in tests). */
  recheck(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** The socket's own path with its directory resolved (the socket file need not exist yet). */
  private ownSocket(): string | null {
    const path = this.opts.socketPath;
    if (path === null) return null;
    if (this.ownReal === null) {
      try {
        this.ownReal = join(realpathSync.native(dirname(path)), basename(path));
      } catch {
        return null;
      }
    }
    return this.ownReal;
  }
}
