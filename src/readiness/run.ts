import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVitest } from 'vitest/node';
import { runFiles } from '../../reports/render/index.ts';
import type { GateProfile } from '../gates/definitions.ts';
import { READINESS_SCHEMA } from '../results/readiness.ts';
import type { ReadinessResults } from '../results/readiness.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore } from '../results/store.ts';
import type { Target } from '../targets/types.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import { REPO_ROOT, reportsOutDir } from '../util/paths.ts';
import { suiteVersion } from '../util/version.ts';
import { serveControl } from './control-server.ts';
import { assertSeedAllowed } from './seed-guard.ts';
import type { ControlEndpoint } from './control-server.ts';
import { TARGET_FILE_ENV, descriptorSecrets } from './descriptor.ts';
import type { TargetDescriptor } from './descriptor.ts';
import { fingerprint } from './fingerprint.ts';
import { gatewayClient, listModels } from './gateway-client.ts';
import { makeRedactor, redactUrl } from '../util/redact.ts';
import { ReadinessReporter } from './reporter.ts';
import { detectFixtureModels, seedModels } from './seed.ts';

export interface RunOptions {
  target: Target;
  only: string[];
  comprehensive: boolean;
  allowDisruptive: boolean;
  /** `--seed`: seed an external target's model collections too (local and containers targets always are). */
  seed?: boolean;
  /** `--deploy-hook` as given (recorded, redacted, in results.json). */
  deployHook?: string;
  /** Only the checks whose full name matches (vitest's testNamePattern); the suite's own tests use it. */
  checks?: string;
  profile: GateProfile;
  outRoot?: string;
  command: string;
  log: (line: string) => void;
}

export interface RunOutcome {
  results: ReadinessResults;
  runDir: string;
}

/** Checks the target answers at all; one clear line when it does not. */
async function assertReachable(url: string, apiKey: string): Promise<void> {
  try {
    const r = await gatewayClient(url, apiKey).get('/health', { auth: false, timeoutMs: 5000 });
    if (r.status >= 500 && r.status !== 503) throw new Error(`GET /health answered ${r.status}`);
  } catch (err) {
    throw new UnreachableError(`cannot reach the gateway at ${url} (${errorMessage(err)}): start it, check VDB_GATEWAY_URL, or use --target local`);
  }
}

export async function runReadiness(opts: RunOptions): Promise<RunOutcome> {
  const t = opts.target;
  if (!t.gateway) throw new UnreachableError(`the ${t.kind} target has no gateway URL: set VDB_GATEWAY_URL, or use --target local`);
  const gwUrl = t.gateway.url;
  assertSeedAllowed(t, opts);
  await assertReachable(gwUrl, t.gateway.apiKey);

  const runId = newRunId('readiness');
  const outRoot = opts.outRoot ?? reportsOutDir();
  const store = await ResultsStore.create(runId, outRoot);
  const gw = gatewayClient(gwUrl, t.gateway.apiKey);
  const notes: string[] = [];
  let models = await listModels(gw).catch((err: unknown) => {
    notes.push(`model list: ${errorMessage(err)}`);
    return [];
  });
  if ((t.kind === 'local' || t.kind === 'containers' || opts.seed) && t.qdrant && models.length > 0) {
    await seedModels(t.qdrant, models, opts.log);
    models = await listModels(gw);
  }
  const fixtureModels = await detectFixtureModels(gw, models, notes);

  const control: ControlEndpoint | undefined = t.control || t.deploy ? await serveControl({ services: t.control, deploy: t.deploy }) : undefined;
  const deployInfo = control?.deploy.available && t.deploy
    ? { via: t.deploy.via, stopSlot: control.deploy.stopSlot, ...(t.deploy.registry ? { registry: t.deploy.registry } : {}) }
    : undefined;
  const descriptor: TargetDescriptor = {
    kind: t.kind,
    gateway: { url: gwUrl, apiKey: t.gateway.apiKey, keys: t.gateway.keys ?? {} },
    ...(t.qdrant ? { qdrant: { url: t.qdrant.url, ...(t.qdrant.apiKey ? { apiKey: t.qdrant.apiKey } : {}) } } : {}),
    ...(t.redis ? { redis: t.redis } : {}),
    ...(control ? { control: { url: control.url, token: control.token, services: control.services, ...(deployInfo ? { deploy: deployInfo } : {}) } } : {}),
    options: { comprehensive: opts.comprehensive, allowDisruptive: opts.allowDisruptive, only: opts.only },
    gates: opts.profile,
    fixtureModels,
    runId,
  };
  const redact = makeRedactor(descriptorSecrets(descriptor));
  const fp = await fingerprint({ gw, models, qdrant: t.qdrant, redisUrl: t.redis?.url, redact });
  fp.notes.push(...notes);
  if (t.notes?.length) fp.setup = [...t.notes];

  // The descriptor holds keys: a private temp dir, never the reports directory.
  const secretDir = mkdtempSync(join(tmpdir(), 'vdb-readiness-'));
  const descriptorPath = join(secretDir, 'target.json');
  writeFileSync(descriptorPath, JSON.stringify(descriptor), { mode: 0o600 });

  const initial: ReadinessResults = {
    schema: READINESS_SCHEMA,
    kind: 'readiness',
    run_id: runId,
    state: 'running',
    started_at: new Date().toISOString(),
    gates: { profile: opts.profile.name, label: opts.profile.label, results: [] },
    verdict: 'NO-GO',
    verdict_reasons: ['the run has not finished'],
    run: {
      command: redact(opts.command),
      suite_version: suiteVersion(),
      node: process.versions.node,
      host: hostname(),
      options: {
        target: t.kind,
        only: opts.only,
        comprehensive: opts.comprehensive,
        allow_disruptive: opts.allowDisruptive,
        profile: opts.profile.name,
        ...(opts.deployHook ? { deploy_hook: redact(opts.deployHook) } : {}),
      },
    },
    target: {
      kind: t.kind,
      gateway_url: redactUrl(gwUrl),
      ...(t.qdrant ? { qdrant_url: redactUrl(t.qdrant.url) } : {}),
      ...(t.redis ? { redis_url: redactUrl(t.redis.url) } : {}),
      fingerprint: fp,
    },
    summary: { total: 0, passed: 0, failed: 0, skipped: 0, required_failed: 0 },
    checks: [],
    checklist: [],
  };
  await store.save(initial);
  let final: ReadinessResults = initial;
  const reporter = new ReadinessReporter({
    store,
    initial,
    profile: opts.profile,
    redact,
    log: opts.log,
    onFinish: async (results) => {
      final = results;
      await writeRunFiles(store, results);
    },
  });

  const previousEnv = process.env[TARGET_FILE_ENV];
  process.env[TARGET_FILE_ENV] = descriptorPath;
  try {
    const filters = opts.only.map((g) => `readiness/${g}.spec.ts`);
    const vitest = await startVitest('test', filters, {
      config: join(REPO_ROOT, 'readiness', 'vitest.config.ts'),
      root: REPO_ROOT,
      run: true,
      watch: false,
      reporters: [reporter],
      ...(opts.checks ? { testNamePattern: opts.checks } : {}),
    });
    await vitest.close();
  } finally {
    if (previousEnv === undefined) delete process.env[TARGET_FILE_ENV];
    else process.env[TARGET_FILE_ENV] = previousEnv;
    rmSync(secretDir, { recursive: true, force: true });
    await control?.close();
  }
  if (final === initial) {
    // vitest ended without reporting the run's end (e.g. a config error): keep what finished.
    final = { ...reporter.current, state: 'interrupted' };
    await store.save(final);
    await writeRunFiles(store, final);
  }
  return { results: final, runDir: store.runDir };
}

async function writeRunFiles(store: ResultsStore, results: ReadinessResults): Promise<void> {
  for (const [name, content] of Object.entries(runFiles(results))) await store.writeFile(name, content);
}
