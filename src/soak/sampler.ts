/**
 * The resource sampler a soak run keeps beside its load (built-in driver or k6): every interval,
 * the gateway's RSS, open fds and event-loop delay (its /metrics, on any target; /proc of its pid
 * on the local stack when /metrics lacks a series), the engine's RSS and fds (/proc of the local
 * stack's Qdrant process tree, else Qdrant's /metrics), and Redis's `used_memory` (INFO memory).
 * Each series keeps the source of its first good sample; a failed sample is a null, a series
 * never sampled is reported with the reason, never guessed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import type { SoakSeriesName } from './rules.ts';
import { readGauge } from './prom.ts';
import { ProcessTree } from './proc.ts';
import type { TreeUsage } from './proc.ts';
import { connectRedis } from '../util/redis.ts';
import { errorMessage } from '../util/errors.ts';
import { redactUrl } from '../util/redact.ts';

export interface SamplerSources {
  gateway?: { metricsUrl: string; headers: Record<string, string>; pid?: number };
  engine?: { metricsUrl?: string; headers: Record<string, string>; pid?: number };
  redisUrl?: string;
  /** Series no source can give on this target, and why. */
  notSampled: Array<{ name: SoakSeriesName; reason: string }>;
}

export interface SampledSeries {
  name: SoakSeriesName;
  unit: 'bytes' | 'fds' | 'ms';
  source: string;
  values: Array<number | null>;
}

export interface SamplerRecord {
  startedAt: Date;
  durationS: number;
  intervalS: number;
  tS: number[];
  series: SampledSeries[];
  notSampled: Array<{ name: SoakSeriesName; reason: string }>;
  samples: number;
  meanTickMs: number;
  cpuMs: number;
}

const UNITS: Record<SoakSeriesName, SampledSeries['unit']> = {
  gateway_rss_bytes: 'bytes',
  gateway_open_fds: 'fds',
  gateway_event_loop_p99_ms: 'ms',
  engine_rss_bytes: 'bytes',
  engine_open_fds: 'fds',
  redis_used_memory_bytes: 'bytes',
};

/** Seconds between samples for a run of `plannedS`: about 60 samples, 1 to 5 s apart. */
export const samplerInterval = (plannedS: number): number => Math.min(5, Math.max(1, Math.round((plannedS / 60) * 10) / 10));

type Reading = { value: number; source: string } | { error: string };

interface Fetched {
  text?: string;
  error?: string;
}

async function fetchText(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Fetched> {
  try {
    const res = await request(url, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { error: `${redactUrl(url)} answered HTTP ${res.statusCode}` };
    return { text };
  } catch (err) {
    return { error: `${redactUrl(url)}: ${errorMessage(err)}` };
  }
}

export class ResourceSampler {
  private readonly tS: number[] = [];
  private readonly values = new Map<SoakSeriesName, { source: string | null; values: Array<number | null>; lastError: string | null }>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private redis: Redis | null = null;
  private redisError: string | null = null;
  private startMs = 0;
  private startedAt = new Date();
  private tickMs = 0;
  private cpuUs = 0;
  private readonly wanted: SoakSeriesName[];
  private readonly gatewayTree: ProcessTree | null;
  private readonly engineTree: ProcessTree | null;

  constructor(private readonly sources: SamplerSources, private readonly intervalS: number) {
    const skip = new Set(sources.notSampled.map((n) => n.name));
    this.wanted = (Object.keys(UNITS) as SoakSeriesName[]).filter((n) => !skip.has(n));
    for (const name of this.wanted) this.values.set(name, { source: null, values: [], lastError: null });
    this.gatewayTree = sources.gateway?.pid !== undefined ? new ProcessTree(sources.gateway.pid) : null;
    this.engineTree = sources.engine?.pid !== undefined ? new ProcessTree(sources.engine.pid) : null;
  }

  async start(): Promise<void> {
    if (this.sources.redisUrl) {
      try {
        this.redis = await connectRedis(this.sources.redisUrl, 2000);
      } catch (err) {
        this.redisError = `Redis at ${redactUrl(this.sources.redisUrl)} did not answer (${errorMessage(err)})`;
      }
    }
    this.startMs = performance.now();
    this.startedAt = new Date();
    await this.tick();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let next = this.startMs + this.intervalS * 1000;
    while (!this.stopped) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.stopped) break;
      await this.tick();
      next += this.intervalS * 1000;
      // a tick slower than the interval: skip the missed slots rather than bunch samples up
      while (next < performance.now()) next += this.intervalS * 1000;
    }
  }

  private record(name: SoakSeriesName, r: Reading | null): void {
    const s = this.values.get(name);
    if (!s) return;
    if (r && 'value' in r && (s.source === null || s.source === r.source)) {
      s.source = r.source;
      s.values.push(r.value);
      return;
    }
    s.values.push(null);
    if (r && 'error' in r) s.lastError = r.error;
    else if (r && 'value' in r) s.lastError = `its source changed to ${r.source} (kept to ${s.source})`;
  }

  private async tick(): Promise<void> {
    const t0 = performance.now();
    const timeoutMs = Math.max(1000, Math.min(5000, this.intervalS * 1000));
    const gw = this.sources.gateway;
    const eng = this.sources.engine;
    const [gwText, engText, redisInfo] = await Promise.all([
      gw ? fetchText(gw.metricsUrl, gw.headers, timeoutMs) : Promise.resolve(null),
      eng?.metricsUrl && eng.pid === undefined ? fetchText(eng.metricsUrl, eng.headers, timeoutMs) : Promise.resolve(null),
      this.redis ? this.redis.info('memory').then((text) => ({ text }), (err: unknown) => ({ error: errorMessage(err) })) : Promise.resolve(null),
    ]);
    const cpu0 = process.cpuUsage();
    this.tS.push(Math.round(t0 - this.startMs) / 1000);
    if (gw) {
      const tree = this.gatewayTree;
      const proc = tree ? lazy(() => tree.usage()) : null;
      const fromMetrics = (name: string, scale: number): Reading => {
        if (!gwText?.text) return { error: gwText?.error ?? 'no /metrics' };
        const g = readGauge(gwText.text, name);
        return g ? { value: g.value * scale, source: `gateway /metrics ${g.metric}` } : { error: `the gateway's /metrics has no ${name}` };
      };
      // /metrics first (it works on any target); the pid's /proc when /metrics lacks the series
      const withProc = (name: SoakSeriesName, r: Reading, pick: (u: TreeUsage) => number): Reading => {
        const source = this.values.get(name)?.source ?? null;
        const metricsOk = 'value' in r && (source === null || source === r.source);
        if (metricsOk || !proc || (source !== null && !source.startsWith('/proc'))) return r;
        const u = proc();
        return u ? { value: pick(u), source: `/proc/${gw.pid} (gateway process tree)` } : { error: `gateway pid ${gw.pid} is gone` };
      };
      this.record('gateway_rss_bytes', withProc('gateway_rss_bytes', fromMetrics('process_resident_memory_bytes', 1), (u) => u.rssBytes));
      this.record('gateway_open_fds', withProc('gateway_open_fds', fromMetrics('process_open_fds', 1), (u) => u.openFds));
      this.record('gateway_event_loop_p99_ms', fromMetrics('nodejs_eventloop_lag_p99_seconds', 1000));
    }
    if (eng) {
      if (this.engineTree) {
        const u = this.engineTree.usage();
        const src = `/proc/${eng.pid} (engine process tree)`;
        this.record('engine_rss_bytes', u ? { value: u.rssBytes, source: src } : { error: `engine pid ${eng.pid} is gone` });
        this.record('engine_open_fds', u ? { value: u.openFds, source: src } : { error: `engine pid ${eng.pid} is gone` });
      } else {
        const read = (names: string[]): Reading => {
          if (!engText?.text) return { error: engText?.error ?? 'no /metrics' };
          for (const n of names) {
            const g = readGauge(engText.text, n);
            if (g) return { value: g.value, source: `Qdrant /metrics ${g.metric}` };
          }
          return { error: `Qdrant's /metrics has none of ${names.join(', ')}` };
        };
        this.record('engine_rss_bytes', read(['memory_resident_bytes', 'process_resident_memory_bytes']));
        this.record('engine_open_fds', read(['process_open_fds']));
      }
    }
    if (this.values.has('redis_used_memory_bytes')) {
      if (!redisInfo) this.record('redis_used_memory_bytes', { error: this.redisError ?? 'no Redis client' });
      else if ('error' in redisInfo) this.record('redis_used_memory_bytes', { error: `Redis INFO memory: ${redisInfo.error}` });
      else {
        const m = /^used_memory:(\d+)/m.exec(redisInfo.text);
        this.record('redis_used_memory_bytes', m ? { value: Number(m[1]), source: 'Redis INFO memory used_memory' } : { error: 'Redis INFO memory has no used_memory' });
      }
    }
    const cpu = process.cpuUsage(cpu0);
    this.cpuUs += cpu.user + cpu.system;
    this.tickMs += performance.now() - t0;
  }

  /** Stops sampling (after one last sample) and hands back what was sampled. */
  async stop(): Promise<SamplerRecord> {
    this.stopped = true;
    await this.loop;
    if (this.loop) await this.tick();
    const durationS = Math.round(performance.now() - this.startMs) / 1000;
    this.redis?.disconnect();
    const series: SampledSeries[] = [];
    const notSampled = [...this.sources.notSampled];
    for (const [name, s] of this.values) {
      if (s.source === null) notSampled.push({ name, reason: s.lastError ?? 'no sample succeeded' });
      else series.push({ name, unit: UNITS[name], source: s.source, values: s.values });
    }
    const samples = this.tS.length;
    return {
      startedAt: this.startedAt,
      durationS,
      intervalS: this.intervalS,
      tS: this.tS,
      series,
      notSampled,
      samples,
      meanTickMs: samples ? Math.round((this.tickMs / samples) * 1000) / 1000 : 0,
      cpuMs: Math.round(this.cpuUs) / 1000,
    };
  }
}

/** `read`, called once at most and only when needed. */
function lazy<T>(read: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = read();
      done = true;
    }
    return value;
  };
}
