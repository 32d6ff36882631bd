import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, GatewayError, classify } from '../../src/errors.ts';

describe('gateway error catalogue', () => {
  it('is documented in the README with the same codes and statuses', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = Object.fromEntries([...readme.matchAll(/\| `(GW_ERR_[A-Z_]+)` \| (\d{3}) \|/g)].map((m) => [m[1], Number(m[2])]));
    expect(documented).toEqual(ERRORS);
  });

  it('never passes an unexpected error message to the client', () => {
    const c = classify(new Error('ENOENT: /work/main/secret/path'));
    expect(c).toMatchObject({ code: 'GW_ERR_INTERNAL', statusCode: 500, internal: true });
    expect(c.message).not.toMatch(/work|ENOENT/);
    expect(classify(new GatewayError('GW_ERR_RATE_LIMITED', 'slow down'))).toMatchObject({ statusCode: 429, message: 'slow down', internal: false });
  });
});
