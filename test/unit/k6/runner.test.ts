/** `npm run k6`'s parts that need no k6: finding it, its environment, the default profile. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findK6 } from '../../../src/k6/find-k6.ts';
import { defaultK6Profile, k6Env, scriptPath } from '../../../src/k6/run.ts';
import { MissingToolError } from '../../../src/util/errors.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';

describe('findK6', () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-findk6-'));
    bin = join(dir, 'k6');
    await writeFile(bin, '#!/bin/sh\necho k6\n');
    await chmod(bin, 0o755);
    await writeFile(join(dir, 'not-exec'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes K6_BIN first, then PATH', () => {
    expect(findK6({ K6_BIN: bin, PATH: '' })).toBe(bin);
    expect(findK6({ PATH: `/nonexistent:${dir}` })).toBe(bin);
  });

  it('without k6: a MissingToolError (exit 4) saying how to install it', () => {
    const missing = (): string => findK6({ PATH: '/nonexistent' });
    expect(missing).toThrow(MissingToolError);
    expect(missing).toThrow(/^k6 is not installed: install k6 v2 \(https:\/\/grafana\.com\/docs\/k6\/latest\/set-up\/install-k6\/\) or set K6_BIN to it$/);
    try {
      missing();
    } catch (err) {
      expect((err as MissingToolError).exitCode).toBe(ExitCode.MissingTool);
    }
    expect(() => findK6({ K6_BIN: join(dir, 'not-exec'), PATH: dir })).toThrow(/K6_BIN=.*not-exec is not an executable file/);
  });
});

describe('the k6 run', () => {
  it('passes the target and the run as VDB_* environment', () => {
    const env = k6Env({ PATH: '/bin', VDB_RATE_SCALE: '0.5' }, { gatewayUrl: 'http://127.0.0.1:8000', apiKey: 'secret', profile: 'ci', durationScale: 0.1, runDir: '/r/x', runId: 'x', version: 'v2.0.0' });
    expect(env).toEqual({
      PATH: '/bin',
      VDB_GATEWAY_URL: 'http://127.0.0.1:8000',
      VDB_API_KEY: 'secret',
      VDB_PROFILE: 'ci',
      VDB_RATE_SCALE: '0.5',
      VDB_DURATION_SCALE: '0.1',
      VDB_OUT_DIR: '/r/x',
      VDB_RUN_ID: 'x',
      K6_VERSION: 'v2.0.0',
    });
  });

  it('defaults the profile as readiness does, and runs the scenario\'s script', () => {
    expect(defaultK6Profile('local')).toBe('ci');
    expect(defaultK6Profile('containers')).toBe('ci');
    expect(defaultK6Profile('external')).toBe('production');
    expect(scriptPath('load')).toMatch(/scenarios\/k6\/load\.ts$/);
  });
});
