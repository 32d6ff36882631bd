/**
 * `npm run validate-env` on this machine: the tools the integration tests need are there (the
 * global setup installs them), so every required line is ok and the exit code follows the fail
 * lines; bad variables and a seed port held by a stranger are named; secrets never printed.
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPortFree } from '@vdb-readiness/local-process';
import type { ValidateEnvReport } from '../../../src/ops/validate-env/index.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';

/** This shell's environment without any VDB_* or gateway variable of the caller's. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('VDB_') || ['GATEWAY_FAULTS', 'LOG_LEVEL', 'MONITORING_ENABLED', 'GATEWAY_CONFIG_DIR'].includes(k)) env[k] = undefined;
  return { ...env, ...extra };
}

const LINE = /^( {2}(ok|info|WARN|FAIL) {1,4}\S.*| {16,}\S.*|[a-z]+|validate-env.*|.*(ready|not ready).*)$/;

describe('npm run validate-env', () => {
  it('on this machine: the required tools are ok, the exit code is 1 exactly when a line fails, every line has the format', async () => {
    const r = await runSuiteCli('validate-env.ts', ['--json'], cleanEnv());
    const report = JSON.parse(r.stdout) as ValidateEnvReport;
    const by = (where: string) => report.findings.find((f) => f.where === where);
    for (const tool of ['node', 'npm', 'python3', 'redis-server', 'nginx']) expect(by(tool)?.level, tool).toBe('ok');
    expect(report.findings.filter((f) => f.area === 'ports').map((f) => f.where)).toEqual(['6333', '6334', '6379', '8000']);
    expect(by('disk')).toBeDefined();
    expect(by('VDB_*')).toMatchObject({ level: 'ok' });
    const fails = report.findings.filter((f) => f.level === 'fail');
    expect(r.code).toBe(fails.length ? 1 : 0);
    expect(report.exit_code).toBe(r.code);

    const text = await runSuiteCli('validate-env.ts', [], cleanEnv());
    expect(text.code).toBe(r.code);
    for (const line of text.stdout.trimEnd().split('\n')) expect(line).toMatch(LINE);
    expect(text.stdout).toMatch(/^tools$/m);
    expect(text.stdout).toMatch(/^ {2}ok {4}node +\d+\.\d+\.\d+$/m);
  });

  it('bad variables fail (exit 1) with their fix; keys are never printed', async () => {
    const key = 'vdb-secret-key-for-the-test-0123';
    const r = await runSuiteCli('validate-env.ts', [], cleanEnv({ VDB_K: 'abc', VDB_API_KEY: key, VDB_API_KEYS: `limited=${key}-l`, VDB_GATEWAY_URL: 'http://127.0.0.1:1', VDB_GATEWAY_ULR: 'x' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+VDB_K\s+abc is not a whole number > 0\n\s+fix: export VDB_K=10/);
    expect(r.stdout).toMatch(/ok\s+VDB_API_KEY\s+set \(32 characters\)/);
    expect(r.stdout).toMatch(/ok\s+VDB_API_KEYS\s+roles: limited/);
    expect(r.stdout).toMatch(/WARN\s+VDB_GATEWAY_ULR\s+is not read by the suite \(a typo of VDB_GATEWAY_URL\?\)/);
    expect(r.stdout).not.toContain(key);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/1 fail, \d+ warn: not ready$/);
  });

  it('a seed port held by a stranger: a warning naming its pid; with --production a failure', async (ctx) => {
    if (!(await isPortFree(8000, '127.0.0.1'))) ctx.skip();
    const server: Server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(8000, '127.0.0.1', () => resolve()));
    try {
      const dev = JSON.parse((await runSuiteCli('validate-env.ts', ['--json'], cleanEnv())).stdout) as ValidateEnvReport;
      const port = dev.findings.find((f) => f.where === '8000');
      expect(port?.level).toBe('warn');
      expect(port?.what).toContain(`taken by pid ${process.pid} (`);
      expect(port?.fix).toMatch(new RegExp(`stop pid ${process.pid}, or run the stack without --seed-ports`));
      const prod = await runSuiteCli('validate-env.ts', ['--production'], cleanEnv());
      expect(prod.code).toBe(1);
      expect(prod.stdout).toMatch(new RegExp(`FAIL\\s+8000\\s+taken by pid ${process.pid}`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
