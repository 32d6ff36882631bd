/**
 * The preflight against real services: a local stack (the gateway behind nginx, qdrant-local or
 * qdrant, Redis) in a temp dir, a redis-server with `--requirepass`, and a TLS port (a node https
 * server with a self-signed certificate, standing in for "a service that speaks TLS"). Each
 * misconfiguration is run as a person runs it, `npm run readiness -- --target external` (a child
 * process): its exit code, exactly one stderr line naming the fix, no check run (results.json
 * says why, and nothing else is written). The good configuration passes the preflight and runs
 * its checks, so a preflight that refused everything would fail here too.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '@vdb-readiness/local-process';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import { preflight } from '../../../src/preflight/index.ts';
import type { ReadinessResults } from '../../../src/results/readiness.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { runCommand, runSuiteCli } from '../../helpers/run-command.ts';
import type { CommandResult } from '../../helpers/run-command.ts';

const VARS = ['VDB_GATEWAY_URL', 'VDB_API_KEY', 'VDB_API_KEYS', 'VDB_QDRANT_URL', 'VDB_QDRANT_API_KEY', 'VDB_REDIS_URL'] as const;
type Vars = Partial<Record<(typeof VARS)[number], string>>;
/** Only the given VDB_* variables, none of the caller's. */
const only = (vars: Vars): Record<string, string | undefined> => ({ ...Object.fromEntries(VARS.map((v) => [v, undefined])), ...vars });

const REDIS_PASSWORD = 'preflight-pw-4f1c';
const stderrLines = (r: CommandResult): string[] => r.stderr.split('\n').filter((l) => l.trim());

describe('preflight: one line naming the fix, before any check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-preflight-'));
  const outRoot = join(dir, 'out');
  let info: StackInfo;
  let good: Vars;
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  let tls: Server;
  let tlsUrl: string;
  const walls: Array<[string, number, number]> = [];

  beforeAll(async () => {
    const redisPort = await freePort('127.0.0.1');
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--requirepass', REDIS_PASSWORD, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    const cert = await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
    if (cert.code !== 0) throw new Error(`openssl could not make a test certificate: ${cert.stderr}`);
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsUrl = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
    info = await stackUp({ dir: join(dir, 'stack') });
    if (!info.gateway?.keys?.limited || !info.gateway.keys.standard) throw new Error('the local stack came up without its gateway tier and role keys');
    good = {
      VDB_GATEWAY_URL: info.gateway.url,
      VDB_API_KEY: info.gateway.apiKey,
      VDB_API_KEYS: `limited=${info.gateway.keys.limited}`,
      VDB_QDRANT_URL: info.qdrant.url,
      VDB_QDRANT_API_KEY: info.qdrant.apiKey,
      VDB_REDIS_URL: info.redis.url,
    };
  }, 300_000);

  afterAll(async () => {
    console.log(`preflight wall times (process start to exit, preflight itself):\n${walls.map(([n, w, p]) => `  ${n.padEnd(44)} ${(w / 1000).toFixed(2)} s  ${p} ms`).join('\n')}`);
    redis?.kill('SIGTERM');
    await new Promise((r) => tls?.close(r));
    await stackDown(join(dir, 'stack'));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** The latest readiness run under outRoot: its results.json and the files its directory holds. */
  const latestRun = (): { results: ReadinessResults; files: string[] } => {
    const run = join(outRoot, readlinkSync(join(outRoot, 'latest-readiness')));
    return { results: JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as ReadinessResults, files: readdirSync(run) };
  };

  test('the good configuration passes the preflight, in process and as a run whose checks run', async () => {
    const t = { gateway: { url: good.VDB_GATEWAY_URL!, apiKey: good.VDB_API_KEY!, keys: { limited: info.gateway!.keys!.limited! } }, qdrant: { url: good.VDB_QDRANT_URL!, apiKey: good.VDB_QDRANT_API_KEY! }, redis: { url: good.VDB_REDIS_URL! } };
    const report = await preflight(t, { needs: { gateway: 'required', qdrant: 'if-given', redis: 'if-given' }, roleKeys: true });
    expect(report.problems).toEqual([]);
    expect(report.found).toMatchObject({ gateway: 'GET /health: 200', qdrant: expect.stringMatching(/^Qdrant/), redis: expect.stringMatching(/^Redis/) });
    const withPassword = await preflight({ redis: { url: `redis://:${REDIS_PASSWORD}@${redisUrl.slice('redis://'.length)}` } }, { needs: { redis: 'required' } });
    expect(withPassword.problems).toEqual([]);

    const r = await runSuiteCli('readiness.ts', ['--target', 'external', '--only', 'health', '--profile', 'ci', '--out', outRoot], only(good));
    const { results } = latestRun();
    expect(results.preflight, r.stderr).toBeUndefined();
    expect(results.checks.length, r.stdout.slice(-1500)).toBeGreaterThan(0);
    expect([ExitCode.Ok, ExitCode.Failed], r.stderr).toContain(r.code);
  });

  interface Case {
    name: string;
    vars: () => Vars;
    code: ExitCode;
    line: RegExp;
  }
  const CASES: Case[] = [
    { name: 'Qdrant key missing (the gateway key is sent instead)', vars: () => ({ ...good, VDB_QDRANT_API_KEY: undefined }), code: ExitCode.Usage, line: /^error: Qdrant refused the key \(401.*VDB_QDRANT_API_KEY is not set, so VDB_API_KEY was sent\): set VDB_QDRANT_API_KEY$/ },
    { name: 'Qdrant key wrong', vars: () => ({ ...good, VDB_QDRANT_API_KEY: 'not-qdrants-key-0000' }), code: ExitCode.Usage, line: /^error: Qdrant refused the key \(401[^)]*\): set VDB_QDRANT_API_KEY to Qdrant's API key$/ },
    { name: 'gateway key wrong', vars: () => ({ ...good, VDB_API_KEY: 'not-a-gateway-key-0000' }), code: ExitCode.Usage, line: /^error: the gateway refused the key \(401: API key not recognised\): set VDB_API_KEY to a key of the gateway$/ },
    { name: 'gateway key missing', vars: () => ({ ...good, VDB_API_KEY: undefined }), code: ExitCode.Usage, line: /^error: the gateway requires an API key \(401[^)]*\): set VDB_API_KEY$/ },
    { name: 'a role key wrong', vars: () => ({ ...good, VDB_API_KEYS: 'limited=not-a-key-0000' }), code: ExitCode.Usage, line: /^error: the gateway refused the "limited" key \(401[^)]*\): fix limited=… in VDB_API_KEYS$/ },
    { name: 'a key of the wrong role as limited', vars: () => ({ ...good, VDB_API_KEYS: `limited=${info.gateway!.keys!.standard}` }), code: ExitCode.Usage, line: /^error: the "limited" key in VDB_API_KEYS allows 6000 requests per window .*: give the key of the gateway's low-limit role$/ },
    { name: 'the limited key as the main key', vars: () => ({ ...good, VDB_API_KEY: info.gateway!.keys!.limited }), code: ExitCode.Usage, line: /^error: VDB_API_KEY is a low-limit key \(5 requests per window.*\): set it to the gateway's load key/ },
    { name: 'Redis password missing', vars: () => ({ ...good, VDB_REDIS_URL: redisUrl }), code: ExitCode.Usage, line: /^error: Redis at 127\.0\.0\.1:\d+ requires a password \(NOAUTH\): put it in VDB_REDIS_URL as redis:\/\/:<password>@127\.0\.0\.1:\d+$/ },
    { name: 'Redis password wrong', vars: () => ({ ...good, VDB_REDIS_URL: `redis://:wrong-pw@${redisUrl.slice(8)}` }), code: ExitCode.Usage, line: /^error: Redis at 127\.0\.0\.1:\d+ refused the password in VDB_REDIS_URL \(WRONGPASS\): fix it$/ },
    { name: 'rediss:// to a plain Redis port', vars: () => ({ ...good, VDB_REDIS_URL: `rediss://${info.redis.url.slice(8)}` }), code: ExitCode.Usage, line: /^error: VDB_REDIS_URL is rediss:\/\/ but 127\.0\.0\.1:\d+ speaks plain Redis .*: use redis:\/\/127\.0\.0\.1:\d+$/ },
    { name: 'the Redis URL points at the gateway', vars: () => ({ ...good, VDB_REDIS_URL: `redis://${new URL(info.gateway!.url).host}` }), code: ExitCode.Usage, line: /^error: VDB_REDIS_URL=redis:\/\/127\.0\.0\.1:\d+ answers HTTP, not Redis/ },
    { name: 'gateway and Qdrant URLs swapped', vars: () => ({ ...good, VDB_GATEWAY_URL: good.VDB_QDRANT_URL, VDB_QDRANT_URL: good.VDB_GATEWAY_URL }), code: ExitCode.Usage, line: /^error: VDB_GATEWAY_URL and VDB_QDRANT_URL are swapped \(.*\): exchange them$/ },
    { name: 'the gateway URL points at Qdrant', vars: () => ({ ...good, VDB_GATEWAY_URL: good.VDB_QDRANT_URL, VDB_QDRANT_URL: undefined }), code: ExitCode.Usage, line: /^error: VDB_GATEWAY_URL=http:\/\/127\.0\.0\.1:\d+ answers like Qdrant \(Qdrant [\d.]+\): set it to the gateway's URL/ },
    { name: 'the Qdrant URL points at the gateway', vars: () => ({ ...good, VDB_QDRANT_URL: good.VDB_GATEWAY_URL }), code: ExitCode.Usage, line: /^error: VDB_QDRANT_URL=http:\/\/127\.0\.0\.1:\d+ answers like the gateway .*: set it to Qdrant's URL/ },
    { name: 'https:// to a plain HTTP port', vars: () => ({ ...good, VDB_GATEWAY_URL: good.VDB_GATEWAY_URL!.replace(/^http:/, 'https:') }), code: ExitCode.Usage, line: /^error: VDB_GATEWAY_URL is https:\/\/ but 127\.0\.0\.1:\d+ speaks plain HTTP \(SSL wrong version number\): use http:\/\/127\.0\.0\.1:\d+$/ },
    { name: 'http:// to a TLS port', vars: () => ({ ...good, VDB_GATEWAY_URL: `http://${tlsUrl}` }), code: ExitCode.Usage, line: /^error: VDB_GATEWAY_URL is http:\/\/ but 127\.0\.0\.1:\d+ speaks TLS .*: use https:\/\/127\.0\.0\.1:\d+$/ },
    { name: 'nothing listening at the gateway URL', vars: () => ({ ...good, VDB_GATEWAY_URL: 'http://127.0.0.1:9' }), code: ExitCode.Unreachable, line: /^error: cannot reach http:\/\/127\.0\.0\.1:9 \(the gateway: ECONNREFUSED\): start it, or fix VDB_GATEWAY_URL$/ },
    { name: 'nothing listening at the Redis URL', vars: () => ({ ...good, VDB_REDIS_URL: 'redis://127.0.0.1:9' }), code: ExitCode.Unreachable, line: /^error: cannot reach redis:\/\/127\.0\.0\.1:9 \(Redis: ECONNREFUSED\): start it, or fix VDB_REDIS_URL$/ },
  ];

  test.each(CASES)('$name: exit $code, one line, no check', async (c) => {
    const r = await runSuiteCli('readiness.ts', ['--target', 'external', '--out', outRoot], only(c.vars()));
    const { results, files } = latestRun();
    walls.push([c.name, r.ms, results.preflight?.ms ?? -1]);
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(c.code);
    expect(stderrLines(r)).toHaveLength(1);
    expect(stderrLines(r)[0]).toMatch(c.line);
    expect(r.stdout).not.toMatch(/NO-GO|verdict/);
    // the run directory holds the results file saying why, nothing else; no check ran
    expect(files).toEqual(['results.json']);
    expect(results).toMatchObject({ state: 'interrupted', checks: [], summary: { total: 0 }, preflight: { passed: false } });
    expect(results.preflight!.problems[0]!.message).toBe(stderrLines(r)[0]!.replace(/^error: /, ''));
    expect(results.preflight!.problems[0]!.exit_code).toBe(c.code);
    expect(results.preflight!.ms).toBeLessThan(5000);
    for (const secret of [info.gateway!.apiKey, info.qdrant.apiKey, ...Object.values(info.gateway!.keys!), REDIS_PASSWORD]) {
      expect(`${r.stdout}${r.stderr}${JSON.stringify(results)}`).not.toContain(secret);
    }
  });

  test('bench, k6 and fixtures load: the same preflight, one line, exit 2 or 3, nothing sent or written', async () => {
    const out = join(dir, 'out-commands');
    const benchQdrant = await runSuiteCli('bench.ts', ['--url', good.VDB_QDRANT_URL!, '--api', 'qdrant', '--dataset', 'smoke', '--duration', '1', '--out', out], only({ VDB_API_KEY: good.VDB_API_KEY }));
    expect(benchQdrant.code, benchQdrant.stderr).toBe(ExitCode.Usage);
    expect(stderrLines(benchQdrant)).toEqual([expect.stringMatching(/^error: Qdrant refused the key \(401.*VDB_QDRANT_API_KEY is not set, so VDB_API_KEY was sent\): set VDB_QDRANT_API_KEY$/)]);
    const benchSwapped = await runSuiteCli('bench.ts', ['--target', 'external', '--dataset', 'smoke', '--duration', '1', '--out', out], only({ ...good, VDB_GATEWAY_URL: good.VDB_QDRANT_URL, VDB_QDRANT_URL: good.VDB_GATEWAY_URL }));
    expect(benchSwapped.code, benchSwapped.stderr).toBe(ExitCode.Usage);
    expect(stderrLines(benchSwapped)).toEqual([expect.stringMatching(/^error: VDB_GATEWAY_URL=\S+ answers like Qdrant/)]);
    const benchKeyFlag = await runSuiteCli('bench.ts', ['--url', good.VDB_GATEWAY_URL!, '--api-key', 'not-a-gateway-key-0000', '--dataset', 'smoke', '--duration', '1', '--out', out], only({}));
    expect(stderrLines(benchKeyFlag)).toEqual([expect.stringMatching(/^error: the gateway refused the key \(401[^)]*\): set --api-key to a key of the gateway$/)]);

    const k6 = await runSuiteCli('k6.ts', ['smoke', '--target', 'external', '--out', out], { ...only({ ...good, VDB_API_KEY: 'not-a-gateway-key-0000' }), K6_BIN: undefined });
    expect(k6.code, k6.stderr).toBe(ExitCode.Usage);
    expect(stderrLines(k6)).toEqual([expect.stringMatching(/^error: the gateway refused the key .*: set VDB_API_KEY/)]);

    const load = await runSuiteCli('fixtures.ts', ['load', '--target', 'external', '--dataset', 'smoke'], only({ VDB_QDRANT_URL: good.VDB_QDRANT_URL, VDB_QDRANT_API_KEY: 'not-qdrants-key-0000' }));
    expect(load.code, load.stderr).toBe(ExitCode.Usage);
    expect(stderrLines(load)).toEqual([expect.stringMatching(/^error: Qdrant refused the key \(401[^)]*\): set VDB_QDRANT_API_KEY to Qdrant's API key$/)]);
    const loadIntoGateway = await runSuiteCli('fixtures.ts', ['load', '--qdrant-url', good.VDB_GATEWAY_URL!, '--dataset', 'smoke'], only({}));
    expect(loadIntoGateway.code, loadIntoGateway.stderr).toBe(ExitCode.Usage);
    expect(stderrLines(loadIntoGateway)).toEqual([expect.stringMatching(/^error: --qdrant-url=\S+ answers like the gateway/)]);
    const loadNowhere = await runSuiteCli('fixtures.ts', ['load', '--qdrant-url', 'http://127.0.0.1:9', '--dataset', 'smoke'], only({}));
    expect(loadNowhere.code).toBe(ExitCode.Unreachable);
    expect(stderrLines(loadNowhere)).toEqual(['error: cannot reach http://127.0.0.1:9 (Qdrant: ECONNREFUSED): start it, or fix --qdrant-url']);

    // nothing was sent to Qdrant (no collection made) and no run directory was written
    const cols = await fetch(`${info.qdrant.url}/collections`, { headers: { 'api-key': info.qdrant.apiKey } }).then((r) => r.json() as Promise<{ result: { collections: Array<{ name: string }> } }>);
    expect(cols.result.collections.map((c) => c.name)).not.toContain('smoke');
    expect(() => readdirSync(out)).toThrow();
  });

  test('deploy: the stack\'s front door not answering is exit 3 naming `npm run stack -- up`; Redis down is only a warning', async () => {
    const stale = join(dir, 'stale-stack');
    mkdirSync(stale);
    const copy = JSON.parse(readFileSync(join(info.dir, 'stack.json'), 'utf8')) as StackInfo;
    copy.dir = stale;
    copy.gateway!.url = 'http://127.0.0.1:9';
    writeFileSync(join(stale, 'stack.json'), JSON.stringify(copy));
    const r = await runSuiteCli('deploy.ts', ['--dir', stale], only({}));
    expect(r.code, r.stderr).toBe(ExitCode.Unreachable);
    expect(stderrLines(r)).toEqual(['error: cannot reach http://127.0.0.1:9 (the gateway: ECONNREFUSED): bring the stack up with `npm run stack -- up`']);

    const advisory = await preflight({ gateway: { url: info.gateway!.url, apiKey: info.gateway!.apiKey }, redis: { url: 'redis://127.0.0.1:9' } }, { needs: { gateway: 'required', redis: 'advisory' }, gatewayKey: false });
    expect(advisory.problems).toEqual([]);
    expect(advisory.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^cannot reach redis:\/\/127\.0\.0\.1:9 \(Redis: ECONNREFUSED\)/)]);
  });
});
