import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../../src/bench/recorder.ts';
import { buildWorkload } from '../../../src/bench/workload.ts';

const source = { queryCount: () => 2, query: (_d: string, j: number) => ({ vector: [j, 1], neighbors: [0, 1] }) };
const workload = () => buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 2, queries: 2 });

describe('recorder recall from response bodies', () => {
  it('scores repeated identical bodies like the first, and parses a changed body again', () => {
    const w = workload();
    const rec = new RunRecorder(w);
    const q = w.queries[0]!;
    const good = Buffer.from('{"results":[{"id":0},{"id":1}]}');
    const half = Buffer.from('{"results":[{"id":0},{"id":7}]}');
    rec.response(q, 0, 1, 200, good);
    rec.response(q, 0, 1, 200, Buffer.from(good));
    rec.response(q, 0, 1, 200, half);
    rec.response(q, 0, 1, 200, Buffer.from('{"results":'));
    rec.response(q, 0, 1, 200, good);
    expect(rec.total.ok).toBe(4);
    expect(rec.total.errors.bad_body).toBe(1);
    expect(rec.total.recallSum).toBe(1 + 1 + 0.5 + 1);
  });

  it('keeps its own copy of a body, so a client reusing its buffer cannot change a cached answer', () => {
    const w = workload();
    const rec = new RunRecorder(w);
    const q = w.queries[1]!;
    const reused = Buffer.from('{"results":[{"id":0},{"id":1}]}');
    rec.response(q, 0, 1, 200, reused);
    reused.write('{"results":[{"id":5},{"id":6}]}');
    rec.response(q, 0, 1, 200, reused);
    expect(rec.total.recallSum).toBe(1);
    expect(rec.total.recallCount).toBe(2);
  });
});
