/**
 * The gateway's credentials, proven: the main key (and each role key given) on `GET /api/v1/models`.
 * A key's role is not said by the gateway; its rate limit is (`x-ratelimit-limit`, per key role,
 * on every keyed answer), so a role key is judged by its limit only where a check depends on it:
 * the `limited` key must hit 429 within the rate-limit check's calls, and the main key must not.
 */
import { ExitCode } from '../util/exit-codes.ts';
import { httpGet, headerValue } from './transport.ts';
import type { HttpAnswer, HttpFailure } from './transport.ts';
import type { Names, Problem } from './types.ts';
import { oneLine, wireProblem } from './wire.ts';

/** readiness/security.spec.ts: the `limited` key must be answered 429 within this many calls. */
export const LIMITED_MAX_CALLS = 50;

const KEYED_PATH = '/api/v1/models';

interface KeyAnswer {
  answer: HttpAnswer;
  /** `x-ratelimit-limit`: the requests per window of the key's role, when the gateway says it. */
  limit: number | undefined;
}

const gatewayMessage = (a: HttpAnswer): string => {
  const m = (a.json as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof m === 'string' ? m : oneLine(a.text, 60);
};

const refused = (a: HttpAnswer): boolean => a.status === 401 || a.status === 403;
const ipForbidden = (a: HttpAnswer): boolean => a.status === 403 && (a.json as { error?: { code?: unknown } } | undefined)?.error?.code === 'GW_ERR_IP_FORBIDDEN';

async function askWith(base: string, key: string | undefined): Promise<KeyAnswer | { fail: HttpFailure }> {
  const r = await httpGet(`${base}${KEYED_PATH}`, key ? { 'x-api-key': key } : {});
  if (!r.ok) return { fail: r };
  const raw = Number(headerValue(r.headers, 'x-ratelimit-limit'));
  return { answer: r, limit: Number.isFinite(raw) && raw > 0 ? raw : undefined };
}

export interface GatewayKeys {
  url: string;
  apiKey: string;
  keys?: Record<string, string>;
  /** Qdrant's own key, when given: a gateway key equal to it is named as such. */
  qdrantKey?: string;
}

export async function proveGatewayKeys(g: GatewayKeys, names: Names, roleKeys: boolean): Promise<Problem[]> {
  const usage = (message: string): Problem => ({ service: 'gateway', exitCode: ExitCode.Usage, message });
  const roles = roleKeys ? Object.entries(g.keys ?? {}).filter(([, k]) => k) : [];
  const [main, ...byRole] = await Promise.all([askWith(g.url, g.apiKey || undefined), ...roles.map(([, k]) => askWith(g.url, k))]);
  if ('fail' in main!) return [await wireProblem('gateway', 'the gateway', g.url, names.gatewayUrl, main.fail, names.start)];
  const problems: Problem[] = [];
  const a = main.answer;
  if (ipForbidden(a)) return [usage(`the gateway refuses this machine's address (403: ${gatewayMessage(a)}): run from an allowed host, or add it to the gateway's IP allowlist`)];
  if (refused(a)) {
    if (!g.apiKey) return [usage(`the gateway requires an API key (${a.status}: ${gatewayMessage(a)}): set ${names.apiKey}`)];
    const qdrants = g.qdrantKey && g.qdrantKey === g.apiKey && names.qdrantKeyFrom === 'own' ? `; it is Qdrant's key (${names.qdrantKey})` : '';
    return [usage(`the gateway refused the key (${a.status}: ${gatewayMessage(a)}${qdrants}): set ${names.apiKey} to a key of the gateway`)];
  }
  const mainIsLow = main.limit !== undefined && main.limit <= LIMITED_MAX_CALLS;
  if (mainIsLow) {
    problems.push(usage(`${names.apiKey} is a low-limit key (${main.limit} requests per window, x-ratelimit-limit): set it to the gateway's load key; a low-limit key goes in ${names.roleKeys} as limited=<key>`));
  }
  roles.forEach(([role, key], i) => {
    const r = byRole[i]!;
    if ('fail' in r) return;
    if (refused(r.answer)) {
      problems.push(usage(`the gateway refused the "${role}" key (${r.answer.status}: ${gatewayMessage(r.answer)}): fix ${role}=… in ${names.roleKeys}`));
      return;
    }
    if (role !== 'limited') return;
    if (key === g.apiKey) {
      // the main key is the low-limit one: that line was said above, and this key is right where it is
      if (mainIsLow) return;
      problems.push(usage(`the "limited" key in ${names.roleKeys} is ${names.apiKey} itself: give the key of the gateway's low-limit role`));
    } else if (r.limit !== undefined && r.limit > LIMITED_MAX_CALLS) {
      problems.push(usage(`the "limited" key in ${names.roleKeys} allows ${r.limit} requests per window (x-ratelimit-limit), so the rate-limit check (429 within ${LIMITED_MAX_CALLS} calls) cannot pass: give the key of the gateway's low-limit role`));
    }
  });
  return problems;
}
