/**
 * The readiness suite is tested too: a real local stack, the fault proxy between the suite and
 * the gateway, and `npm run readiness -- --target external` run as a user runs it (a child
 * process, its exit code, its results.json). Each injected fault must make the run fail and the
 * check that owns the fault's area must be among the failures; the same stack behind the same
 * proxy without a fault must pass; and the healthy stack must pass three runs in a row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MODELS } from '../../../fixtures/src/datasets.ts';
import { gatewayClient, listModels } from '../../../src/readiness/gateway-client.ts';
import { seedModels } from '../../../src/readiness/seed.ts';
import type { CheckResult, ReadinessResults } from '../../../src/results/readiness.ts';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import { localControl } from '../../../src/targets/local-control.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { FAULTS, describeFault, startFaultProxy } from './lying-proxy.ts';
import { READINESS_CLI, runSuite, type SuiteRun } from './run-suite.ts';
import type { FaultName, FaultProxy } from './lying-proxy.ts';

/** One full run of the suite here takes ~20-40 s; a hung run must still end the test. */
const RUN_TIMEOUT_MS = 240_000;



const failedChecks = (r: ReadinessResults): CheckResult[] => r.checks.filter((c) => c.status === 'failed');
/** `npm run readiness` (the CLI itself, no npm wrapper) with its results under `outRoot`. */
const runReadinessCli = (args: string[], env: Record<string, string>, outRoot: string): Promise<SuiteRun> => runSuite(READINESS_CLI, [...args, '--out', outRoot], env, RUN_TIMEOUT_MS);
const summary = (r: SuiteRun): string => `exit ${r.code}; failed: ${failedChecks(r.results).map((c) => `${c.id}: ${(c.errors?.[0] ?? '').split('\n')[0]}`).join(' | ') || 'none'}\n${r.stdout.slice(-1500)}`;

/** A check expected to fail under a fault: its exact title (or a pattern), and what its failure must say. */
interface Expected {
  title: string | RegExp;
  error: RegExp;
}

const titled = (title: string | RegExp) => (c: CheckResult): boolean => (typeof title === 'string' ? c.title === title : title.test(c.title));

interface Case {
  fault: FaultName;
  /** Groups to run: the ones that own the fault's area (keeps the file's wall time down). */
  only: string[];
  expected: Expected[];
  /** Checks that must still pass: the fault is pinned down, not a general breakage. */
  stillPass?: string[];
  /** Set the stage (e.g. stop a dependency); returns how to undo it. */
  arrange?: () => Promise<() => Promise<void>>;
  /** The preflight, not a check, stops the run: its exit code, the service and the one line it prints. */
  refused?: { code: ExitCode; service: string; line: RegExp };
}

const MISSING_MODEL = 'phi3';
const SLOW_MODEL = 'general';
/** Four times the ci gate's p95 (50 ms): far beyond any noise of a loaded machine. */
const SLOW_MS = 200;
const SLOW_CHECK = new RegExp(`^${SLOW_MODEL}: \\d+ searches all answered, p95 under`);

describe('readiness suite against a gateway behind the fault proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-faults-'));
  const outRoot = mkdtempSync(join(tmpdir(), 'vdb-faults-out-'));
  let info: StackInfo;
  let proxy: FaultProxy;
  let env: Record<string, string>;

  beforeAll(async () => {
    info = await stackUp({ dir });
    if (!info.gateway) throw new Error('the local stack came up without its gateway tier');
    const keys = info.gateway.keys ?? {};
    // An external target is not seeded by the runner: seed the fixture the planted-truth checks need.
    await seedModels(info.qdrant, await listModels(gatewayClient(info.gateway.url, info.gateway.apiKey)), () => undefined);
    proxy = await startFaultProxy({ upstream: info.gateway.url, apiKey: info.gateway.apiKey, missingModel: MISSING_MODEL, slowModel: SLOW_MODEL, slowMs: SLOW_MS });
    env = {
      VDB_GATEWAY_URL: proxy.url,
      VDB_API_KEY: info.gateway.apiKey,
      VDB_API_KEYS: Object.entries(keys).map(([role, key]) => `${role}=${key}`).join(','),
      VDB_QDRANT_URL: info.qdrant.url,
      VDB_QDRANT_API_KEY: info.qdrant.apiKey,
      VDB_REDIS_URL: info.redis.url,
    };
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outRoot, { recursive: true, force: true });
  }, 60_000);

  /** The gateway says healthy again (after a case stopped a dependency). */
  async function healthyAgain(): Promise<void> {
    const gw = gatewayClient(info.gateway!.url, info.gateway!.apiKey);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await gw.get('/api/v1/health', { auth: false }).catch(() => undefined);
      if ((r?.body as { status?: string } | undefined)?.status === 'healthy') return;
      if (Date.now() > deadline) throw new Error(`the gateway is not healthy again: ${r?.text ?? 'no answer'}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  const CASES: Case[] = [
    {
      fault: 'lying-health',
      only: ['health'],
      arrange: async () => {
        const control = localControl(dir);
        await control.stop('redis');
        return async () => {
          await control.start('redis');
          await healthyAgain();
        };
      },
      // The gateway's own health is painted healthy; the suite's own look at Redis (the preflight,
      // before any check) is not fooled: the run stops, naming Redis, and no GO is possible.
      expected: [],
      refused: { code: ExitCode.Unreachable, service: 'redis', line: /^error: cannot reach redis:\/\/127\.0\.0\.1:\d+ \(Redis: ECONNREFUSED\): start it, or fix VDB_REDIS_URL$/ },
    },
    {
      fault: 'health-wrong-shape',
      only: ['health'],
      expected: [{ title: 'gateway readiness: GET /api/v1/health reports healthy with Qdrant and Redis components', error: /overall readiness.*expected 'ok' to be 'healthy'/ }],
      stillPass: ['gateway liveness: GET /health answers 200 with status ok', 'Redis answers PING'],
    },
    {
      fault: 'missing-auth',
      only: ['security'],
      expected: [
        { title: 'REST without an API key is refused with 401', error: /expected HTTP 401, got 200/ },
        { title: 'GraphQL without an API key is refused with 401', error: /expected HTTP 401, got 200/ },
      ],
      stillPass: ['a wrong API key is refused with 401 or 403', 'a client outside the IP allowlist is refused with 403'],
    },
    {
      fault: 'unordered-results',
      only: ['models'],
      expected: MODELS.map((m) => ({ title: `${m} › search returns results ordered by score, the nearest neighbour first`, error: /not ordered best first/ })),
      stillPass: MODELS.map((m) => `${m} › model health reports healthy`),
    },
    {
      fault: 'wrong-results',
      only: ['models'],
      expected: MODELS.map((m) => ({ title: `${m} › search returns results ordered by score, the nearest neighbour first`, error: /the best hit is the planted nearest neighbour/ })),
      stillPass: ['the model list names the nine runbook models'],
    },
    {
      fault: 'wrong-scores',
      only: ['models'],
      expected: MODELS.map((m) => ({ title: `${m} › search returns as many distinct points as the limit asks, with the true scores`, error: new RegExp(`${m}: score at rank 0`) })),
      stillPass: MODELS.map((m) => `${m} › search returns results ordered by score, the nearest neighbour first`),
    },
    {
      fault: 'truncated-results',
      only: ['models'],
      expected: MODELS.map((m) => ({ title: `${m} › search returns as many distinct points as the limit asks, with the true scores`, error: /results for limit 10.*expected 5 to be 10/ })),
      stillPass: MODELS.map((m) => `${m} › model health reports healthy`),
    },
    {
      fault: 'broken-batch',
      only: ['vectors'],
      expected: [{ title: 'batch search answers each search as the single search does', error: /one response per search: expected \+?0 to be 3/ }],
      stillPass: ['upsert → get → search → delete round trip keeps vectors and payloads'],
    },
    {
      fault: 'cache-off',
      only: ['vectors'],
      expected: [{ title: 'an identical search is answered from the cache', error: /the identical search is served from the cache: expected false to be true/ }],
      stillPass: ['batch search answers each search as the single search does'],
    },
    {
      fault: 'slow-search',
      only: ['performance'],
      expected: [{ title: SLOW_CHECK, error: /p95 \d+(\.\d+)? ms against the ci gate/ }],
    },
    {
      fault: 'missing-metrics',
      only: ['metrics'],
      expected: [
        { title: 'the runbook grep finds latency, throughput and error_rate series', error: /a series matching "latency"/ },
        { title: 'a request latency histogram, a request counter and an error counter exist', error: /request latency histogram/ },
      ],
      stillPass: ['/metrics parses as Prometheus text'],
    },
    {
      fault: 'metrics-404',
      only: ['metrics'],
      expected: [{ title: '/metrics parses as Prometheus text', error: /\/metrics: expected HTTP 200, got 404/ }],
    },
    {
      fault: 'leaked-stack-traces',
      only: ['vectors'],
      expected: [
        { title: "bad input is refused › 'limit 0' → 400 with a useful message and no internals leaked", error: /leaks internals \(a stack frame/ },
        { title: "bad input is refused › 'malformed JSON' → 400 with a useful message and no internals leaked", error: /leaks internals \(a stack frame/ },
        { title: "bad input is refused › 'unknown collection' → 404 with a useful message and no internals leaked", error: /leaks internals \(a stack frame/ },
      ],
      stillPass: ['upsert → get → search → delete round trip keeps vectors and payloads'],
    },
    {
      fault: 'broken-graphql-field',
      only: ['graphql'],
      expected: [{ title: 'GraphQL health query answers with a status and its components', error: /health status: expected null to be 'healthy'/ }],
      stillPass: ['GraphQL search returns the same ids and scores as REST search'],
    },
    {
      fault: 'missing-model',
      only: ['models'],
      expected: [
        { title: 'the model list names the nine runbook models', error: new RegExp(`runbook models missing from the list: expected \\[ '${MISSING_MODEL}' \\]`) },
        { title: `${MISSING_MODEL} › model health reports healthy`, error: /expected HTTP 200, got 404/ },
      ],
      stillPass: ['mixtral › model health reports healthy'],
    },
    {
      fault: 'allowlist-bypass',
      only: ['security'],
      expected: [{ title: 'a client outside the IP allowlist is refused with 403', error: /expected HTTP 403, got 200/ }],
      stillPass: ['REST without an API key is refused with 401'],
    },
  ];

  test('every fault the proxy offers has a case here', () => {
    expect(CASES.map((c) => c.fault).sort()).toEqual([...FAULTS].sort());
  });

  test.each(CASES)('fault $fault: the run fails and names it', async (c) => {
    const undo = c.arrange ? await c.arrange() : undefined;
    proxy.setFault(c.fault);
    const before = proxy.seen[c.fault] ?? 0;
    let run: SuiteRun;
    try {
      run = await runReadinessCli(['--target', 'external', '--profile', 'ci', '--only', c.only.join(',')], env, join(outRoot, c.fault));
    } finally {
      proxy.setFault(null);
      await undo?.();
    }
    const why = `${c.fault} (${describeFault(c.fault)}): ${summary(run)}`;
    expect((proxy.seen[c.fault] ?? 0) - before, `the suite went through the proxy: ${why}`).toBeGreaterThan(0);
    if (c.refused) {
      expect(run.code, why).toBe(c.refused.code);
      expect(run.stderr.trim().split('\n'), why).toEqual([expect.stringMatching(c.refused.line)]);
      expect(run.results.checks, why).toEqual([]);
      expect(run.results.preflight?.problems.map((p) => p.service), why).toEqual([c.refused.service]);
      expect(run.results.verdict, why).not.toBe('GO');
      return;
    }
    expect(run.code, why).toBe(ExitCode.Failed);
    expect(run.results.verdict, why).toBe('NO-GO');
    for (const e of c.expected) {
      const check = run.results.checks.find(titled(e.title));
      expect(check, `check "${e.title}" ran: ${why}`).toBeDefined();
      expect(check!.status, `check "${e.title}": ${why}`).toBe('failed');
      expect(check!.errors?.join('\n') ?? '', `check "${e.title}" says why: ${why}`).toMatch(e.error);
    }
    for (const title of c.stillPass ?? []) {
      const check = run.results.checks.find(titled(title));
      expect(check?.status, `check "${title}" is not touched by ${c.fault}: ${why}`).toBe('passed');
    }
    if (c.fault === 'slow-search') {
      // The delay itself is what the check measured, and the gate fell with it.
      const slow = run.results.checks.find(titled(SLOW_CHECK));
      expect(slow?.measurements?.['latency_ms.p95'], why).toBeGreaterThanOrEqual(SLOW_MS);
      expect(run.results.gates.results.find((g) => g.name === 'search_p95')?.pass, why).toBe(false);
    }
  }, RUN_TIMEOUT_MS);

  test('the same stack behind the same proxy, with no fault, passes the whole suite', async () => {
    proxy.setFault(null);
    const before = proxy.seen.healthy ?? 0;
    const run = await runReadinessCli(['--target', 'external', '--profile', 'ci'], env, join(outRoot, 'healthy'));
    expect(run.code, summary(run)).toBe(ExitCode.Ok);
    expect(run.results.verdict).toBe('GO');
    expect(run.results.summary.failed).toBe(0);
    expect(run.results.summary.passed, 'most of the suite ran (only service-stopping specs skip)').toBeGreaterThanOrEqual(90);
    expect((proxy.seen.healthy ?? 0) - before, 'the suite went through the proxy').toBeGreaterThan(1000);
  }, RUN_TIMEOUT_MS);

  test('the healthy local stack passes three runs in a row', async () => {
    const verdicts: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const run = await runReadinessCli(['--target', 'local'], { VDB_STACK_DIR: dir }, join(outRoot, `local-${i}`));
      expect(run.code, `run ${i}: ${summary(run)}`).toBe(ExitCode.Ok);
      expect(run.results.target.gateway_url, `run ${i} used the stack of this test`).toBe(info.gateway!.url);
      expect(run.results.summary.failed, `run ${i}`).toBe(0);
      verdicts.push(run.results.verdict);
    }
    expect(verdicts).toEqual(['GO', 'GO', 'GO']);
  }, RUN_TIMEOUT_MS * 3);
});
