/** `npm run deploy` without a stack and with bad usage: one line each, the right exit code. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSuiteCli } from '../../helpers/run-command.ts';

const empty = mkdtempSync(join(tmpdir(), 'vdb-deploy-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('npm run deploy (no stack, bad usage)', () => {
  it('says in one line that no stack runs and how to start one: exit 3, for deploy, rollback and status', async () => {
    for (const args of [[], ['rollback'], ['status']]) {
      const r = await runSuiteCli('deploy.ts', [...args, '--dir', empty]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: no local stack in .*: start one with `npm run stack -- up`$/m);
    }
  });

  it('refuses bad options with exit 2 before touching anything', async () => {
    const env = await runSuiteCli('deploy.ts', ['--env', 'NOEQUALS', '--dir', empty]);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--env must be K=V \(got "NOEQUALS"\)/);
    const reserved = await runSuiteCli('deploy.ts', ['--env', 'GATEWAY_SOCKET=/tmp/x', '--dir', empty]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/GATEWAY_SOCKET is not allowed/);
    const age = await runSuiteCli('deploy.ts', ['--production', '--max-age', 'soon', '--dir', empty]);
    expect(age.code).toBe(2);
    expect(age.stderr).toMatch(/--max-age must be a number of seconds/);
  });
});
