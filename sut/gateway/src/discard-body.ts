import type { IncomingMessage } from 'node:http';

/**
 * Reads and drops what is left of a refused request's body (at most `maxBytes`, for at most
 * `maxMs`) before the answer goes out: the lingering close of nginx and Go's net/http. A proxy
 * still sending a body over the limit would otherwise meet a reset when Node closes the
 * connection on unread data, and answer its client 502 instead of the gateway's 413.
 */
export function discardBody(raw: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('error', done);
      raw.pause();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('error', done);
    raw.resume();
  });
}
