/** `npm run bench -- --workers / --spin-ms`: the spin window's default follows the thread count. */
import { describe, expect, it } from 'vitest';
import { validateOptions } from '../../../src/bench/validate.ts';

describe('bench driver options', () => {
  it('polls 1 ms before each send on one driver, timers only with --workers, and keeps what is given', () => {
    expect(validateOptions({}).spinMs).toBe(1);
    expect(validateOptions({ workers: '1' }).spinMs).toBe(1);
    expect(validateOptions({ workers: '2', connections: '8' }).spinMs).toBe(0);
    expect(validateOptions({ workers: '2', connections: '8', spinMs: '0.5' }).spinMs).toBe(0.5);
    expect(validateOptions({ spinMs: '0' }).spinMs).toBe(0);
  });
});
