/**
 * What a service answers as (`identify`: the gateway, Qdrant, or something else), and the one
 * line for a failure on the wire, naming the scheme or URL to fix.
 */
import { ExitCode } from '../util/exit-codes.ts';
import { redactUrl } from '../util/redact.ts';
import { httpGet, speaksTls } from './transport.ts';
import type { HttpAnswer, HttpFailure, WireFailure } from './transport.ts';
import type { Identity, Problem, Service } from './types.ts';

/** Qdrant's title at `GET /`, and its 401 texts (qdrant and qdrant-local say the same). */
const QDRANT_TITLE = /qdrant/i;
const QDRANT_401 = /Must provide an API key|Invalid API key or JWT/;
/** nginx's answer to plain HTTP on a TLS port. */
const PLAIN_ON_TLS = /plain HTTP request was sent to HTTPS port/i;

export interface Identified {
  identity: Identity;
  /** What it answered, for a line: `GET /health: 404` or Qdrant's version. */
  said: string;
  /** The status of `GET /health` (the gateway's liveness). */
  healthStatus?: number;
}

export type IdentifyResult = { ok: true; found: Identified } | { ok: false; failure: WireFailure; detail: string; plainOnTls?: boolean };

const isGatewayError = (json: unknown): boolean => {
  const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' && code.startsWith('GW_ERR_');
};

/** `GET /` and `GET /health` of `base`, no key: Qdrant names itself at `/`, the gateway answers `/health`. */
export async function identify(base: string): Promise<IdentifyResult> {
  const [root, health] = await Promise.all([httpGet(`${base}/`), httpGet(`${base}/health`)]);
  const failed = [root, health].find((r): r is HttpFailure => !r.ok);
  if (failed) return { ok: false, failure: failed.failure, detail: failed.detail };
  const r = root as HttpAnswer;
  const h = health as HttpAnswer;
  if (PLAIN_ON_TLS.test(r.text) || PLAIN_ON_TLS.test(h.text)) return { ok: false, failure: 'reset', detail: 'plain HTTP request was sent to HTTPS port', plainOnTls: true };
  const title = (r.json as { title?: unknown; version?: unknown } | undefined)?.title;
  if ((typeof title === 'string' && QDRANT_TITLE.test(title)) || (h.status === 401 && QDRANT_401.test(h.text))) {
    const version = (r.json as { version?: unknown } | undefined)?.version;
    return { ok: true, found: { identity: 'qdrant', said: `Qdrant${typeof version === 'string' ? ` ${version}` : ''}`, healthStatus: h.status } };
  }
  if (h.status === 200 || h.status === 503 || isGatewayError(h.json) || isGatewayError(r.json)) {
    return { ok: true, found: { identity: 'gateway', said: `GET /health: ${h.status}`, healthStatus: h.status } };
  }
  return { ok: true, found: { identity: 'other', said: `GET /health: ${h.status}${h.text ? ` ${oneLine(h.text)}` : ''}`, healthStatus: h.status } };
}

export const oneLine = (text: string, max = 80): string => {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

const hostPortOf = (u: URL): string => u.host;

/** The line for a wire failure of `service` at `url`, which the person set as `urlName`. */
export async function wireProblem(service: Service, label: string, url: string, urlName: string, f: { failure: WireFailure; detail: string; plainOnTls?: boolean }, start?: string): Promise<Problem> {
  const u = new URL(url);
  const at = hostPortOf(u);
  const tlsScheme = u.protocol === 'https:' || u.protocol === 'rediss:';
  const plainScheme = u.protocol === 'https:' ? 'http' : u.protocol === 'rediss:' ? 'redis' : u.protocol.replace(/:$/, '');
  const secureScheme = u.protocol === 'http:' ? 'https' : u.protocol === 'redis:' ? 'rediss' : u.protocol.replace(/:$/, '');
  const usage = (message: string): Problem => ({ service, exitCode: ExitCode.Usage, message });
  if (f.failure === 'tls-to-plain') return usage(`${urlName} is ${u.protocol}// but ${at} speaks plain ${service === 'redis' ? 'Redis' : 'HTTP'} (SSL wrong version number): use ${plainScheme}://${at}`);
  if (f.failure === 'untrusted-cert') return usage(`the TLS certificate of ${at} is not trusted (${f.detail}): set NODE_EXTRA_CA_CERTS to its CA file, or fix ${urlName}`);
  if (!tlsScheme && (f.plainOnTls || ((f.failure === 'reset' || f.failure === 'timeout') && (await speaksTls(u, service === 'redis' ? 6379 : 80))))) {
    return usage(`${urlName} is ${u.protocol}// but ${at} speaks TLS (${f.plainOnTls ? `"${f.detail}"` : 'plain text was cut off, a TLS handshake works'}): use ${secureScheme}://${at}`);
  }
  if (f.failure === 'dns') return { service, exitCode: ExitCode.Unreachable, message: `cannot resolve the host of ${label} ${redactUrl(url)} (${f.detail}): fix ${urlName}` };
  return { service, exitCode: ExitCode.Unreachable, message: `cannot reach ${redactUrl(url)} (${label}: ${f.detail}): ${start ?? `start it, or fix ${urlName}`}` };
}
