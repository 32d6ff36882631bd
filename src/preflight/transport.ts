/**
 * The preflight's transport: one bounded HTTP GET whose failure is data (what went wrong on the
 * wire, classified), and the TLS/plain sniffs that tell "https:// to a plain port" and "http:// to
 * a TLS port" apart from a service that is simply not there.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request } from 'undici';

/** Every probe's bound: the whole preflight stays under 5 s even when something hangs. */
export const PROBE_TIMEOUT_MS = 1500;
/** The second look at a port (is it TLS? is it plain?), after a first probe failed. */
const SNIFF_TIMEOUT_MS = 800;

export type WireFailure =
  /** Nothing listens (ECONNREFUSED), the host is unknown or unroutable. */
  | 'refused'
  | 'dns'
  | 'timeout'
  /** A TLS client met a plain port (OpenSSL "wrong version number"). */
  | 'tls-to-plain'
  /** The TLS handshake worked, the certificate is not trusted (self-signed, wrong name, expired). */
  | 'untrusted-cert'
  /** The peer closed or reset the connection without an answer. */
  | 'reset'
  | 'other';

export interface HttpAnswer {
  ok: true;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface HttpFailure {
  ok: false;
  failure: WireFailure;
  /** A short form of the error for the line: its code, or its message's first line. */
  detail: string;
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What kind of failure an error of the socket, TLS or undici layer is. */
export function classifyWireError(err: unknown): { failure: WireFailure; detail: string } {
  const e = (err ?? {}) as { code?: string; message?: string; name?: string; cause?: unknown };
  const code = e.code ?? '';
  const message = String(e.message ?? err).split('\n')[0]!.trim();
  if (e.cause && !code) return classifyWireError(e.cause);
  const detail = code && !message.includes(code) ? `${code}: ${message}` : message || code;
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return { failure: 'refused', detail: code };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { failure: 'dns', detail: code };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || e.name === 'TimeoutError' || /timed out/i.test(message)) return { failure: 'timeout', detail: 'no answer in time' };
  if (CERT_CODES.has(code)) return { failure: 'untrusted-cert', detail: code };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return { failure: 'tls-to-plain', detail: 'SSL wrong version number' };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || /socket hang up|other side closed|Connection is closed/i.test(message)) return { failure: 'reset', detail };
  return { failure: 'other', detail };
}

/** GET `url` with `headers`, at most PROBE_TIMEOUT_MS; never throws. */
export async function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = PROBE_TIMEOUT_MS): Promise<HttpAnswer | HttpFailure> {
  try {
    const res = await request(url, {
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await res.body.text()).slice(0, 4096);
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: callers look at the status and text
    }
    return { ok: true, status: res.statusCode, headers: res.headers, text, json };
  } catch (err) {
    return { ok: false, ...classifyWireError(err) };
  }
}

function hostPort(url: URL, defaultPort: number): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort };
}

/**
 * Whether the port of `url` completes a TLS handshake (any certificate): the way to tell an
 * http:// URL aimed at a TLS port (the peer closes on plain bytes) from a peer that just resets.
 */
export function speaksTls(url: URL, defaultPort: number): Promise<boolean> {
  const { host, port } = hostPort(url, defaultPort);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, servername: /^[\d.:]+$/.test(host) ? undefined : host, timeout: SNIFF_TIMEOUT_MS });
    const done = (v: boolean): void => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Whether the port of `url` answers a plain-text Redis PING (`+PONG`, or an error reply such as
 * `-NOAUTH`): the way to tell a rediss:// URL aimed at a plain Redis port (which waits for a
 * line that a TLS hello never ends) from a Redis that is not there.
 */
export function speaksPlainRedis(url: URL): Promise<boolean> {
  const { host, port } = hostPort(url, 6379);
  return new Promise((resolve) => {
    const socket = netConnect({ host, port, timeout: SNIFF_TIMEOUT_MS });
    let got = '';
    const done = (v: boolean): void => {
      socket.destroy();
      resolve(v);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(/^[+-]/.test(got));
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
    socket.once('end', () => done(false));
  });
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
