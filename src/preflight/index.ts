/**
 * Preflight: before any check or load, reach each service of the target and prove each
 * credential, so that a wrong URL or key is one line naming the variable or flag to fix (exit 2,
 * configuration; exit 3, unreachable) instead of a run of failed checks.
 *
 *   1. what each URL answers as, in parallel (`GET /` and `GET /health`; Redis: connect + PING):
 *      the gateway, Qdrant, something else, or a failure on the wire (nothing listens, https://
 *      to a plain port, http:// to a TLS port, an untrusted certificate);
 *   2. the URLs swapped (the gateway's answers like Qdrant and Qdrant's like the gateway), or one
 *      of them pointing at the other service;
 *   3. the keys, in parallel: the gateway's main key and each role key (`GET /api/v1/models`;
 *      the `limited` key by its rate limit), Qdrant's (`GET /collections`), Redis's password.
 *
 * Every request is bounded (PROBE_TIMEOUT_MS); the whole takes under 5 s, about 10 ms on loopback.
 */
import { UnreachableError, UserError } from '../util/errors.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { redactUrl } from '../util/redact.ts';
import type { Target } from '../targets/types.ts';
import { proveGatewayKeys } from './gateway.ts';
import { proveQdrantKey } from './qdrant.ts';
import { proveRedis } from './redis.ts';
import { EXTERNAL_NAMES, SERVICES } from './types.ts';
import type { IdentifyResult } from './wire.ts';
import { identify, wireProblem } from './wire.ts';
import type { Names, PreflightOptions, PreflightReport, Problem, Service } from './types.ts';

export type { Names, Need, PreflightOptions, PreflightReport, Problem, Service } from './types.ts';
export { EXTERNAL_NAMES, externalNames } from './types.ts';

const usage = (service: Service, message: string): Problem => ({ service, exitCode: ExitCode.Usage, message });

/** The URL each service of the target was given, or undefined. */
function urlOf(target: Pick<Target, 'gateway' | 'qdrant' | 'redis'>, s: Service): string | undefined {
  return s === 'gateway' ? target.gateway?.url : s === 'qdrant' ? target.qdrant?.url : target.redis?.url;
}

const urlName = (names: Names, s: Service): string => (s === 'gateway' ? names.gatewayUrl : s === 'qdrant' ? names.qdrantUrl : names.redisUrl);

export async function preflight(target: Pick<Target, 'gateway' | 'qdrant' | 'redis'>, opts: PreflightOptions): Promise<PreflightReport> {
  const t0 = performance.now();
  const names = opts.names ?? EXTERNAL_NAMES;
  const found: PreflightReport['found'] = {};
  const problems: Problem[] = [];
  const probed = SERVICES.filter((s) => opts.needs[s] && urlOf(target, s));
  for (const s of SERVICES) {
    if (opts.needs[s] === 'required' && !urlOf(target, s)) problems.push(usage(s, `no ${s === 'gateway' ? 'gateway' : s === 'qdrant' ? 'Qdrant' : 'Redis'} URL: set ${urlName(names, s)}`));
  }
  const gwUrl = probed.includes('gateway') ? target.gateway!.url : undefined;
  const qUrl = probed.includes('qdrant') ? target.qdrant!.url : undefined;
  const [gwId, qId, redis] = await Promise.all([
    gwUrl ? identify(gwUrl) : undefined,
    qUrl ? identify(qUrl) : undefined,
    probed.includes('redis') ? proveRedis(target.redis!.url, names) : undefined,
  ]);

  const byService: Partial<Record<Service, Problem[]>> = {};
  const add = (p: Problem): void => void (byService[p.service] ??= []).push(p);
  const said = (r: IdentifyResult | undefined): string | undefined => (r?.ok ? r.found.identity : undefined);
  const swapped = said(gwId) === 'qdrant' && said(qId) === 'gateway';
  if (swapped) {
    add(usage('gateway', `${names.gatewayUrl} and ${names.qdrantUrl} are swapped (${redactUrl(gwUrl!)} answers like Qdrant, ${redactUrl(qUrl!)} like the gateway): exchange them`));
  } else {
    if (gwId) await judgeIdentity('gateway', gwUrl!, gwId, names, opts.anyServer).then((p) => p && add(p));
    if (qId) await judgeIdentity('qdrant', qUrl!, qId, names, opts.anyServer).then((p) => p && add(p));
  }
  if (gwId?.ok) found.gateway = gwId.found.said;
  if (qId?.ok) found.qdrant = qId.found.said;
  if (redis?.found) found.redis = redis.found;
  for (const p of redis?.problems ?? []) add(p);

  const keyed: Array<Promise<Problem[]>> = [];
  if (gwUrl && !byService.gateway && opts.gatewayKey !== false) {
    keyed.push(proveGatewayKeys({ url: gwUrl, apiKey: target.gateway!.apiKey, keys: target.gateway!.keys, qdrantKey: target.qdrant?.apiKey }, names, opts.roleKeys ?? false));
  }
  if (qUrl && !byService.qdrant && !swapped) keyed.push(proveQdrantKey({ url: qUrl, apiKey: target.qdrant!.apiKey }, names));
  for (const list of await Promise.all(keyed)) for (const p of list) add(p);

  const warnings: Problem[] = [];
  for (const s of SERVICES) for (const p of byService[s] ?? []) (opts.needs[s] === 'advisory' ? warnings : problems).push(p);
  return { problems, warnings, found, ms: Math.round(performance.now() - t0) };
}

/** The line when `service`'s URL does not answer as that service. */
async function judgeIdentity(service: 'gateway' | 'qdrant', url: string, r: IdentifyResult, names: Names, anyServer = false): Promise<Problem | undefined> {
  const label = service === 'gateway' ? 'the gateway' : 'Qdrant';
  if (!r.ok) return wireProblem(service, label, url, urlName(names, service), r, names.start);
  const { identity, said, healthStatus } = r.found;
  if (identity === service || (anyServer && identity === 'other')) return undefined;
  const shown = redactUrl(url);
  if (service === 'gateway') {
    if (identity === 'qdrant') return usage(service, `${names.gatewayUrl}=${shown} answers like Qdrant (${said}): set it to the gateway's URL (Qdrant's goes in ${names.qdrantUrl})`);
    // the front door answers, the gateway behind it does not (502, 504): unreachable, as before any preflight
    if (healthStatus !== undefined && healthStatus >= 500) return { service, exitCode: ExitCode.Unreachable, message: `the gateway at ${shown} does not answer (${said}): start it, or fix ${names.gatewayUrl}` };
    return usage(service, `${names.gatewayUrl}=${shown} does not answer like the gateway (${said}): fix it`);
  }
  if (identity === 'gateway') return usage(service, `${names.qdrantUrl}=${shown} answers like the gateway (${said}): set it to Qdrant's URL (the gateway's goes in ${names.gatewayUrl})`);
  return usage(service, `${names.qdrantUrl}=${shown} does not answer like Qdrant (no Qdrant title at GET /; ${said}): fix it`);
}

/** The report's problems as the one error a CLI prints: the first problem's line and exit code, the others as detail lines. */
export function preflightError(report: PreflightReport): UserError | undefined {
  const [first, ...rest] = report.problems;
  if (!first) return undefined;
  const details = rest.map((p) => `also: ${p.message}`);
  return first.exitCode === ExitCode.Unreachable ? new UnreachableError(first.message, details) : new UserError(first.message, first.exitCode, details);
}

/** `preflight`, throwing its problems (see `preflightError`); warnings go to `warn`. */
export async function assertPreflight(target: Pick<Target, 'gateway' | 'qdrant' | 'redis'>, opts: PreflightOptions & { warn?: (line: string) => void }): Promise<PreflightReport> {
  const report = await preflight(target, opts);
  for (const w of report.warnings) opts.warn?.(`warning: ${w.message}`);
  const err = preflightError(report);
  if (err) throw err;
  return report;
}
