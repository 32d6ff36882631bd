import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/app.ts';
import { boot } from '../../src/boot.ts';
import { ExitCode } from '../../src/cli/run.ts';
import { validateConfigCommand } from '../../src/cli/validate.ts';
import { ConfigInvalidError } from '../../src/config/bootable.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';

// validate-config and the gateway's start-up must agree: for each configuration below,
// validate-config reports problems exactly when booting (what server.ts does before it
// listens: loadConfig, then build() with the real Redis connection code) refuses, and with the
// same lines. A refusal added to build() or server.ts but not to config/bootable.ts (or the
// schema) makes a case here fail.

const KEYS = 'load=load-key-0123456789abcdef,limited=limited-key-0123456789abcdef';
// nothing listens on port 9: Qdrant and Redis are unreachable, which start-up tolerates
const BASE_ENV = { QDRANT_URL: 'http://127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9', GATEWAY_API_KEYS: KEYS };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the shipped configuration with `edits` ([from, to]) applied to production.yaml. */
function configDir(edits: Array<[string | RegExp, string]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bootable-'));
  dirs.push(dir);
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  const file = join(dir, 'production.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`the edit ${String(from)} changed nothing in production.yaml`);
    text = next;
  }
  writeFileSync(file, text);
  return dir;
}

function validate(dir: string, env: Record<string, string>): { code: number; problems: string[] } {
  const err: string[] = [];
  const code = validateConfigCommand(['--all', '--dir', dir], env, { out: () => undefined, err: (t) => err.push(t) });
  return { code, problems: err.filter((l) => l.startsWith('  - ')).map((l) => l.slice(4)) };
}

/** Boots as server.ts does (without listening): null when the gateway starts, else its refusal. */
async function bootRefusal(dir: string, env: Record<string, string>): Promise<string[] | null> {
  try {
    const booted = await boot(dir, env, { logger: false, ensureCollections: false });
    if (!booted.ok) return booted.problems;
    try {
      await booted.app.ready();
    } finally {
      await booted.app.close();
    }
    return null;
  } catch (err) {
    // a library refusing what the checks let through: the drift this test is for
    return [`(thrown by start-up) ${(err as Error).message}`];
  }
}

interface Case {
  name: string;
  edits?: Array<[string | RegExp, string]>;
  env?: Record<string, string | undefined>;
  /** The refusal expected, or null when the configuration boots. */
  refused: RegExp | null;
}

const CASES: Case[] = [
  { name: 'the shipped configuration with keys', refused: null },
  { name: 'api_key_auth on and no key', env: { GATEWAY_API_KEYS: undefined }, refused: /security\.api_key_auth: is true but no API key is configured: set GATEWAY_API_KEYS/ },
  { name: 'api_key_auth off and no key', edits: [['api_key_auth: true', 'api_key_auth: false']], env: { GATEWAY_API_KEYS: undefined }, refused: null },
  { name: 'workers: 16 (the runbook\'s shape)', edits: [['workers: 1\n', 'workers: 16\n']], refused: null },
  { name: 'workers: 65', edits: [['workers: 1\n', 'workers: 65\n']], refused: /api_gateway\.workers: must be at most 64 \(processes per slot\)/ },
  { name: 'GATEWAY_WORKERS=0', env: { GATEWAY_WORKERS: '0' }, refused: /api_gateway\.workers \(from GATEWAY_WORKERS\)/ },
  { name: 'GATEWAY_WORKERS=2', env: { GATEWAY_WORKERS: '2' }, refused: null },
  { name: 'no workers key', edits: [[/\n\s+workers: 1\n/, '\n']], refused: null },
  { name: 'a Qdrant URL with a path (from QDRANT_URL)', env: { QDRANT_URL: 'http://127.0.0.1:9/qdrant' }, refused: /qdrant\.url \(from QDRANT_URL\): must be an origin .* \(it has path \/qdrant\)/ },
  { name: 'a Qdrant URL with a query (in the file)', edits: [['url: "http://127.0.0.1:6333"', 'url: "http://127.0.0.1:9/?timeout=5"']], env: { QDRANT_URL: undefined }, refused: /production_deployment\.configuration\.qdrant\.url: must be an origin .* \(it has a query\)/ },
  { name: 'a Qdrant URL with a trailing slash', env: { QDRANT_URL: 'http://127.0.0.1:9/' }, refused: null },
  { name: 'an https Qdrant URL', env: { QDRANT_URL: 'https://127.0.0.1:9' }, refused: null },
  { name: 'a /0 trusted proxy', edits: [['trusted_proxies: ["127.0.0.1/32"]', 'trusted_proxies: ["0.0.0.0/0"]']], refused: /security\.trusted_proxies\.0: a \/0 prefix would trust every client as a proxy/ },
  { name: 'an IPv6 trusted proxy and allowlist', edits: [['trusted_proxies: ["127.0.0.1/32"]', 'trusted_proxies: ["127.0.0.1/32", "::1/128"]']], env: { GATEWAY_IP_ALLOWLIST: '127.0.0.1/32,::1/128,0.0.0.0/0' }, refused: null },
  { name: 'more Qdrant connections than an array holds', edits: [['connections: 64', 'connections: 5000000000']], refused: /qdrant\.connections: must be at most 65535/ },
  { name: 'a model collection that is also an extra collection', edits: [[/ {2}imp:\n {4}replicas: 1\n/, '  imp:\n    collection: "test"\n    replicas: 1\n']], refused: /collection test is defined twice/ },
  { name: 'a slot deployment.yaml does not list', env: { GATEWAY_SLOT: 'purple' }, refused: /GATEWAY_SLOT: purple is not one of/ },
  { name: 'a key for an unknown role', env: { GATEWAY_API_KEYS: 'admin=admin-key-0123456789abcdef' }, refused: /GATEWAY_API_KEYS: role admin is not in security\.rate_limits/ },
  { name: 'fault injection for a drill', env: { GATEWAY_FAULTS: 'after=100,abort=503:0.5,delay_ms=300' }, refused: null },
  { name: 'fault injection with a typo', env: { GATEWAY_FAULTS: 'after=100,abrot=503' }, refused: /^GATEWAY_FAULTS: unknown key abrot \(syntax: / },
  { name: 'fault injection with a status outside the catalogue', env: { GATEWAY_FAULTS: 'abort=418' }, refused: /^GATEWAY_FAULTS: abort=418: the status must be one of 500, 502, 503, 504/ },
  { name: 'a socket and an active link', env: { GATEWAY_SOCKET: '/tmp/vdb-gw-x/gateway-blue.sock', GATEWAY_ACTIVE_LINK: '/tmp/vdb-gw-x/active.sock' }, refused: null },
  { name: 'an active link without a socket', env: { GATEWAY_ACTIVE_LINK: '/tmp/vdb-gw-x/active.sock' }, refused: /^GATEWAY_ACTIVE_LINK: is set without GATEWAY_SOCKET/ },
  { name: 'a socket path longer than a unix socket holds', env: { GATEWAY_SOCKET: `/tmp/${'d'.repeat(100)}/gateway-blue.sock` }, refused: /^GATEWAY_SOCKET: \/tmp\/d+\/gateway-blue\.sock is 123 bytes; a unix socket path holds at most 107/ },
  { name: 'a version that cannot be a header', env: { GATEWAY_VERSION: '1.0 beta' }, refused: /^GATEWAY_VERSION: must be 1-128 printable ASCII characters without spaces/ },
];

describe('validate-config accepts exactly what the gateway boots with', () => {
  it.each(CASES)('$name', async (c) => {
    const dir = configDir(c.edits ?? []);
    const env = Object.fromEntries(Object.entries({ ...BASE_ENV, ...c.env }).filter((e): e is [string, string] => e[1] !== undefined));
    const validated = validate(dir, env);
    const refusal = await bootRefusal(dir, env);

    expect(validated.code === ExitCode.Ok, `validate-config says ${validated.code === 0 ? 'valid' : 'invalid'}, boot ${refusal ? 'refuses' : 'starts'}`).toBe(refusal === null);
    expect(validated.problems).toEqual(refusal ?? []);
    if (c.refused) {
      expect(validated.code).toBe(ExitCode.InvalidConfig);
      expect(validated.problems.join('\n')).toMatch(c.refused);
    } else {
      expect(validated.code).toBe(ExitCode.Ok);
    }
  });

  it('build() refuses a configuration handed to it directly, with the messages validate-config prints', async () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, BASE_ENV);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    r.config.apiKeys.clear();
    const err = await build({ config: r.config, logger: false, redis: null, ensureCollections: false }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).problems).toEqual(validate(configDir([]), { ...BASE_ENV, GATEWAY_API_KEYS: '' }).problems);
  });
});

describe('validate-config usage', () => {
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = validateConfigCommand(argv, { ...BASE_ENV }, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  };

  it('exits 0 on --help, 2 on a bad flag or argument, in one line', () => {
    expect(run(['--help'])).toMatchObject({ code: ExitCode.Ok, out: expect.stringContaining('Usage: validate-config') });
    for (const argv of [['--bogus'], ['--dir'], ['surplus']]) {
      const r = run(argv);
      expect(r.code, argv.join(' ')).toBe(ExitCode.Usage);
      expect(r.err.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/^error: .*\(see --help\)\n$/);
    }
  });

  it('names a missing directory as invalid configuration', () => {
    const r = run(['--dir', join(tmpdir(), 'no-such-gateway-config')]);
    expect(r.code).toBe(ExitCode.InvalidConfig);
    expect(r.err).toMatch(/production\.yaml: file not found/);
  });
});
