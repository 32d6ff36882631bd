/**
 * The environment variables the suite reads (every `VDB_*` of src/, readiness/, scenarios/ and
 * fixtures/: a unit test greps for them), what each must look like, and the gateway variables a
 * slot inherits from the shell that starts the stack (the launcher passes its environment on).
 * `checkEnvironment` judges a given environment: pure, and it never prints a secret (keys are
 * shown by length; every value printed goes through a redactor that knows them).
 */
import { existsSync, statSync, accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { GATE_PROFILES } from '../../gates/definitions.ts';
import { isLoopbackHost } from '../../targets/remote-guard.ts';
import { makeRedactor, redactUrl } from '../../util/redact.ts';
import type { Finding, Level } from '../findings.ts';

export type VarKind =
  | 'url' | 'redis-url' | 'secret' | 'keys' | 'profile' | 'scale' | 'k' | 'models' | 'dir' | 'run-id' | 'ip' | 'flag' | 'image' | 'internal';

export interface VarSpec {
  name: string;
  kind: VarKind;
  /** What the suite uses it for (completes "VDB_X: …"). */
  use: string;
}

/** Every VDB_* variable the suite reads. */
export const SUITE_VARS: readonly VarSpec[] = [
  { name: 'VDB_GATEWAY_URL', kind: 'url', use: 'the gateway of --target external and of k6 scripts' },
  { name: 'VDB_API_KEY', kind: 'secret', use: 'the gateway API key sent with it (and Qdrant\'s when VDB_QDRANT_API_KEY is unset)' },
  { name: 'VDB_API_KEYS', kind: 'keys', use: 'further gateway keys by role (limited=…,standard=…)' },
  { name: 'VDB_QDRANT_URL', kind: 'url', use: 'Qdrant of --target external (seeding, snapshots, health)' },
  { name: 'VDB_QDRANT_API_KEY', kind: 'secret', use: 'Qdrant\'s API key' },
  { name: 'VDB_REDIS_URL', kind: 'redis-url', use: 'Redis of --target external (health spec)' },
  { name: 'VDB_PROFILE', kind: 'profile', use: 'the gate profile of k6 scripts' },
  { name: 'VDB_RATE_SCALE', kind: 'scale', use: 'multiplies every rate of a load shape' },
  { name: 'VDB_DURATION_SCALE', kind: 'scale', use: 'multiplies every duration of a load shape' },
  { name: 'VDB_K', kind: 'k', use: 'results per search and recall@k of k6 scripts' },
  { name: 'VDB_MODELS', kind: 'models', use: 'the models k6 scripts load (default: all)' },
  { name: 'VDB_OUT_DIR', kind: 'dir', use: 'where k6 scripts write their summary' },
  { name: 'VDB_RUN_ID', kind: 'run-id', use: 'the run id of a k6 script' },
  { name: 'VDB_REPORTS_DIR', kind: 'dir', use: 'where runs write results (default reports/out)' },
  { name: 'VDB_STACK_DIR', kind: 'dir', use: 'the local stack\'s state directory (default .stack)' },
  { name: 'VDB_VENV_DIR', kind: 'dir', use: 'qdrant-local\'s Python environment' },
  { name: 'VDB_TARGET_FILE', kind: 'internal', use: 'set by the readiness runner for its spec workers' },
  { name: 'VDB_DEPLOY_ANALYSIS', kind: 'internal', use: 'set by the readiness runner for a deploy hook (an analysis override, JSON)' },
  { name: 'VDB_DEBUG', kind: 'flag', use: 'internal errors print their stack trace' },
  { name: 'VDB_GATEWAY_IMAGE', kind: 'image', use: 'a prebuilt gateway image for --target containers; and the gateway tag of docker-compose.test.yml' },
  { name: 'VDB_QDRANT_IMAGE', kind: 'image', use: 'the Qdrant image of docker-compose.test.yml (npm run images writes it to .env)' },
  { name: 'VDB_REDIS_IMAGE', kind: 'image', use: 'the Redis image of docker-compose.test.yml (npm run images writes it to .env)' },
  { name: 'VDB_NODE_BASE_IMAGE', kind: 'image', use: 'the Node.js base docker-compose.test.yml builds the gateway on (npm run images writes it to .env)' },
  { name: 'VDB_CONTAINERS_PULL', kind: 'internal', use: '`never`: --target containers builds every image instead of trying a pull' },
  { name: 'VDB_REQUIRE_DOCKER', kind: 'internal', use: '`1`: the containers tests fail instead of skipping when no Docker engine answers (.ci/run sets it)' },
  { name: 'VDB_FUZZ_VENV', kind: 'internal', use: 'where npm run fuzz keeps its schemathesis venv (default node_modules/.cache/vdb-fuzz/venv)' },
  { name: 'VDB_PYTHON', kind: 'internal', use: 'the Python >= 3.10 npm run fuzz makes its venv with (default python3)' },
  { name: 'VDB_FUZZ_AUTH', kind: 'internal', use: 'set by npm run fuzz for schemathesis: the credential, never on a command line' },
  { name: 'VDB_TOXIPROXY_BIN', kind: 'internal', use: 'a prebuilt toxiproxy-server (static, linux) for --target containers\'s Qdrant-delay fault where the kernel has no netem (else built with go)' },
  { name: 'VDB_DEBIAN_MIRROR', kind: 'url', use: 'the Debian mirror --target containers builds its base image from' },
  { name: 'VDB_QDRANT_DELAY_MS', kind: 'internal', use: 'the delay the network-fault specs add to Qdrant\'s packets (containers)' },
  { name: 'VDB_QDRANT_TIMEOUT_MS', kind: 'internal', use: 'the gateway\'s Qdrant timeout the network-fault specs expect' },
  { name: 'VDB_CHROMIUM', kind: 'internal', use: 'the Chromium `npm run report -- --pdf` prints with (default /usr/bin/chromium)' },
  { name: 'VDB_OUTSIDE_SOURCE_ADDRESS', kind: 'ip', use: 'a local source address outside the gateway\'s allowlist (security spec)' },
];

/** Gateway variables that slots started from this shell inherit. */
export const INHERITED_VARS = ['GATEWAY_FAULTS', 'LOG_LEVEL', 'MONITORING_ENABLED', 'GATEWAY_CONFIG_DIR'] as const;

/** Roles of the local stack's keys (src/launcher/services/gateway.ts KEY_ROLES). */
const KNOWN_ROLES = ['load', 'standard', 'limited'];

export interface EnvContext {
  production: boolean;
  /** The models of the runbook (fixtures' MODELS). */
  models: readonly string[];
  /** The largest k the fixtures have planted truth for. */
  plantedK: number;
  /** Whether docker is there (VDB_GATEWAY_IMAGE needs it). */
  docker: boolean;
  /** For relative paths. */
  cwd: string;
}

type Env = Record<string, string | undefined>;

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function closestVar(name: string): string | null {
  let best: { name: string; d: number } | null = null;
  for (const v of SUITE_VARS) {
    const d = distance(name, v.name);
    if (!best || d < best.d) best = { name: v.name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 5)) ? best.name : null;
}

function writableDir(path: string): { ok: boolean; note: string } {
  let p = path;
  // the nearest existing ancestor must be a writable directory
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) return { ok: false, note: 'no part of it exists' };
    p = up;
  }
  try {
    if (!statSync(p).isDirectory()) return { ok: false, note: `${p} is not a directory` };
    accessSync(p, constants.W_OK);
  } catch {
    return { ok: false, note: `${p} is not writable` };
  }
  return { ok: true, note: p === path ? 'exists, writable' : `will be created (in ${p})` };
}

/** One finding per set variable (and per combination that does not hold); secrets shown by length only. */
export function checkEnvironment(env: Env, ctx: EnvContext): Finding[] {
  const out: Finding[] = [];
  const secrets = SUITE_VARS.filter((v) => v.kind === 'secret' || v.kind === 'keys').map((v) => env[v.name]);
  for (const pair of (env.VDB_API_KEYS ?? '').split(',')) secrets.push(pair.slice(pair.indexOf('=') + 1).trim());
  const redact = makeRedactor(secrets);
  const add = (level: Level, where: string, what: string, fix?: string): void => {
    out.push({ level, area: 'environment', where, what: redact(what), ...(fix ? { fix: redact(fix) } : {}) });
  };
  const p = ctx.production;

  for (const spec of SUITE_VARS) {
    const raw = env[spec.name];
    if (raw === undefined) continue;
    const v = raw.trim();
    const n = spec.name;
    if (v === '' && spec.kind !== 'flag') {
      add('warn', n, `is set but empty (${spec.use}): the suite treats it as unset, or fails on it`, `unset ${n}`);
      continue;
    }
    switch (spec.kind) {
      case 'url': {
        let u: URL | null = null;
        try {
          u = new URL(v);
        } catch {
          u = null;
        }
        if (!u || !/^https?:$/.test(u.protocol)) add('fail', n, `${redactUrl(v)} is not an http(s) URL (${spec.use})`, `export ${n}=http://127.0.0.1:8000`);
        else if (!isLoopbackHost(u.hostname) && u.protocol === 'http:' && p) add('warn', n, `${redactUrl(v)} is plain http to a remote host: API keys cross the network in clear`, `use https://${u.host}${u.pathname === '/' ? '' : u.pathname}`);
        else add('ok', n, `${redactUrl(v)}${isLoopbackHost(u.hostname) ? '' : ' (not loopback: load needs --allow-remote-load)'}`);
        break;
      }
      case 'redis-url': {
        let ok = false;
        try {
          ok = /^rediss?:$/.test(new URL(v).protocol);
        } catch {
          ok = false;
        }
        if (ok) add('ok', n, redactUrl(v));
        else add('fail', n, `${redactUrl(v)} is not a redis:// URL (${spec.use})`, `export ${n}=redis://127.0.0.1:6379`);
        break;
      }
      case 'secret':
        if (v !== raw) add('warn', n, `set (${raw.length} characters) with spaces around it: the gateway will not recognise the key`, `export ${n}="<the key without spaces>"`);
        else add('ok', n, `set (${v.length} characters)`);
        break;
      case 'keys': {
        const pairs = v.split(',').map((x) => x.trim()).filter(Boolean);
        const bad = pairs.filter((x) => x.indexOf('=') <= 0 || x.slice(x.indexOf('=') + 1).trim() === '');
        const roles = pairs.filter((x) => !bad.includes(x)).map((x) => x.slice(0, x.indexOf('=')).trim());
        if (bad.length) add('fail', n, `${bad.length} of ${pairs.length} entries are not role=key`, `export ${n}=limited=<key>,standard=<key>`);
        else {
          const unknown = roles.filter((r) => !KNOWN_ROLES.includes(r));
          add(unknown.length ? 'warn' : 'ok', n, `roles: ${roles.join(', ')}${unknown.length ? ` (${unknown.join(', ')} not known to the suite: ${KNOWN_ROLES.join(', ')})` : ''}`, unknown.length ? `rename to one of ${KNOWN_ROLES.join(', ')}` : undefined);
        }
        break;
      }
      case 'profile':
        if (!(v in GATE_PROFILES)) add('fail', n, `${v} is not a gate profile (${Object.keys(GATE_PROFILES).join(', ')})`, `export ${n}=production`);
        else if (p && v !== 'production') add('fail', n, `${v}: a production run would be judged by the ${v} gates`, `export ${n}=production (or unset it)`);
        else add('ok', n, v);
        break;
      case 'scale': {
        const x = Number(v);
        if (!Number.isFinite(x) || x <= 0) add('fail', n, `${v} is not a positive number (${spec.use})`, `export ${n}=1 (or unset it)`);
        else if (x !== 1 && p) add('fail', n, `${v}: the production load shapes run scaled, so their figures do not prove the production gates`, `unset ${n}`);
        else add(x === 1 ? 'ok' : 'info', n, x === 1 ? v : `${v}: load shapes run scaled ×${v}`);
        break;
      }
      case 'k': {
        const k = Number(v);
        if (!Number.isInteger(k) || k <= 0) add('fail', n, `${v} is not a whole number > 0`, `export ${n}=10`);
        else if (k > ctx.plantedK) add('fail', n, `${k} is beyond the fixtures' planted truth (k ≤ ${ctx.plantedK}): recall@k cannot be measured`, `export ${n}=${ctx.plantedK}`);
        else add('ok', n, String(k));
        break;
      }
      case 'models': {
        const names = v.split(',').map((m) => m.trim()).filter(Boolean);
        const unknown = names.filter((m) => !ctx.models.includes(m));
        if (unknown.length) add('fail', n, `${unknown.join(', ')} not among the runbook's models (${ctx.models.join(', ')})`, `export ${n}=${names.filter((m) => ctx.models.includes(m)).join(',') || ctx.models[0]}`);
        else if (p && names.length < ctx.models.length) add('warn', n, `only ${names.length} of the ${ctx.models.length} models (${names.join(', ')}): a production verdict needs them all`, `unset ${n}`);
        else add('ok', n, names.join(', '));
        break;
      }
      case 'dir': {
        const abs = resolve(ctx.cwd, v);
        const w = writableDir(abs);
        add(w.ok ? 'ok' : 'fail', n, `${abs}: ${w.note}`, w.ok ? undefined : `create it (mkdir -p ${abs}) or point ${n} elsewhere`);
        break;
      }
      case 'run-id':
        if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(v)) add('ok', n, v);
        else add('fail', n, `${v} is not a run id (letters, digits, . _ -; it names a directory)`, `unset ${n} (one is made from the time)`);
        break;
      case 'ip':
        if (isIP(v)) add('ok', n, v);
        else add('fail', n, `${v} is not an IP address (${spec.use})`, `export ${n}=127.0.0.2`);
        break;
      case 'flag':
        add('info', n, `set: ${spec.use}`);
        break;
      case 'image':
        if (!ctx.docker) add('warn', n, `${v}, but docker is not usable: --target containers cannot run it`, 'install docker (and start its daemon), or unset it');
        else add('ok', n, v);
        break;
      case 'internal':
        add('warn', n, `is set in this shell, but it is ${spec.use}: a stale value changes what the next run does`, `unset ${n}`);
        break;
    }
  }

  // combinations
  const set = (k: string): boolean => (env[k] ?? '').trim() !== '';
  if (set('VDB_GATEWAY_URL') && !set('VDB_API_KEY')) {
    add(p ? 'fail' : 'warn', 'VDB_API_KEY', 'is unset while VDB_GATEWAY_URL is set: the gateway refuses every /api/v1 request without a key', 'export VDB_API_KEY=<a key the gateway accepts>');
  }
  if (set('VDB_QDRANT_URL') && !set('VDB_QDRANT_API_KEY') && !set('VDB_API_KEY')) {
    add('warn', 'VDB_QDRANT_API_KEY', 'is unset (and VDB_API_KEY too) while VDB_QDRANT_URL is set: a Qdrant with an API key refuses the suite', 'export VDB_QDRANT_API_KEY=<its key>');
  }
  if (p && !set('VDB_GATEWAY_URL')) {
    add('info', 'VDB_GATEWAY_URL', 'is unset: --target local runs against the local stack, not a production deployment');
  }

  // VDB_* the suite does not read: typos
  const known = new Set(SUITE_VARS.map((v) => v.name));
  for (const name of Object.keys(env).filter((k) => k.startsWith('VDB_') && !known.has(k)).sort()) {
    const near = closestVar(name);
    add('warn', name, `is not read by the suite${near ? ` (a typo of ${near}?)` : ''}`, near ? `export ${near}=… and unset ${name}` : `unset ${name}`);
  }

  // what slots started from this shell inherit
  const faults = (env.GATEWAY_FAULTS ?? '').trim();
  if (faults) {
    add(p ? 'fail' : 'warn', 'GATEWAY_FAULTS', `${faults}: every gateway slot started from this shell injects faults (rollback drills only)`, 'unset GATEWAY_FAULTS');
  }
  const level = (env.LOG_LEVEL ?? '').trim();
  if (/^(debug|trace)$/i.test(level)) add(p ? 'warn' : 'info', 'LOG_LEVEL', `${level}: slots started from this shell log at ${level} (slower)`, 'unset LOG_LEVEL');
  if (/^(false|0|no|off)$/i.test((env.MONITORING_ENABLED ?? '').trim())) {
    add(p ? 'warn' : 'info', 'MONITORING_ENABLED', `${env.MONITORING_ENABLED}: slots started from this shell expose no process metrics`, 'unset MONITORING_ENABLED');
  }
  const configDir = (env.GATEWAY_CONFIG_DIR ?? '').trim();
  if (configDir) {
    const abs = resolve(ctx.cwd, configDir);
    const ok = existsSync(abs) && statSync(abs).isDirectory() && existsSync(resolve(abs, 'deployment.yaml'));
    add(ok ? 'info' : 'fail', 'GATEWAY_CONFIG_DIR', ok ? `${abs}: slots started from this shell use this configuration` : `${abs} is not a gateway configuration directory (no deployment.yaml)`, ok ? undefined : 'unset GATEWAY_CONFIG_DIR, or point it at a copy of sut/gateway/config');
  }

  if (!SUITE_VARS.some((v) => env[v.name] !== undefined)) {
    out.unshift({ level: 'ok', area: 'environment', where: 'VDB_*', what: 'none set: the suite uses the local stack and its defaults' });
  }
  return out;
}
