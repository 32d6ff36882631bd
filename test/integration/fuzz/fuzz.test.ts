/**
 * `npm run fuzz` against real processes: a local stack (Redis, qdrant-local or qdrant, the gateway
 * behind nginx) in a temp dir, and beside it a second gateway process on the same Redis and Qdrant
 * with one planted bug (plant-bug.mjs: a search body whose query_vector is a string or empty answers 500; the
 * gateway's source is not changed). The healthy gateway is fuzzed clean; the planted bug is caught
 * (exit 1, the case saved), and `--replay` of the saved case reproduces the 500 on the planted
 * gateway and not on the healthy one.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '@vdb-readiness/local-process';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import type { FuzzCase, FuzzResults } from '../../../src/results/fuzz.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { runCommand } from '../../helpers/run-command.ts';
import type { CommandResult } from '../../helpers/run-command.ts';

const VARS = ['VDB_GATEWAY_URL', 'VDB_API_KEY', 'VDB_API_KEYS', 'VDB_QDRANT_URL', 'VDB_QDRANT_API_KEY', 'VDB_REDIS_URL', 'VDB_STACK_DIR'] as const;
const only = (vars: Partial<Record<(typeof VARS)[number], string>>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of VARS) delete env[v];
  return { ...env, ...vars };
};

const fuzz = (args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> =>
  runCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'fuzz.ts'), ...args], { env, timeoutMs: 240_000 });

describe('npm run fuzz: a healthy gateway passes, a planted 500 is caught and replays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-fuzz-it-'));
  const outRoot = join(dir, 'out');
  const stackDir = join(dir, 'stack');
  let info: StackInfo;
  let planted: ChildProcess | undefined;
  let plantedUrl: string;
  let plantedLog = '';

  beforeAll(async () => {
    info = await stackUp({ dir: stackDir });
    if (!info.gateway) throw new Error('the local stack came up without its gateway tier');
    const port = await freePort('127.0.0.1');
    plantedUrl = `http://127.0.0.1:${port}`;
    planted = spawn(process.execPath, ['--import', 'tsx', '--import', join(REPO_ROOT, 'test', 'integration', 'fuzz', 'plant-bug.mjs'), join(REPO_ROOT, 'sut', 'gateway', 'src', 'server.ts')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        // green: the stack's idle slot name (deployment.yaml knows blue and green); no front door points at it
        GATEWAY_SLOT: 'green',
        QDRANT_URL: info.qdrant.url,
        QDRANT_API_KEY: info.qdrant.apiKey,
        REDIS_URL: info.redis.url,
        GATEWAY_API_KEYS: Object.entries(info.gateway.keys ?? {}).map(([role, key]) => `${role}=${key}`).join(','),
      },
    });
    planted.stdout!.on('data', (d: Buffer) => (plantedLog = (plantedLog + d.toString()).slice(-4000)));
    planted.stderr!.on('data', (d: Buffer) => (plantedLog = (plantedLog + d.toString()).slice(-4000)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const up = await fetch(`${plantedUrl}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline || planted.exitCode !== null) throw new Error(`the planted gateway did not come up:\n${plantedLog}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 300_000);

  afterAll(async () => {
    planted?.kill('SIGTERM');
    await stackDown(stackDir);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  const latest = (): { results: FuzzResults; runDir: string } => {
    const runDir = join(outRoot, readlinkSync(join(outRoot, 'latest-fuzz')));
    return { results: JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as FuzzResults, runDir };
  };
  const external = (url: string): NodeJS.ProcessEnv => only({ VDB_GATEWAY_URL: url, VDB_API_KEY: info.gateway!.apiKey });

  test('the planted gateway answers 500 to a string or empty query_vector, the healthy one 400 (the plant works)', async () => {
    const headers = { 'x-api-key': info.gateway!.apiKey, 'content-type': 'application/json' };
    for (const queryVector of ['x', []]) {
      const body = JSON.stringify({ collection: 'mixtral', query_vector: queryVector });
      const bad = await fetch(`${plantedUrl}/api/v1/vectors/search`, { method: 'POST', headers, body });
      const good = await fetch(`${info.gateway!.url}/api/v1/vectors/search`, { method: 'POST', headers, body });
      expect(bad.status, JSON.stringify(queryVector)).toBe(500);
      expect(good.status, JSON.stringify(queryVector)).toBe(400);
    }
    const fine = await fetch(`${plantedUrl}/api/v1/vectors/search`, { method: 'POST', headers, body: JSON.stringify({ collection: 'mixtral', query_vector: 7 }) });
    expect(fine.status).toBe(400);
  });

  test('the healthy gateway: a short run finds nothing, and the gateway is healthy afterwards (exit 0)', async () => {
    const r = await fuzz(['--target', 'local', '--api', 'gateway', '--budget', '20', '--seed', '3', '--out', outRoot], only({ VDB_STACK_DIR: stackDir }));
    const { results, runDir } = latest();
    console.log(`healthy run: ${results.summary.cases} cases over ${results.summary.operations} operations in ${results.apis[0]?.duration_ms} ms of fuzzing`);
    expect(results.failures, r.stdout.slice(-2000)).toEqual([]);
    expect(r.code, r.stderr.slice(-1500)).toBe(ExitCode.Ok);
    expect(results.pass).toBe(true);
    expect(results.summary.cases).toBeGreaterThan(100);
    expect(results.summary.server_errors).toBe(0);
    expect(results.apis[0]).toMatchObject({ api: 'gateway', healthy_after: true });
    expect(readFileSync(join(runDir, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="fuzz\.gateway" tests="\d+" failures="0"/);
    // no secret in any file of the run
    const text = readFileSync(join(runDir, 'results.json'), 'utf8') + readFileSync(join(runDir, 'report.html'), 'utf8');
    for (const key of Object.values(info.gateway!.keys ?? {})) expect(text).not.toContain(key);
  });

  test('the planted bug is caught (exit 1, the case saved) and --replay reproduces it there, not on the healthy gateway', async () => {
    // the search operation alone: schemathesis's coverage phase (each property's wrong types and
    // boundaries) reaches its malformed bodies in seconds, where over all 18 operations it may not
    // within a short budget on a busy machine
    const r = await fuzz(['--target', 'external', '--api', 'gateway', '--operation', 'POST /api/v1/vectors/search', '--budget', '30', '--seed', '3', '--out', outRoot], external(plantedUrl));
    expect(r.code, r.stderr.slice(-1500)).toBe(ExitCode.Failed);
    const { results, runDir } = latest();
    console.log(`planted-bug run: ${results.summary.cases} cases, ${results.summary.failures} failing (${results.summary.server_errors} 5xx) in ${results.apis[0]?.duration_ms} ms of fuzzing`);
    const caught = results.failures.filter((f) => f.check === 'not_a_server_error' && f.operation === 'POST /api/v1/vectors/search' && f.status === 500);
    expect(caught.length, JSON.stringify(results.failures.slice(0, 5))).toBeGreaterThan(0);
    expect(results.summary.server_errors).toBeGreaterThan(0);
    expect(results.pass).toBe(false);
    expect(readFileSync(join(runDir, 'junit.xml'), 'utf8')).toMatch(/POST \/api\/v1\/vectors\/search[^"]*"[^>]*><failure/);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain(caught[0]!.case_file!);

    const file = join(runDir, caught[0]!.case_file!);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as FuzzCase;
    const body = JSON.parse(Buffer.from(saved.body_base64!, 'base64').toString('utf8')) as { query_vector?: unknown };
    expect(typeof body.query_vector === 'string' || (Array.isArray(body.query_vector) && body.query_vector.length === 0), JSON.stringify(body)).toBe(true);
    expect(JSON.stringify(saved)).not.toContain(info.gateway!.apiKey);

    const again = await fuzz(['--replay', file, '--target', 'external', '--api', 'gateway'], external(plantedUrl));
    expect(again.code, again.stderr).toBe(ExitCode.Failed);
    expect(again.stdout).toMatch(/still fails .*→ 500: a server error again/);
    const healthy = await fuzz(['--replay', file, '--target', 'external', '--api', 'gateway'], external(info.gateway!.url));
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(ExitCode.Ok);
    expect(healthy.stdout).toMatch(/passes .*→ 400: no longer fails/);
  }, 300_000);
});
