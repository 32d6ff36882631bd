/**
 * `bin/serve`, the one way to find and start "Qdrant": the real-qdrant branch with a stand-in
 * `qdrant` (a small Node server that answers from the QDRANT__* variables it was given, and says
 * when SIGTERM reaches it), its failures (QDRANT_BIN missing, no usable python3, bad usage), and
 * `--which`. qdrant-local itself is started through serve by every other test in this folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, startProcessGroup, stopProcessGroup, waitUntil } from '@vdb-readiness/local-process';
import { SERVE, startServer } from './helpers/server.ts';

/** A stand-in `qdrant`: serves /readyz and GET / (its pid, cwd, argv and QDRANT__* environment). */
const FAKE_QDRANT = `#!${process.execPath}
const http = require('node:http');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('QDRANT__')));
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') return res.end('all shards are ready');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ title: 'qdrant - vector search engine', version: '1.19.0-stand-in', pid: process.pid, cwd: process.cwd(), argv: process.argv.slice(2), env }));
});
server.listen(Number(process.env.QDRANT__SERVICE__HTTP_PORT), process.env.QDRANT__SERVICE__HOST);
process.on('SIGTERM', () => {
  console.log('stand-in qdrant: SIGTERM, flushed');
  process.exit(0);
});
`;

interface FakeRoot {
  version: string;
  pid: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

let dir: string;
let fakeBinDir: string;
let fake: string;
/** This process's environment without QDRANT_BIN: the branch each test picks is its own. */
let baseEnv: NodeJS.ProcessEnv;
/** What `serve --which` picks here without help: a real qdrant on PATH would change some cases. */
let ownEngine: string;

function serve(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync('bash', [SERVE, ...args], { cwd: dir, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim());

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-serve-'));
  fakeBinDir = join(dir, 'bin');
  mkdirSync(fakeBinDir);
  fake = join(fakeBinDir, 'qdrant');
  writeFileSync(fake, FAKE_QDRANT);
  chmodSync(fake, 0o755);
  baseEnv = { ...process.env };
  delete baseEnv.QDRANT_BIN;
  ownEngine = serve(['--which']).stdout.split(' ')[0] ?? '';
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('bin/serve --which', () => {
  it('names QDRANT_BIN, else a qdrant on PATH, and starts nothing', () => {
    const fromEnv = serve(['--which'], { QDRANT_BIN: fake });
    expect(fromEnv).toEqual({ status: 0, stdout: `qdrant ${fake}\n`, stderr: '' });
    const fromPath = serve(['--which'], { PATH: `${fakeBinDir}${delimiter}${process.env.PATH ?? ''}` });
    expect(fromPath).toEqual({ status: 0, stdout: `qdrant ${fake}\n`, stderr: '' });
    expect(existsSync(join(dir, 'storage'))).toBe(false);
  });

  it('--engine picks the stand-in or insists on a real qdrant', () => {
    const withPath = { QDRANT_BIN: fake, PATH: `${fakeBinDir}${delimiter}${process.env.PATH ?? ''}` };
    const local = serve(['--which', '--engine', 'qdrant-local'], withPath);
    expect(local.status).toBe(0);
    expect(local.stdout).toMatch(/^qdrant-local \/.+\/python3?\n$/);
    expect(serve(['--which', '--engine=qdrant'], withPath).stdout).toBe(`qdrant ${fake}\n`);
    const bogus = serve(['--which', '--engine', 'bogus']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toBe("error: --engine 'bogus' is not an engine: give auto, qdrant or qdrant-local\n");
  });

  it('--engine qdrant without a real qdrant fails with exit 7', (ctx) => {
    if (ownEngine !== 'qdrant-local') ctx.skip();
    const none = serve(['--which', '--engine', 'qdrant']);
    expect(none.status).toBe(7);
    expect(lines(none.stderr)).toEqual(['error: --engine qdrant: no real qdrant (QDRANT_BIN is unset and none is on PATH): set QDRANT_BIN to a qdrant binary']);
  });

  it('names qdrant-local and its venv python when there is no qdrant', (ctx) => {
    if (ownEngine !== 'qdrant-local') ctx.skip();
    const out = serve(['--which']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^qdrant-local \/.+\/bin\/python\n$/);
  });
});

describe('bin/serve with a real qdrant (a stand-in)', () => {
  it('execs QDRANT_BIN with Qdrant\'s environment: the pid started is the server, the key only in its environment, SIGTERM reaches it', async () => {
    const port = await freePort('127.0.0.1');
    const grpcPort = await freePort('127.0.0.1');
    const logPath = join(dir, 'fake.log');
    const key = 'serve-test-key-0123456789';
    const pid = startProcessGroup({
      command: 'bash',
      args: [SERVE, '--port', String(port), '--grpc-port', String(grpcPort), '--storage', 'data/storage/'],
      env: { ...baseEnv, QDRANT_BIN: fake, QDRANT__SERVICE__API_KEY: key },
      cwd: dir,
      logPath,
    });
    expect(pid).not.toBeNull();
    try {
      const url = `http://127.0.0.1:${port}`;
      const ready = await waitUntil({ probe: async () => (await fetch(`${url}/readyz`)).status === 200, timeoutMs: 20_000, pid: pid! });
      expect(ready).toBe('ready');
      const root = (await (await fetch(`${url}/`)).json()) as FakeRoot;
      expect(root.pid).toBe(pid);
      expect(root.cwd).toBe(join(dir, 'data'));
      expect(root.argv).toEqual([]);
      expect(root.env).toEqual({
        QDRANT__SERVICE__HOST: '127.0.0.1',
        QDRANT__SERVICE__HTTP_PORT: String(port),
        QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
        QDRANT__SERVICE__API_KEY: key,
        QDRANT__STORAGE__STORAGE_PATH: join(dir, 'data', 'storage'),
        QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'data', 'snapshots'),
        QDRANT__TELEMETRY_DISABLED: 'true',
      });
      expect(existsSync(join(dir, 'data', 'storage')) && existsSync(join(dir, 'data', 'snapshots'))).toBe(true);
      if (existsSync(`/proc/${pid}/cmdline`)) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(key);
      expect(lines(readFileSync(logPath, 'utf8'))[0]).toBe(`serve: engine qdrant (${fake})`);
    } finally {
      await stopProcessGroup(pid!, 10_000);
    }
    expect(isAlive(pid!)).toBe(false);
    expect(readFileSync(logPath, 'utf8')).toContain('stand-in qdrant: SIGTERM, flushed');
  });

  it('is what the tests\' helper starts: info.engine says qdrant', async () => {
    const before = process.env.QDRANT_BIN;
    process.env.QDRANT_BIN = fake;
    try {
      const server = await startServer({ storagePath: join(dir, 'helper', 'storage'), logPath: join(dir, 'helper.log') });
      await server.stop();
      expect(server.info).toMatchObject({ engine: 'qdrant', version: '1.19.0-stand-in' });
      expect(isAlive(server.info.pid)).toBe(false);
    } finally {
      if (before === undefined) delete process.env.QDRANT_BIN;
      else process.env.QDRANT_BIN = before;
    }
  });
});

describe('bin/serve failures: one error line and a documented exit code', () => {
  it('QDRANT_BIN that does not exist: 7, with or without --which', () => {
    const missing = join(dir, 'no-such-qdrant');
    for (const args of [['--which'], ['--storage', join(dir, 'never')]]) {
      const out = serve(args, { QDRANT_BIN: missing });
      expect(out.status).toBe(7);
      expect(out.stdout).toBe('');
      expect(lines(out.stderr)).toEqual([`error: QDRANT_BIN=${missing} does not exist: point it at a qdrant binary, or unset it to use qdrant-local`]);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('no python3 >= 3.10 for qdrant-local: ensure-venv\'s 3 and its line', (ctx) => {
    if (ownEngine !== 'qdrant-local') ctx.skip();
    const fakePython = join(dir, 'old-python');
    mkdirSync(fakePython);
    writeFileSync(join(fakePython, 'python3'), '#!/bin/sh\necho 2.7\n');
    chmodSync(join(fakePython, 'python3'), 0o755);
    // A venv dir of its own, so that the real venv (already fresh) is not simply reused.
    const out = serve(['--which', '--venv', join(dir, 'venv')], { PATH: `${fakePython}${delimiter}${process.env.PATH ?? ''}` });
    expect(out.status).toBe(3);
    expect(out.stdout).toBe('');
    expect(lines(out.stderr)).toEqual([expect.stringMatching(/^error: qdrant-local needs Python >= 3\.10 .*found: 2\.7 at .*old-python\/python3.*: install python3/)]);
  });

  it('bad usage: 2, before anything runs', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--host', '0.0.0.0'], /^error: --host 0\.0\.0\.0 is not loopback/],
      [['--api-key', 'secret'], /^error: the API key is not an option .*QDRANT__SERVICE__API_KEY/],
      [['--port', '65536'], /^error: --port '65536' is not a port/],
      [['--grpc-port'], /^error: --grpc-port needs a value/],
      [['--storage', ''], /^error: --storage is empty/],
      [['--bogus'], /^error: unknown argument '--bogus'/],
    ];
    for (const [args, line] of cases) {
      const out = serve(args, { QDRANT_BIN: fake });
      expect(out.status, args.join(' ')).toBe(2);
      expect(lines(out.stderr), args.join(' ')).toEqual([expect.stringMatching(line)]);
    }
  });
});
