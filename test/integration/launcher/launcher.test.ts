import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantClient } from '@qdrant/js-client-rest';
import { readStackInfo, stackDown, stackStatus, stackUp } from '../../../src/launcher/launcher.ts';
import { isAlive } from '@vdb-readiness/local-process';
import { claimPort } from '../../../src/launcher/ports.ts';
import { startQdrant } from '../../../src/launcher/services/qdrant.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';

function unitVector(dim: number, seed: number): number[] {
  // Small deterministic LCG: enough for a launcher test (the fixtures generator has the real one).
  let s = seed >>> 0;
  const v = Array.from({ length: dim }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('local stack launcher (data tier)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-stack-'));
  let info: StackInfo;

  beforeAll(async () => {
    info = await stackUp({ dir, gateway: false });
  });
  afterAll(async () => {
    await stackDown(dir);
  });

  it('writes stack.json with the Qdrant URL and key, the Redis URL and the pids it started', () => {
    const onDisk = readStackInfo(dir);
    expect(onDisk).toEqual(info);
    expect(info.qdrant.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.qdrant.apiKey).toMatch(/^[0-9a-f]{48}$/);
    expect(info.redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(info.pids).toEqual([info.redis.pid, info.qdrant.pid]);
    expect(info.pids.every(isAlive)).toBe(true);
    // it holds API keys: owner-only
    expect(statSync(join(dir, 'stack.json')).mode & 0o777).toBe(0o600);
  });

  it('up twice is harmless: the same processes keep running', async () => {
    const again = await stackUp({ dir, gateway: false });
    expect(again.pids).toEqual(info.pids);
    expect((await stackStatus(dir)).healthy).toBe(true);
  });

  it('Qdrant requires the key from stack.json, and the planted nearest point comes back first', async () => {
    const unauth = await fetch(`${info.qdrant.url}/collections`);
    expect(unauth.status).toBe(401);
    const client = new QdrantClient({ url: info.qdrant.url, apiKey: info.qdrant.apiKey, checkCompatibility: false });
    await client.createCollection('launcher_smoke', { vectors: { size: 32, distance: 'Cosine' } });
    const points = Array.from({ length: 1000 }, (_, i) => ({ id: i, vector: unitVector(32, i + 1) }));
    await client.upsert('launcher_smoke', { wait: true, points });
    for (const planted of [7, 512, 999]) {
      const res = await client.query('launcher_smoke', { query: unitVector(32, planted + 1), limit: 3 });
      expect(res.points[0]?.id).toBe(planted);
    }
  });

  it('down stops every pid it started and removes stack.json', async () => {
    const { stopped } = await stackDown(dir);
    expect(stopped.sort()).toEqual([...info.pids].sort());
    expect(info.pids.filter(isAlive)).toEqual([]);
    // not even a zombie: `kill -0` from a shell must not find them either
    expect(info.pids.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
    expect(readStackInfo(dir)).toBeNull();
    expect((await stackStatus(dir)).running).toBe(false);
  });

  it('a restarted stack keeps the data', async () => {
    info = await stackUp({ dir, gateway: false });
    const client = new QdrantClient({ url: info.qdrant.url, apiKey: info.qdrant.apiKey, checkCompatibility: false });
    expect((await client.count('launcher_smoke', { exact: true })).count).toBe(1000);
  });
});

describe('local stack launcher errors', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('a taken seed port ends with one line that names the port and the fix', async () => {
    await expect(claimPort(port, 'qdrant http')).rejects.toThrow(new RegExp(`port ${port} \\(qdrant http\\).*taken.*without --seed-ports`));
  });

  it('an engine that crashes at start-up is reported with its last log lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-crash-'));
    const fake = join(dir, 'qdrant');
    writeFileSync(fake, '#!/bin/sh\necho "Panic: storage is corrupted (simulated)" >&2\nexit 3\n');
    chmodSync(fake, 0o755);
    const before = process.env.QDRANT_BIN;
    process.env.QDRANT_BIN = fake;
    try {
      const err = await startQdrant({ storagePath: join(dir, 'storage'), logPath: join(dir, 'qdrant.log') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/qdrant exited during start-up/);
      expect((err as { details: string[] }).details.join('\n')).toContain('storage is corrupted (simulated)');
    } finally {
      if (before === undefined) delete process.env.QDRANT_BIN;
      else process.env.QDRANT_BIN = before;
    }
  });
});
