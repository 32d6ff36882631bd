import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureSystemTools, findExecutable } from '../../../src/launcher/system-tools.ts';
import { MissingToolError } from '../../../src/util/errors.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';

describe('system tools', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds executables on PATH and in sbin', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('no-such-tool-vdb')).toBeNull();
  });

  it('without root, a missing tool ends with the one command that installs it', async () => {
    vi.spyOn(process as { getuid: () => number }, 'getuid').mockReturnValue(1000);
    const err = await ensureSystemTools(['redis-server', 'no-such-tool-vdb']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).exitCode).toBe(ExitCode.MissingTool);
    expect((err as Error).message).toMatch(/no-such-tool-vdb not installed: run `sudo apt-get install -y .*no-such-tool-vdb`/);
  });
});
