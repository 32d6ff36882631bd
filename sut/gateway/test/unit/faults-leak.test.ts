/**
 * GATEWAY_FAULTS `leak_kb`: the planted leak a soak drill must catch. Parsing is strict like the
 * other keys, and the hook retains n KiB per faultable request after `after`, resident (filled).
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseFaults, registerFaults } from '../../src/faults.ts';

describe('GATEWAY_FAULTS leak_kb', () => {
  it('reads leak_kb alone or with the other keys', () => {
    expect(parseFaults('leak_kb=64').spec).toEqual({ after: 0, abort: null, delay: null, leak: { kib: 64 }, text: 'leak_kb=64' });
    expect(parseFaults('after=10, leak_kb = 1 ,delay_ms=5').spec).toMatchObject({ after: 10, delay: { ms: 5, p: 1 }, leak: { kib: 1 } });
    expect(parseFaults('leak_kb=65536').spec?.leak).toEqual({ kib: 65_536 });
    // no leak key: no leak field at all
    expect(parseFaults('abort=503').spec).not.toHaveProperty('leak');
  });

  it.each([
    ['leak_kb=0', /leak_kb=0: must be a whole number of KiB from 1 to 65536/],
    ['leak_kb=65537', /leak_kb=65537: must be a whole number of KiB from 1 to 65536/],
    ['leak_kb=1.5', /leak_kb=1\.5: must be a whole number/],
    ['leak_kb=-4', /leak_kb=-4: must be a whole number/],
    ['leak_kb=lots', /leak_kb=lots: must be a whole number/],
    ['leak_kb=4,leak_kb=8', /leak_kb is given twice/],
    ['leak_kb=', /"leak_kb=" is not key=value/],
    ['after=3', /no fault given: set abort and\/or delay_ms \(or leak_kb\)/],
  ])('refuses %s', (text, message) => {
    const r = parseFaults(text);
    expect(r.spec).toBeNull();
    expect(r.problems.join('\n')).toMatch(message);
    for (const p of r.problems) expect(p).toMatch(/^GATEWAY_FAULTS: .* \(syntax: after=<n>,abort=<status>\[:<p>\],delay_ms=<ms>\[:<p>\],leak_kb=<n>\)$/);
  });

  it('retains n KiB per faultable request after `after`, filled, and nothing for other routes', async () => {
    const spec = parseFaults('after=2,leak_kb=16').spec;
    if (!spec) throw new Error('leak_kb=16 did not parse');
    const a = Fastify();
    const { retained } = registerFaults(a, spec);
    a.get('/api/v1/vectors/x', async () => ({ ok: true }));
    a.get('/health', async () => ({ ok: true }));
    await a.ready();
    for (let n = 0; n < 5; n++) expect((await a.inject({ url: '/api/v1/vectors/x' })).statusCode).toBe(200);
    for (let n = 0; n < 5; n++) await a.inject({ url: '/health' });
    // 5 faultable requests, the first 2 pass untouched: 3 retained blocks of 16 KiB
    expect(retained.map((b) => b.length)).toEqual([16_384, 16_384, 16_384]);
    // written, so the pages are resident (an untouched zero page would not count in RSS)
    expect(retained.every((b) => b[0] === 0xa5 && b[b.length - 1] === 0xa5 && b[8191] === 0xa5)).toBe(true);
    await a.close();
  });
});
