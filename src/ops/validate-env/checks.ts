/**
 * validate-env's judgements, without I/O: the facts about this machine (facts.ts gathers them)
 * in, findings out. Dev thresholds are what the local stack and a readiness run need; with
 * `production` some warnings become failures (an old Python, a taken seed port, little free
 * disk or memory, few open files), and the runbook's production shape (16 CPU, 32 GiB, 1 TiB)
 * is compared against, as warnings only: a smaller box still runs the suite, its figures just
 * do not speak for the production node.
 */
import type { Machine } from '../../../fixtures/src/plan.ts';
import type { Finding, Level } from '../findings.ts';
import { oneLine } from '../findings.ts';

const GiB = 1024 ** 3;

export interface ToolFact {
  /** Absolute path, or null when not found. */
  path: string | null;
  /** The version found in its output (e.g. `3.11.7`), or null. */
  version: string | null;
  /** Why it could not be run or asked (e.g. a timeout), or why its variable is wrong. */
  error?: string;
}

export interface ToolFacts {
  node: string;
  npm: ToolFact;
  python3: ToolFact;
  redisServer: ToolFact;
  nginx: ToolFact;
  docker: ToolFact & { server: string | null; serverError?: string };
  /** From K6_BIN (when set) or PATH. */
  k6: ToolFact & { fromEnv: boolean };
  /** From QDRANT_BIN (when set) or PATH. */
  qdrant: ToolFact & { fromEnv: boolean };
  /** qdrant-local's virtual environment. */
  venv: { path: string; ready: boolean };
  /** The launcher installs missing OS packages itself when it runs as root. */
  isRoot: boolean;
}

export interface PortFact {
  port: number;
  what: string;
  free: boolean;
  /** Who listens on it, when it is taken and that can be seen (/proc). */
  holder: { pid: number; command: string } | null;
  /** Held by a local stack of this suite (its stack.json names the process). */
  ours: { dir: string; service: string } | null;
}

export interface DiskFact {
  /** The directory asked about (the stack dir) and the existing path measured. */
  path: string;
  measured: string;
  freeBytes: number;
  totalBytes: number;
}

export interface ResourceFacts {
  disk: DiskFact | { path: string; error: string };
  memory: { totalBytes: number; availableBytes: number };
  cpus: number;
  openFiles: { soft: number | null; hard: number | null };
}

/** Thresholds; the production shape comes from fixtures/src/plan.ts RUNBOOK_MACHINE. */
export const LIMITS = {
  node: [20, 18] as const,
  python: [3, 11] as const,
  /** qdrant-local's own floor (sut/qdrant-local/bin/ensure-venv). */
  pythonFloor: [3, 10] as const,
  k6Major: 2,
  diskMinFreeRatio: 0.05,
  diskFailBytes: 2 * GiB,
  diskWarnBytes: 5 * GiB,
  memFailBytes: 1 * GiB,
  memWarnBytes: 2 * GiB,
  cpusWarn: 2,
  openFilesWarn: 4096,
  openFilesProduction: 65536,
};

const gib = (b: number): string => `${(b / GiB).toFixed(b < 10 * GiB ? 1 : 0)} GiB`;

/** `[major, minor, patch]` of the first x.y(.z) in `text`, or null. */
export function parseVersion(text: string | null | undefined): number[] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** a ≥ b, compared part by part. */
export function atLeast(version: number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = version[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

const f = (level: Level, area: string, where: string, what: string, fix?: string): Finding => ({ level, area, where, what, ...(fix ? { fix } : {}) });

/** A tool the local stack cannot run without (redis-server, nginx). */
function requiredOsTool(name: string, pkg: string, fact: ToolFact, t: ToolFacts, production: boolean, use: string): Finding {
  if (!fact.path) {
    if (t.isRoot && !production) return f('warn', 'tools', name, `not installed (${use}): \`npm run stack -- up\` installs it with apt-get (running as root)`, `sudo apt-get install -y ${pkg}`);
    return f('fail', 'tools', name, `not installed (${use})`, `sudo apt-get install -y ${pkg}`);
  }
  return f('ok', 'tools', name, `${fact.version ?? 'version unknown'} (${fact.path})`);
}

export function checkTools(t: ToolFacts, production: boolean): Finding[] {
  const out: Finding[] = [];
  const node = parseVersion(t.node);
  out.push(
    node && atLeast(node, LIMITS.node)
      ? f('ok', 'tools', 'node', t.node)
      : f('fail', 'tools', 'node', `${t.node}: the suite needs Node.js ≥ ${LIMITS.node.join('.')}`, 'install Node.js 20.18 or newer (e.g. `nvm install 20`)'),
  );
  out.push(t.npm.path ? f('ok', 'tools', 'npm', `${t.npm.version ?? 'version unknown'} (${t.npm.path})`) : f('fail', 'tools', 'npm', 'not found: every command runs through npm', 'install npm (it comes with Node.js)'));

  const realQdrant = t.qdrant.path !== null && !t.qdrant.error;
  const py = parseVersion(t.python3.version);
  const needs = realQdrant ? 'qdrant-local\'s tests need it; the stack uses the real qdrant' : 'qdrant-local, the stack\'s Qdrant, runs on it';
  if (!t.python3.path || !py) {
    out.push(f(realQdrant ? 'warn' : 'fail', 'tools', 'python3', `${t.python3.path ? `${t.python3.path} does not say its version` : 'not found'} (${needs})`, 'sudo apt-get install -y python3 python3-venv'));
  } else if (!atLeast(py, LIMITS.pythonFloor)) {
    out.push(f(realQdrant ? 'warn' : 'fail', 'tools', 'python3', `${py.join('.')}: qdrant-local needs ≥ ${LIMITS.pythonFloor.join('.')} (${needs})`, 'install Python 3.11 (and python3-venv), or set QDRANT_BIN to a qdrant binary'));
  } else if (!atLeast(py, LIMITS.python)) {
    out.push(f(production ? 'fail' : 'warn', 'tools', 'python3', `${py.join('.')}: the runbook asks for ≥ ${LIMITS.python.join('.')} (qdrant-local runs on ${LIMITS.pythonFloor.join('.')})`, 'install Python 3.11 (and python3-venv)'));
  } else {
    out.push(f('ok', 'tools', 'python3', `${py.join('.')} (${t.python3.path})`));
  }

  out.push(requiredOsTool('redis-server', 'redis-server', t.redisServer, t, production, 'the stack\'s cache and registry'));
  out.push(requiredOsTool('nginx', 'nginx', t.nginx, t, production, 'the stack\'s front door'));

  // optional tools: a warning each when missing, never a failure (not even with --production)
  if (!t.docker.path) out.push(f('warn', 'tools', 'docker', 'not installed (optional: --target containers, VDB_GATEWAY_IMAGE)', 'install Docker Engine (https://docs.docker.com/engine/install/)'));
  else if (!t.docker.server) out.push(f('warn', 'tools', 'docker', `${t.docker.version ?? 'client'} installed, but the daemon does not answer (${oneLine(t.docker.serverError ?? 'no answer', 90)}): --target containers cannot run`, 'sudo systemctl start docker (or add yourself to the docker group)'));
  else out.push(f('ok', 'tools', 'docker', `client ${t.docker.version ?? '?'}, daemon ${t.docker.server}`));

  if (t.k6.error && t.k6.fromEnv) out.push(f('fail', 'tools', 'k6', t.k6.error, 'point K6_BIN at the k6 binary, or unset it'));
  else if (!t.k6.path) out.push(f('warn', 'tools', 'k6', 'not installed (optional: `npm run k6`; `npm run bench` drives load without it)', 'install k6 v2 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN'));
  else {
    const v = parseVersion(t.k6.version);
    if (v && v[0]! < LIMITS.k6Major) out.push(f('warn', 'tools', 'k6', `${t.k6.version}: the scripts need k6 v${LIMITS.k6Major}`, 'install k6 v2 or set K6_BIN to one'));
    else out.push(f('ok', 'tools', 'k6', `${t.k6.version ?? 'version unknown'} (${t.k6.path}${t.k6.fromEnv ? ', K6_BIN' : ''})`));
  }

  if (t.qdrant.error && t.qdrant.fromEnv) out.push(f('fail', 'tools', 'qdrant', t.qdrant.error, 'point QDRANT_BIN at a qdrant binary, or unset it (qdrant-local stands in)'));
  else if (!t.qdrant.path) {
    out.push(f('warn', 'tools', 'qdrant', `no qdrant binary (QDRANT_BIN, PATH): qdrant-local (Qdrant's embedded engine) stands in; its figures are not a Qdrant server's${t.venv.ready ? '' : '; its venv is built on the first `npm run stack -- up`'}`, 'set QDRANT_BIN to a qdrant binary (https://github.com/qdrant/qdrant/releases)'));
  } else out.push(f('ok', 'tools', 'qdrant', `${t.qdrant.version ?? 'version unknown'} (${t.qdrant.path}${t.qdrant.fromEnv ? ', QDRANT_BIN' : ''})`));
  return out;
}

export function checkPorts(ports: readonly PortFact[], production: boolean): Finding[] {
  return ports.map((p) => {
    const where = `${p.port}`;
    if (p.free) return f('ok', 'ports', where, `free (${p.what})`);
    if (p.ours) return f('ok', 'ports', where, `held by the local stack in ${p.ours.dir} (${p.ours.service})`);
    const who = p.holder ? `pid ${p.holder.pid} (${p.holder.command})` : 'another process (not visible to this user)';
    return f(production ? 'fail' : 'warn', 'ports', where, `taken by ${who}: \`npm run stack -- up --seed-ports\` cannot use it for ${p.what}`,
      `${p.holder ? `stop pid ${p.holder.pid}` : `find it with \`ss -ltnp 'sport = :${p.port}'\` and stop it`}, or run the stack without --seed-ports (free ports)`);
  });
}

export function checkResources(r: ResourceFacts, shape: Machine, production: boolean): Finding[] {
  const out: Finding[] = [];
  if ('error' in r.disk) out.push(f('fail', 'resources', 'disk', `cannot measure ${r.disk.path}: ${r.disk.error}`, 'create the stack directory, or point VDB_STACK_DIR at a writable place'));
  else {
    const d = r.disk;
    const ratio = d.totalBytes > 0 ? d.freeBytes / d.totalBytes : 0;
    const where = `disk`;
    const said = `${gib(d.freeBytes)} free of ${gib(d.totalBytes)} (${(ratio * 100).toFixed(1)} %) where ${d.path} lives`;
    if (ratio < LIMITS.diskMinFreeRatio || d.freeBytes < LIMITS.diskFailBytes) {
      out.push(f('fail', 'resources', where, `${said}: needs ≥ ${LIMITS.diskMinFreeRatio * 100} % and ≥ ${gib(LIMITS.diskFailBytes)} (Qdrant storage, logs, results)`, 'free space (old reports/out/ runs, .stack/data), or set VDB_STACK_DIR elsewhere'));
    } else if (d.freeBytes < LIMITS.diskWarnBytes) {
      out.push(f(production ? 'fail' : 'warn', 'resources', where, `${said}: less than ${gib(LIMITS.diskWarnBytes)}, seeding and a soak can fill it`, 'free space, or set VDB_STACK_DIR elsewhere'));
    } else out.push(f('ok', 'resources', where, said));
    if (production && d.totalBytes < shape.diskBytes * 0.95) {
      out.push(f('warn', 'resources', 'disk (shape)', `${gib(d.totalBytes)} in total, the production node has ${gib(shape.diskBytes)}: full-size datasets will not fit here`));
    }
  }

  const m = r.memory;
  const mem = `${gib(m.availableBytes)} available of ${gib(m.totalBytes)}`;
  if (m.availableBytes < LIMITS.memFailBytes) out.push(f('fail', 'resources', 'memory', `${mem}: the stack needs ≥ ${gib(LIMITS.memFailBytes)}`, 'stop other programs (or stacks: `npm run stack -- down`)'));
  else if (m.availableBytes < LIMITS.memWarnBytes) out.push(f(production ? 'fail' : 'warn', 'resources', 'memory', `${mem}: under ${gib(LIMITS.memWarnBytes)}, Qdrant and two gateway slots may swap or be killed`, 'stop other programs'));
  else out.push(f('ok', 'resources', 'memory', mem));
  if (production && m.totalBytes < shape.ramBytes * 0.95) out.push(f('warn', 'resources', 'memory (shape)', `${gib(m.totalBytes)} in total, the production node has ${gib(shape.ramBytes)}: latency figures from here do not speak for it`));

  if (r.cpus < LIMITS.cpusWarn) out.push(f('warn', 'resources', 'cpu', `${r.cpus} CPU: the load driver and the stack compete for it`, 'run on a machine with ≥ 2 CPUs'));
  else out.push(f('ok', 'resources', 'cpu', `${r.cpus} CPUs`));
  if (production && r.cpus < shape.cores) out.push(f('warn', 'resources', 'cpu (shape)', `${r.cpus} CPUs, the production node has ${shape.cores}: throughput figures from here do not speak for it`));

  const soft = r.openFiles.soft;
  if (soft !== null) {
    const hard = r.openFiles.hard ?? LIMITS.openFilesProduction;
    const raise = hard >= LIMITS.openFilesProduction
      ? `ulimit -n ${LIMITS.openFilesProduction} (in the shell that starts the stack and the load)`
      : `raise the hard limit (${hard}) to ${LIMITS.openFilesProduction} (limits.conf nofile, or LimitNOFILE= of the service), then ulimit -n ${LIMITS.openFilesProduction}`;
    if (soft < LIMITS.openFilesWarn) out.push(f(production ? 'fail' : 'warn', 'resources', 'open files', `${soft} per process: load with many connections fails with EMFILE`, raise));
    else if (production && soft < LIMITS.openFilesProduction) out.push(f('warn', 'resources', 'open files', `${soft} per process: production-size connection counts (api_gateway.max_connections) need more`, raise));
    else out.push(f('ok', 'resources', 'open files', `${soft} per process`));
  }
  return out;
}
