/**
 * The soak on real processes (Redis, qdrant-local, nginx, the reference gateway): a gateway slot
 * started with `GATEWAY_FAULTS=leak_kb=32` (every search retains 32 KiB) fails a one-minute soak
 * on its RSS slope (its answers still right, its fds, the engine and Redis still flat), while the healthy local stack passes the same soak, run
 * at the same time; `npm run gate` and junit.xml agree. Then the k6 path: `npm run k6 -- soak`
 * (a fake k6 that runs for a few seconds) gets the sampler's series in its results too.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayModels, seedTargetModels } from '../../../src/bench/scenario.ts';
import { linkActive, makeRunDir } from '../../../src/launcher/active-link.ts';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import { startGatewaySlot } from '../../../src/launcher/services/gateway.ts';
import type { StackInfo, StartedService, SlotInfo } from '../../../src/launcher/types.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { resolveTarget } from '../../../src/targets/index.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { runCommand } from '../../helpers/run-command.ts';

/** A suite CLI as `npm run` runs it, with `env` added; a soak takes longer than runSuiteCli's 90 s. */
function cli(script: string, args: string[], env: Record<string, string>, timeoutMs = 170_000) {
  return runCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', script), ...args], { env: { ...process.env, ...env }, timeoutMs });
}

const LEAK_KB = 32;
/** 1800 s × 0.035 = 63 s at the ci profile's 50 searches/s: about 57 samples, 1.1 s apart. */
const SCALE = '0.035';

async function latest(out: string): Promise<BenchResults> {
  return JSON.parse(await readFile(join(out, 'latest-bench', 'results.json'), 'utf8')) as BenchResults;
}
const gate = (r: BenchResults, name: string) => r.gates.results.find((g) => g.name === name);

describe('soak: a leaking gateway fails, a healthy one passes', () => {
  let dir: string;
  let outHealthy: string;
  let outLeak: string;
  let outK6: string;
  let runDir: string;
  let info: StackInfo;
  let leaky: StartedService<SlotInfo> | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-soak-stack-'));
    [outHealthy, outLeak, outK6] = await Promise.all(['healthy', 'leak', 'k6'].map((n) => mkdtemp(join(tmpdir(), `vdb-soak-${n}-`))));
    info = await stackUp({ dir });
    const target = await resolveTarget({ kind: 'local', dir });
    // slot green beside the stack, on its own socket directory (so it is the active one there),
    // the same Redis, Qdrant and keys: only the fault differs. Started while the stack is seeded.
    runDir = makeRunDir();
    linkActive(runDir, 'green');
    const [slot] = await Promise.all([
      startGatewaySlot({ name: 'green', logDir: join(dir, 'logs'), runDir, qdrant: info.qdrant, redis: info.redis, keys: info.gateway!.keys!, env: { GATEWAY_FAULTS: `leak_kb=${LEAK_KB}` } }),
      gatewayModels(info.gateway!.url, info.gateway!.apiKey).then((models) => seedTargetModels(target, models, () => undefined)),
    ]);
    leaky = slot;
  }, 300_000);

  afterAll(async () => {
    await leaky?.stop().catch(() => undefined);
    await stackDown(dir).catch(() => undefined);
    await Promise.all([dir, runDir, outHealthy, outLeak, outK6].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
  }, 120_000);

  it('the leak fails gateway_rss_slope; the healthy stack passes every soak gate', async () => {
    const leakEnv = {
      VDB_API_KEY: info.gateway!.apiKey,
      VDB_REDIS_URL: info.redis.url,
      VDB_QDRANT_URL: info.qdrant.url,
      VDB_QDRANT_API_KEY: info.qdrant.apiKey,
    };
    const [healthy, leak] = await Promise.all([
      cli('bench.ts', ['--scenario', 'soak', '--target', 'local', '--duration-scale', SCALE, '--profile', 'ci', '--out', outHealthy], { VDB_STACK_DIR: dir }),
      cli('bench.ts', ['--scenario', 'soak', '--url', leaky!.info.url, '--api', 'gateway', '--duration-scale', SCALE, '--profile', 'ci', '--out', outLeak], leakEnv),
    ]);

    const h = await latest(outHealthy);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(h.pass).toBe(true);
    const hr = h.resources!;
    expect(hr.duration_s).toBeGreaterThan(55);
    expect(Object.fromEntries(hr.series.map((s) => [s.name, s.source]))).toEqual({
      gateway_rss_bytes: 'gateway /metrics gateway_process_resident_memory_bytes',
      gateway_open_fds: 'gateway /metrics gateway_process_open_fds',
      gateway_event_loop_p99_ms: 'gateway /metrics gateway_nodejs_eventloop_lag_p99_seconds',
      engine_rss_bytes: `/proc/${info.qdrant.pid} (engine process tree)`,
      engine_open_fds: `/proc/${info.qdrant.pid} (engine process tree)`,
      redis_used_memory_bytes: 'Redis INFO memory used_memory',
    });
    expect(hr.not_sampled).toEqual([]);
    // every rule judged, none failed: the healthy gateway's RSS stays well inside the tolerance
    expect(Object.values(hr.judged).map((j) => [j.rule, j.verdict])).toEqual(Object.keys(hr.judged).map((rule) => [rule, 'pass']));
    expect(hr.judged.gateway_rss_slope!.score!).toBeLessThan(0.6);
    expect(gate(h, 'gateway_rss_slope')?.pass).toBe(true);

    const l = await latest(outLeak);
    expect(leak.code, leak.stdout + leak.stderr).toBe(1);
    const rss = l.resources!.judged.gateway_rss_slope!;
    expect(rss.verdict).toBe('fail');
    expect(rss.score!).toBeGreaterThan(1.5);
    // the retained memory shows in the slope: at least half of what the fault retained per second
    expect(rss.slope_per_s!).toBeGreaterThan(0.5 * LEAK_KB * 1024 * l.throughput_rps);
    expect(gate(l, 'gateway_rss_slope')).toMatchObject({ pass: false });
    // the answers stay right and nothing else leaks; the latency may suffer from the leak too
    // (the retained memory makes the gateway collect garbage more often), so it is not asserted
    for (const name of ['error_rate', 'recall_at_10', 'gateway_fd_slope', 'engine_rss_slope', 'engine_fd_slope', 'redis_memory_slope']) expect(gate(l, name)?.pass, name).toBe(true);
    // any target: the engine from Qdrant's /metrics, Redis from the URL in the environment
    expect(l.resources!.series.find((s) => s.name === 'engine_rss_bytes')?.source).toBe('Qdrant /metrics memory_resident_bytes');
    expect(leak.stdout).toMatch(/FAIL\s+gateway_rss_slope/);
    expect(await readFile(join(outLeak, 'latest-bench', 'junit.xml'), 'utf8')).toMatch(/name="gate gateway_rss_slope \(ci\)"[^>]*>\s*<failure/);
    expect(await readFile(join(outLeak, 'latest-bench', 'report.html'), 'utf8')).toMatch(/id="chart-soak-0-rss"/);
    const again = await cli('gate.ts', [join(outLeak, 'latest-bench')], {});
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toMatch(/gateway_rss_slope/);
  }, 240_000);

  it('npm run k6 -- soak samples beside k6, into the k6 run\'s results', async () => {
    const r = await cli('k6.ts', ['soak', '--target', 'external', '--profile', 'ci', '--duration-scale', '0.002', '--out', outK6], {
      K6_BIN: join(REPO_ROOT, 'test/integration/soak/slow-fake-k6.mjs'),
      FAKE_K6_SLEEP_S: '4',
      VDB_GATEWAY_URL: info.gateway!.url,
      VDB_API_KEY: info.gateway!.apiKey,
      VDB_REDIS_URL: info.redis.url,
    });
    expect(r.stderr).toMatch(/soak: sampling gateway \/metrics, Redis INFO every 1 s; not sampled: engine_rss_bytes, engine_open_fds/);
    const k = await latest(outK6);
    expect(k.runner?.tool).toBe('k6');
    const res = k.resources!;
    expect(res.sampler.samples).toBeGreaterThanOrEqual(4);
    expect(res.series.map((s) => s.name)).toEqual(['gateway_rss_bytes', 'gateway_open_fds', 'gateway_event_loop_p99_ms', 'redis_used_memory_bytes']);
    expect(res.series.every((s) => s.values.every((v) => v !== null && v >= 0))).toBe(true);
    // a few seconds judge nothing, and say so; no soak gate passes by default
    expect(Object.values(res.judged).every((j) => j.verdict === 'not_judged')).toBe(true);
    expect(k.gates.results.some((g) => g.metric.startsWith('resources.'))).toBe(false);
    expect(k.warnings.join('\n')).toMatch(/soak rule\(s\) not judged: gateway_rss_slope \(too short to judge/);
  }, 120_000);
});
