/** `npm run bench -- --scenario`: which options it takes, which it refuses, its defaults. */
import { describe, expect, it } from 'vitest';
import { validateOptions } from '../../../src/bench/validate.ts';

describe('bench --scenario options', () => {
  it('defaults: no warm-up, the ci profile on the local stack, production elsewhere, the model collections', () => {
    const local = validateOptions({ scenario: 'smoke' });
    expect(local).toMatchObject({ scenario: 'smoke', warmupS: 0, profile: 'ci', modelCollections: true, rateScale: 1, durationScale: 1 });
    expect(validateOptions({ scenario: 'load', target: 'external' }).profile).toBe('production');
    expect(validateOptions({ scenario: 'load', url: 'http://127.0.0.1:8000' }).profile).toBe('production');
    expect(validateOptions({ scenario: 'load', profile: 'production' }).profile).toBe('production');
    expect(validateOptions({ scenario: 'load', dataset: 'smoke' }).modelCollections).toBe(false);
    expect(validateOptions({ scenario: 'load', rateScale: '0.5', durationScale: '0.05' })).toMatchObject({ rateScale: 0.5, durationScale: 0.05 });
  });

  it('without a scenario nothing changes', () => {
    expect(validateOptions({})).toMatchObject({ scenario: undefined, profile: 'production', warmupS: 2, mode: 'open', modelCollections: false });
  });

  it('refuses what the shape sets, in one line naming the flags', () => {
    expect(() => validateOptions({ scenario: 'load', rate: '100', durationS: '5' })).toThrow(/^--scenario load sets the mode, rate and duration itself: drop --rate, --duration \(scale it with --rate-scale \/ --duration-scale\)$/);
    expect(() => validateOptions({ scenario: 'smoke', mode: 'open' })).toThrow(/drop --mode/);
    expect(() => validateOptions({ scenario: 'nope' })).toThrow(/--scenario must be one of smoke, load, stress, spike, soak, breakpoint, mixed/);
    expect(() => validateOptions({ rateScale: '2' })).toThrow(/--rate-scale scales a scenario: give --scenario/);
    expect(() => validateOptions({ scenario: 'load', durationScale: '0' })).toThrow(/--duration-scale must be a number in \[0.001, 1000\]/);
  });
});
