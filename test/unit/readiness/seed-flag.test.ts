import { describe, expect, it } from 'vitest';
import { runSuiteCli } from '../../helpers/run-command.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';

// Refused before anything is reached: the gateway URL below has nothing behind it.
const external = { VDB_GATEWAY_URL: 'http://127.0.0.1:9', VDB_API_KEY: 'k'.repeat(24), VDB_QDRANT_URL: undefined, VDB_QDRANT_API_KEY: undefined };

describe('readiness --seed on an external target', () => {
  it('needs the Qdrant URL it seeds through', async () => {
    const r = await runSuiteCli('readiness.ts', ['--target', 'external', '--seed'], external);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr.trim()).toBe('error: --seed writes the fixture through Qdrant: set VDB_QDRANT_URL (and VDB_QDRANT_API_KEY)');
  });

  it('refuses to overwrite the collections of a Qdrant off loopback without --allow-disruptive', async () => {
    const r = await runSuiteCli('readiness.ts', ['--target', 'external', '--seed'], { ...external, VDB_QDRANT_URL: 'http://10.20.30.40:6333' });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr.trim()).toBe('error: --seed overwrites the model collections of http://10.20.30.40:6333, which is not on loopback: add --allow-disruptive if that is meant');
  });
});
