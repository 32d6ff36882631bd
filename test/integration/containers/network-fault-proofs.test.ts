/**
 * The network-faults group is tested too: one real containers target (Redis, Qdrant, a gateway
 * slot, nginx on a Docker network), the group run on it with its own control (every check must
 * pass), then once per fault with a control that only says it applied that fault
 * (network-faults-run.ts). Each such lie must fail the check that owns the fault, with the reason
 * in its message, and leave the other faults' checks passing. Skipped where no Docker engine answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CheckResult, ReadinessResults } from '../../../src/results/readiness.ts';
import { toxiproxyBinary } from '../../../src/targets/containers/delay-proxy.ts';
import { requireEngine } from '../../../src/targets/containers/engine.ts';
import { ensureImages } from '../../../src/targets/containers/images.ts';
import { gatewayImageOverride } from '../../../src/targets/images.ts';
import { qdrantDelayMs } from '../../../src/targets/containers/service-control.ts';
import { errorMessage } from '../../../src/util/errors.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const RUNNER = join(REPO_ROOT, 'test', 'integration', 'containers', 'network-faults-run.ts');
const LIES = ['none', 'qdrant-link', 'redis-link', 'qdrant-speed'] as const;
type Lie = (typeof LIES)[number];
/** The target (~20 s), then four runs of the group (~15-45 s each, a lied cut waits out its 20 s). */
const RUN_TIMEOUT_MS = 330_000;
const IMAGES_TIMEOUT_MS = 15 * 60_000;

const QDRANT_CUT = /gateway cut off from Qdrant › with the network to Qdrant cut/;
const QDRANT_BACK = /gateway cut off from Qdrant › with the network to Qdrant back/;
const REDIS_CUT = /gateway cut off from Redis › with the network to Redis cut/;
const REDIS_BACK = /gateway cut off from Redis › with the network to Redis back/;
const SLOWED = /Qdrant slowed by a fixed delay › with what Qdrant sends delayed/;
const UNSLOWED = /Qdrant slowed by a fixed delay › with the delay removed/;
const ALL = [QDRANT_CUT, QDRANT_BACK, REDIS_CUT, REDIS_BACK, SLOWED, UNSLOWED];

/** Why these tests cannot run here, or undefined. */
const noEngine = await requireEngine().then(
  () => undefined,
  (err: unknown) => `no Docker engine answers (${errorMessage(err)})`,
);

interface Runs {
  code: number | null;
  output: string;
  notes: string[];
  results: Partial<Record<Lie, ReadinessResults>>;
}

function runAll(outRoot: string): Promise<Runs> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [RUNNER], { cwd: REPO_ROOT, env: { ...process.env, VDB_NETWORK_LIES: LIES.join(','), VDB_OUT: outRoot }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS - 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const results: Runs['results'] = {};
      for (const m of output.matchAll(/^results\[([\w-]+)\]: (\S+results\.json)$/gm)) results[m[1] as Lie] = JSON.parse(readFileSync(m[2]!, 'utf8')) as ReadinessResults;
      const notes = /^notes: (.*)$/m.exec(output)?.[1];
      resolve({ code, output, notes: notes ? (JSON.parse(notes) as string[]) : [], results });
    });
  });
}

describe('the network-faults group on a containers target, and behind a control that lies', () => {
  const outRoot = mkdtempSync(join(tmpdir(), 'vdb-network-faults-out-'));
  let runs: Runs | undefined;

  beforeAll(async () => {
    if (noEngine) return;
    // on a machine with no images yet they are built first (minutes), outside the runs' budget
    await ensureImages({ noPull: process.env.VDB_CONTAINERS_PULL === 'never' }, gatewayImageOverride());
    await toxiproxyBinary(() => undefined).catch(() => undefined);
    runs = await runAll(outRoot);
  }, IMAGES_TIMEOUT_MS + RUN_TIMEOUT_MS);

  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  const summary = (r: ReadinessResults | undefined): string =>
    r ? r.checks.map((c) => `${c.status} ${c.title}${c.status === 'failed' ? `: ${(c.errors?.[0] ?? '').split('\n')[0]}` : ''}${c.skip_reason ? ` (${c.skip_reason})` : ''}`).join('\n') : `no results\n${runs?.output.slice(-3000) ?? ''}`;
  const check = (lie: Lie, title: RegExp): CheckResult => {
    const r = runs?.results[lie];
    const c = r?.checks.find((x) => title.test(x.title));
    if (!c) throw new Error(`lie ${lie}: no check matching ${title} ran:\n${summary(r)}`);
    return c;
  };
  const noteOf = (c: CheckResult, label: string): string => c.evidence?.find((e) => e.label === label)?.note ?? '';

  test('with the real control every network-fault check passes, none skipped', (ctx) => {
    if (noEngine) ctx.skip(noEngine);
    const r = runs?.results.none;
    for (const t of ALL) expect(check('none', t).status, summary(r)).toBe('passed');
    expect(r?.verdict, summary(r)).toBe('GO');
    // what was measured: Qdrant named while cut off, and the delay in the p95
    expect(noteOf(check('none', QDRANT_CUT), 'readiness while cut off from Qdrant')).toMatch(/^503 .*"name":"qdrant","status":"unhealthy"/);
    const slowed = Number(/^([\d.]+) ms over/.exec(noteOf(check('none', SLOWED), 'search p95 with Qdrant slowed'))?.[1]);
    expect(slowed, summary(r)).toBeGreaterThanOrEqual(qdrantDelayMs());
    if (runs?.output.includes('this kernel has no netem')) expect(runs.notes).toContain('Qdrant delay through a TCP delay proxy (this kernel has no netem)');
  });

  const lied = (lie: Lie, owner: RegExp, error: RegExp, stillPass: RegExp[]): void => {
    test(`a control that does not apply ${lie} fails its check, and only that one`, (ctx) => {
      if (noEngine) ctx.skip(noEngine);
      const r = runs?.results[lie];
      const c = check(lie, owner);
      expect(c.status, summary(r)).toBe('failed');
      expect(c.errors?.join('\n'), summary(r)).toMatch(error);
      for (const t of stillPass) expect(check(lie, t).status, `${t}\n${summary(r)}`).toBe('passed');
      expect(r?.verdict, summary(r)).toBe('NO-GO');
    });
  };
  lied('qdrant-link', QDRANT_CUT, /readiness answers 503 while the gateway cannot reach Qdrant/, [QDRANT_BACK, REDIS_CUT, REDIS_BACK, SLOWED, UNSLOWED]);
  lied('redis-link', REDIS_CUT, /health says degraded while the gateway cannot reach Redis/, [QDRANT_CUT, QDRANT_BACK, REDIS_BACK, SLOWED, UNSLOWED]);
  lied('qdrant-speed', SLOWED, /p95 with Qdrant slowed is at least the \d+ ms delay/, [QDRANT_CUT, QDRANT_BACK, REDIS_CUT, REDIS_BACK, UNSLOWED]);
});
