/**
 * `npm run diagnose` against a real local stack in a temp dir: healthy → exit 0; a standby slot
 * started with GATEWAY_FAULTS → a note, and a problem with --production; the active slot killed
 * → named with its fix, exit 1; no stack → exit 3 and one line.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '@vdb-readiness/local-process';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import { addSlot, removeSlot } from '../../../src/launcher/slots.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import type { DiagnoseReport } from '../../../src/ops/diagnose/index.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';

const diagnose = (args: string[]) => runSuiteCli('diagnose.ts', args);

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const healthy = async (url: string): Promise<boolean> => {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
};

/** The slot has its entry in the service registry (vdb:services:gateway:*, as diagnose reads it). */
async function registered(redisUrl: string, slot: string, pid: number): Promise<boolean> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const keys = await r.keys('vdb:services:gateway:*');
    const values = keys.length > 0 ? await r.mget(...keys) : [];
    return values.some((v) => {
      const e = v ? (JSON.parse(v) as { slot?: string; pid?: number }) : null;
      return e?.slot === slot && e.pid === pid;
    });
  } finally {
    r.disconnect();
  }
}

describe('npm run diagnose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-diagnose-'));
  let info: StackInfo;

  beforeAll(async () => {
    info = await stackUp({ dir });
  });
  afterAll(async () => {
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a healthy stack: every service ok, the front door answers through the active slot, exit 0, no key printed', async () => {
    const r = await diagnose(['--dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok\s+redis\s+pid \d+, answers its health probe/);
    expect(r.stdout).toMatch(/ok\s+nginx\s+pid \d+/);
    expect(r.stdout).toMatch(/ok\s+gateway-blue\s+pid \d+ \(active\)/);
    expect(r.stdout).toMatch(/front door\s+http:\/\/127\.0\.0\.1:\d+ answers through blue/);
    expect(r.stdout).toMatch(/collections: 10 ensured at start-up/);
    expect(r.stdout.trim().split('\n').pop()).toBe('no problems found');
    for (const secret of [info.qdrant.apiKey, info.gateway!.apiKey]) expect(r.stdout).not.toContain(secret);
  });

  it('a standby started with GATEWAY_FAULTS: a note; with --production a problem naming it (exit 1)', async () => {
    const green = await addSlot(dir, { name: 'green', version: '9.9.9-drill', env: { GATEWAY_FAULTS: 'after=100000,abort=503:0.5' } });
    try {
      await waitFor('green /health', () => healthy(green.info.url));
      // a slot answers /health as soon as it listens and registers just after: wait for both
      await waitFor('green registered', () => registered(info.redis.url, 'green', green.info.pid));
      const plain = await diagnose(['--dir', dir, '--json']);
      expect(plain.code, plain.stdout).toBe(0);
      const report = JSON.parse(plain.stdout) as DiagnoseReport;
      expect(report.findings.find((f) => f.where === 'gateway-green' && /fault injection/.test(f.what))).toMatchObject({ level: 'info' });
      const prod = await diagnose(['--dir', dir, '--production']);
      expect(prod.code).toBe(1);
      expect(prod.stdout).toMatch(/WARN\s+gateway-green\s+fault injection is on \(GATEWAY_FAULTS=after=100000,abort=503:0\.5\)/);
    } finally {
      await removeSlot(dir, 'green', 5000);
    }
  });

  it('the active slot killed: diagnose names it with its fix and the front door failing, exit 1', async () => {
    const blue = info.gateway!.slots[0]!;
    process.kill(blue.pid, 'SIGKILL');
    await waitFor('blue to die', () => !isAlive(blue.pid), 10_000);
    const r = await diagnose(['--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`FAIL\\s+gateway-blue\\s+pid ${blue.pid} \\(active\\) is not running`));
    expect(r.stdout).toMatch(/fix: npm run stack -- logs gateway-blue \(why\), then npm run stack -- up/);
    expect(r.stdout).toMatch(/FAIL\s+front door\s+http:\/\/127\.0\.0\.1:\d+ answers HTTP 502/);
    // SIGKILL: the slot could not deregister, so its entry outlives it until the TTL
    expect(r.stdout).toMatch(/instance blue-\S+\s+is registered \(slot blue, pid \d+\) but its process is dead/);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/\d+ fail.*: problems found$/);
  });

  it('no stack: exit 3 and one line naming `npm run stack -- up`, for an empty dir and for a stack.json whose pids are all gone', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vdb-diagnose-none-'));
    const none = await diagnose(['--dir', empty]);
    expect(none.code).toBe(3);
    expect(none.stdout).toBe('');
    expect(none.stderr.trim().split('\n')).toEqual([`error: no stack in ${empty}: run \`npm run stack -- up\``]);

    copyFileSync(join(dir, 'stack.json'), join(empty, 'stack.json.saved'));
    await stackDown(dir);
    copyFileSync(join(empty, 'stack.json.saved'), join(dir, 'stack.json'));
    const leftover = await diagnose(['--dir', dir, '--production']);
    rmSync(join(dir, 'stack.json'));
    expect(leftover.code).toBe(3);
    expect(leftover.stderr.trim().split('\n')).toEqual([`error: no stack running in ${dir} (stack.json is left over, every pid in it is gone): run \`npm run stack -- up\``]);
    rmSync(empty, { recursive: true, force: true });
  });
});
