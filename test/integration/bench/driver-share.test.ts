/**
 * `--workers`: drivers sharing one schedule send exactly what one driver would: every intended
 * time once, each with the query one driver would send at that index.
 */
import { describe, expect, it, vi } from 'vitest';
import { OpenLoopDriver, TIMER_EARLY_MS } from '../../../src/bench/open-loop.ts';
import { RunRecorder } from '../../../src/bench/recorder.ts';
import type { PreparedQuery } from '../../../src/bench/workload.ts';
import { authHeaders } from '../../../src/bench/search-contract.ts';
import { startStubServer } from '../../../src/bench/stub-server/spawn.ts';
import { buildWorkload } from '../../../src/bench/workload.ts';

const source = { queryCount: () => 7, query: (_d: string, j: number) => ({ vector: [j, 1, 2, 3], neighbors: [0] }) };

class Sends extends RunRecorder {
  readonly sent: { atMs: number; queryId: number }[] = [];
  override response(q: PreparedQuery, startMs: number, doneMs: number, status: number, body: string | Buffer | null): void {
    this.sent.push({ atMs: startMs, queryId: q.queryId });
    super.response(q, startMs, doneMs, status, body);
  }
}

describe('drivers sharing a schedule', () => {
  it('two shares send every intended time once, with the query of that index, and count the warm-up alike', async () => {
    await using server = await startStubServer({ delay: { kind: 'fixed', ms: 1 } });
    const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 1, queries: 7 });
    const rate = 200;
    const common = { url: server.url, headers: authHeaders('gateway', undefined), rate, connections: 4, durationS: 0.995, warmupS: 0.5, timeoutMs: 5_000, spinMs: 1 };
    const t0 = performance.now() + 50;
    const recorders = [new Sends(workload), new Sends(workload)];
    const timings = await Promise.all(recorders.map((rec, index) => new OpenLoopDriver(workload, rec, { ...common, share: { index, of: 2 } }).run(t0)));
    // 100 warm-up and 199 measured requests: an odd count, so the shares differ by one
    expect(timings.map((t) => t.scheduled)).toEqual([100, 99]);
    expect(timings.map((t) => t.dispatched)).toEqual([150, 149]);
    const sent = recorders.flatMap((r) => r.sent).map((s) => ({ index: Math.round((s.atMs - t0) * rate / 1000), ...s }));
    sent.sort((a, b) => a.index - b.index);
    // the measured part of one driver's run: indices 100..298 (after 0.5 s of warm-up at 200/s)
    expect(sent.map((s) => s.index)).toEqual(Array.from({ length: 199 }, (_, i) => 100 + i));
    for (const s of sent) {
      expect(Math.abs(s.atMs - (t0 + (s.index * 1000) / rate))).toBeLessThan(1e-6);
      expect(s.queryId).toBe(workload.queries[workload.order[s.index % workload.order.length]!]!.queryId);
    }
    // both record seconds from the same measurement start
    expect(recorders[0]!.originMs).toBe(recorders[1]!.originMs);
  });
});

describe('the driver between sends', () => {
  it('naps only inside the spin window: on timers alone (spin 0) it never blocks its event loop', async () => {
    await using server = await startStubServer({ delay: { kind: 'fixed', ms: 1 } });
    const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 1, queries: 7 });
    const naps = (spinMs: number): Promise<number> => {
      const wait = vi.spyOn(Atomics, 'wait');
      const opts = { url: server.url, headers: authHeaders('gateway', undefined), rate: 500, connections: 4, durationS: 0.4, warmupS: 0, timeoutMs: 5_000, spinMs };
      return new OpenLoopDriver(workload, new RunRecorder(workload), opts).run().then(() => wait.mock.calls.length).finally(() => wait.mockRestore());
    };
    expect(await naps(0)).toBe(0);
    expect(await naps(1)).toBeGreaterThan(0);
  });
});

describe('where a request is timed from', () => {
  const rate = 200;
  const run = async (spinMs: number, stallAtMs?: number): Promise<{ sent: { offMs: number; index: number }[] }> => {
    await using server = await startStubServer({ delay: { kind: 'fixed', ms: 1 } });
    const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 1, queries: 7 });
    const rec = new Sends(workload);
    const opts = { url: server.url, headers: authHeaders('gateway', undefined), rate, connections: 4, durationS: 0.5, warmupS: 0, timeoutMs: 5_000, spinMs };
    const t0 = performance.now() + 20;
    // the driver's own thread stops for 30 ms: the sends due meanwhile go late
    if (stallAtMs !== undefined) setTimeout(() => { const until = performance.now() + 30; while (performance.now() < until); }, t0 + stallAtMs - performance.now());
    await new OpenLoopDriver(workload, rec, opts).run(t0);
    const sent = rec.sent.map((s) => {
      const index = Math.round(((s.atMs - t0) * rate) / 1000) + 0; // never -0
      return { index, offMs: s.atMs - (t0 + (index * 1000) / rate) };
    });
    return { sent: sent.sort((a, b) => a.index - b.index) };
  };

  it('on timers alone, a send goes at most TIMER_EARLY_MS early (timed from that send) and never starts its clock later than intended', async () => {
    const { sent } = await run(0);
    expect(sent).toHaveLength(100);
    for (const s of sent) {
      expect(s.offMs).toBeLessThanOrEqual(1e-6);
      expect(s.offMs).toBeGreaterThanOrEqual(-TIMER_EARLY_MS - 1e-6);
    }
  });

  it('a send the driver itself delayed is timed from its intended time, on either path', async () => {
    for (const spinMs of [0, 1]) {
      const { sent } = await run(spinMs, 200);
      expect(sent.map((s) => s.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      const late = sent.filter((s) => s.index >= 41 && s.index <= 44);
      expect(late).toHaveLength(4);
      for (const s of late) expect(Math.abs(s.offMs)).toBeLessThan(1e-6);
    }
  });
});
