/**
 * The error class of a request k6 marked failed (`http_req_failed` = 1), from its tags: a status
 * of 0 means no HTTP answer, and k6's `error_code` tag says why (grafana.com/docs/k6, "Error
 * codes": 1050 request timeout, 11xx DNS, 12xx TCP, 13xx TLS, 14xx/15xx HTTP 4xx/5xx).
 */
import type { ErrorClass } from '../error-class.ts';

export function classifyK6Failure(tags: Record<string, string>): ErrorClass {
  const status = Number(tags.status ?? '0');
  if (Number.isFinite(status) && status > 0) {
    if (status >= 400 && status < 500) return '4xx';
    if (status >= 500) return '5xx';
    return 'other'; // a 1xx–3xx the script's responseCallback counted as failed
  }
  const code = Number(tags.error_code);
  if (Number.isFinite(code) && tags.error_code !== undefined) {
    if (code === 1050) return 'timeout';
    if (code >= 1100 && code < 1400) return 'connect';
    if (code >= 1400 && code < 1500) return '4xx';
    if (code >= 1500 && code < 1600) return '5xx';
    return 'other';
  }
  if (/timeout/i.test(tags.error ?? '')) return 'timeout';
  return /refused|reset|dial|broken pipe|no such host|EOF/i.test(tags.error ?? '') ? 'connect' : 'other';
}
