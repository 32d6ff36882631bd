/**
 * `npm run k6` end to end without k6: a fake k6 (fake-k6.mjs, given as K6_BIN) checks what it
 * was given and writes k6's JSON output; the target is external, a tiny loopback server.
 */
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchResultsSchema } from '../../../src/results/bench.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';

const FAKE_K6 = join(REPO_ROOT, 'test/integration/k6/fake-k6.mjs');
const KEY = 'k6-test-key-7f3a';

/** `npm run k6`, with no K6_BIN of the caller's (each test says which k6, if any). */
const k6cli = (args: string[], env: Record<string, string | undefined>) => runSuiteCli('k6.ts', args, { K6_BIN: undefined, ...env });

describe('npm run k6', () => {
  let server: Server;
  let url: string;
  let out: string;
  const seenKeys: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seenKeys.push(String(req.headers['x-api-key'] ?? ''));
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    out = await mkdtemp(join(tmpdir(), 'vdb-k6-'));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await rm(out, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>): Record<string, string> => ({ K6_BIN: FAKE_K6, VDB_GATEWAY_URL: url, VDB_API_KEY: KEY, ...extra });

  it('passes k6\'s exit code 99 through, with exact results judged from its JSON output', async () => {
    const report = join(out, 'report-99.json');
    const r = await k6cli(['load', '--target', 'external', '--profile', 'ci', '--duration-scale', '0.05', '--out', out, '--', '--quiet'], env({ FAKE_K6_EXIT: '99', FAKE_K6_LATENCY_MS: '80', FAKE_K6_REPORT: report }));
    expect(r.code).toBe(99);
    const seen = JSON.parse(await readFile(report, 'utf8')) as { args: string[]; problems: string[]; health: number; profile: string; durationScale: string; rateScale: string; runId: string; k6Version: string; cwd: string };
    expect(seen.problems).toEqual([]);
    expect(seen.health).toBe(200);
    expect(seenKeys).toContain(KEY);
    expect(seen).toMatchObject({ profile: 'ci', durationScale: '0.05', rateScale: '1', k6Version: 'v2.0.0-fake', cwd: REPO_ROOT });
    expect(seen.args.slice(0, 2)).toEqual(['run', '--out']);
    expect(seen.args.slice(3)).toEqual(['scenarios/k6/load.ts', '--quiet']);

    const latest = await readlink(join(out, 'latest'));
    expect(latest).toBe(seen.runId);
    expect(await readlink(join(out, 'latest-bench'))).toBe(latest);
    const dir = join(out, latest);
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as BenchResults;
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
    expect(results.run_id).toBe(seen.runId);
    expect(results.runner).toMatchObject({ tool: 'k6', source: 'k6-json', scenario: 'load' });
    expect(results.requests).toBe(120);
    expect(results.histogram).toBeDefined();
    expect(results.pass).toBe(false);
    const p95 = results.gates.results.find((g) => g.name === 'search_p95');
    expect(p95?.pass).toBe(false);
    expect(results.gates.results.map((g) => g.name).sort()).toEqual(['error_rate', 'recall_at_10', 'search_p95', 'throughput']);
    // handleSummary's results are kept beside the exact ones.
    expect(JSON.parse(await readFile(join(dir, 'results.k6-summary.json'), 'utf8'))).toMatchObject({ from: 'fake handleSummary' });
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/<failure message="gate search_p95 failed/);
    expect(r.stdout).toMatch(/FAIL\s+search_p95/);
    expect(r.stdout).toContain('k6 exit code 99 (a threshold failed)');
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('exits 0 with k6, judging only the scenario\'s gates; an external target defaults to the production profile', async () => {
    const report = join(out, 'report-0.json');
    const r = await k6cli(['smoke', '--target', 'external', '--out', out], env({ FAKE_K6_EXIT: '0', FAKE_K6_LATENCY_MS: '3', FAKE_K6_REPORT: report }));
    expect(r.code).toBe(0);
    const seen = JSON.parse(await readFile(report, 'utf8')) as { problems: string[]; profile: string; args: string[] };
    expect(seen.problems).toEqual([]);
    expect(seen.profile).toBe('production');
    expect(seen.args.slice(3)).toEqual(['scenarios/k6/smoke.ts']);
    const results = JSON.parse(await readFile(join(out, 'latest', 'results.json'), 'utf8')) as BenchResults;
    expect(results.pass).toBe(true);
    expect(results.gates.profile).toBe('production');
    // smoke's gates; its latency (per-vu-iterations, a closed loop) is k6's threshold to judge, not a gate here.
    expect(results.gates.results.map((g) => g.name).sort()).toEqual(['error_rate', 'recall_at_10']);
    expect(r.stdout).toMatch(/verdict: PASS/);
  });

  it('without k6: exit 4 and one line saying how to install it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'vdb-nok6-'));
    try {
      const r = await k6cli(['smoke', '--target', 'external', '--out', out], { PATH: empty, VDB_GATEWAY_URL: url });
      expect(r.code).toBe(4);
      expect(r.stderr.trim().split('\n')).toEqual(['error: k6 is not installed: install k6 v2 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN to it']);
      const bad = await k6cli(['smoke', '--target', 'external', '--out', out], { K6_BIN: join(empty, 'k6'), VDB_GATEWAY_URL: url });
      expect(bad.code).toBe(4);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/K6_BIN=.* is not an executable file: install k6 v2/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses load on a host that is not loopback without --allow-remote-load, and an unknown scenario', async () => {
    const remote = await k6cli(['smoke', '--target', 'external', '--out', out], env({ VDB_GATEWAY_URL: 'http://10.255.255.1:8000' }));
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/refusing to send load to 10\.255\.255\.1.*--allow-remote-load/);
    const unknown = await k6cli(['nope'], env({}));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/<scenario> must be one of smoke, load/);
  });
});
