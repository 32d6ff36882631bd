/**
 * The sampler against a stub /metrics server and this process's own /proc: each series keeps the
 * source of its first good sample, a failed scrape is a null (never a guess), a source that never
 * answers is reported as not sampled with the reason, and a gauge is found under any prefix.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGauge } from '../../../src/soak/prom.ts';
import { ResourceSampler, samplerInterval } from '../../../src/soak/sampler.ts';
import { samplerSources } from '../../../src/soak/sources.ts';

describe('readGauge', () => {
  const text = '# HELP x\n# TYPE gateway_process_open_fds gauge\ngateway_process_open_fds{slot="blue"} 31\nprocess_open_fds_total 9\nmemory_resident_bytes 1.5e+08\nnodejs_eventloop_lag_p99_seconds NaN\n';
  it('reads a gauge by name or by prefixed name, with labels, and skips what is not a number', () => {
    expect(readGauge(text, 'process_open_fds')).toEqual({ metric: 'gateway_process_open_fds', value: 31 });
    expect(readGauge(text, 'memory_resident_bytes')).toEqual({ metric: 'memory_resident_bytes', value: 1.5e8 });
    expect(readGauge(text, 'nodejs_eventloop_lag_p99_seconds')).toBeNull();
    expect(readGauge('process_open_fds_total 9\n', 'process_open_fds')).toBeNull();
  });
});

describe('ResourceSampler', () => {
  let served = 0;
  let url = '';
  const server = createServer((_req, res) => {
    served++;
    // the third scrape fails: that sample must be a null
    if (served === 3) return void res.writeHead(500).end('no');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`gateway_process_resident_memory_bytes ${100_000_000 + served * 1_000_000}\ngateway_nodejs_eventloop_lag_p99_seconds 0.012\n`);
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('samples /metrics, /proc of a pid, and reports what could not be sampled and why', async () => {
    // the gateway's fds are not in its /metrics: they come from /proc of its pid (this process)
    const sources = samplerSources({ gateway: { url }, env: { VDB_REDIS_URL: 'redis://127.0.0.1:9' } });
    sources.gateway!.pid = process.pid;
    const sampler = new ResourceSampler(sources, 0.1);
    await sampler.start();
    await new Promise((r) => setTimeout(r, 650));
    const rec = await sampler.stop();
    expect(rec.samples).toBeGreaterThanOrEqual(5);
    expect(rec.tS).toHaveLength(rec.samples);
    const rss = rec.series.find((s) => s.name === 'gateway_rss_bytes')!;
    expect(rss.source).toBe('gateway /metrics gateway_process_resident_memory_bytes');
    expect(rss.values[2]).toBeNull();
    expect(rss.values[0]).toBe(101_000_000);
    expect(rec.series.find((s) => s.name === 'gateway_event_loop_p99_ms')!.values[0]).toBe(12);
    const fds = rec.series.find((s) => s.name === 'gateway_open_fds')!;
    expect(fds.source).toBe(`/proc/${process.pid} (gateway process tree)`);
    expect(fds.values.every((v) => v !== null && v > 0)).toBe(true);
    const why = Object.fromEntries(rec.notSampled.map((n) => [n.name, n.reason]));
    expect(why.engine_rss_bytes).toMatch(/no Qdrant URL for this target: set VDB_QDRANT_URL/);
    expect(why.redis_used_memory_bytes).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:9 did not answer/);
    expect(rec.series.map((s) => s.name)).not.toContain('redis_used_memory_bytes');
  });

  it('an engine pid is read from /proc, its tree included', async () => {
    const sampler = new ResourceSampler({ engine: { headers: {}, pid: process.pid }, notSampled: [] }, 0.1);
    await sampler.start();
    const rec = await sampler.stop();
    const rss = rec.series.find((s) => s.name === 'engine_rss_bytes')!;
    expect(rss.source).toBe(`/proc/${process.pid} (engine process tree)`);
    expect(rss.values[0]!).toBeGreaterThan(process.memoryUsage().rss * 0.5);
  });

  it('takes about 60 samples per run, 1 to 5 s apart', () => {
    expect([samplerInterval(9), samplerInterval(90), samplerInterval(1800), samplerInterval(36_000)]).toEqual([1, 1.5, 5, 5]);
  });
});
