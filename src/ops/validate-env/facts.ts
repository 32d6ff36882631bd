/**
 * validate-env's look at this machine: the tools and their versions (each asked with a short
 * timeout, in parallel), the seed ports and who holds them (/proc/net/tcp, and the stack.json of
 * the local stack), free disk where the stack lives, memory, CPUs and the open-files limit.
 * Nothing here judges; checks.ts does.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { isPortFree } from '@vdb-readiness/local-process';
import { procStat } from '@vdb-readiness/proc-stat';
import { readStackInfo } from '../../launcher/launcher.ts';
import { QDRANT_GRPC_SEED_PORT, QDRANT_SEED_PORT } from '../../launcher/services/qdrant.ts';
import { REDIS_SEED_PORT } from '../../launcher/services/redis.ts';
import { findExecutable } from '../../launcher/system-tools.ts';
import { errorMessage } from '../../util/errors.ts';
import { venvDir } from '../../util/paths.ts';
import type { PortFact, ResourceFacts, ToolFact, ToolFacts } from './checks.ts';

/** The launcher's seed ports (`npm run stack -- up --seed-ports`); 8000 is the front door's (services/gateway.ts). */
export const SEED_PORTS: ReadonlyArray<{ port: number; what: string }> = [
  { port: QDRANT_SEED_PORT, what: 'qdrant http' },
  { port: QDRANT_GRPC_SEED_PORT, what: 'qdrant grpc' },
  { port: REDIS_SEED_PORT, what: 'redis' },
  { port: 8000, what: 'the gateway front door' },
];

const TOOL_TIMEOUT_MS = 5000;

/** Runs `bin args` and resolves its stdout + stderr (never rejects: an error becomes `error`). */
function run(bin: string, args: string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<{ out: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`.trim();
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const why = e.killed ? `no answer within ${timeoutMs / 1000} s` : (out.split('\n').find((l) => l.trim()) ?? errorMessage(err));
        resolve({ out, error: why.slice(0, 200) });
      } else resolve({ out });
    });
  });
}

async function tool(name: string, args: string[], pattern: RegExp, path = findExecutable(name)): Promise<ToolFact> {
  if (!path) return { path: null, version: null };
  const r = await run(path, args);
  const version = pattern.exec(r.out)?.[1] ?? null;
  return { path, version, ...(r.error && !version ? { error: r.error } : {}) };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A tool found through its variable (K6_BIN, QDRANT_BIN) when set, else on PATH. */
async function toolFromEnv(envName: string, name: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv): Promise<ToolFact & { fromEnv: boolean }> {
  const fromEnv = env[envName];
  if (fromEnv) {
    if (!executable(fromEnv)) return { path: null, version: null, fromEnv: true, error: `${envName}=${fromEnv} is not an executable file` };
    return { ...(await tool(name, args, pattern, fromEnv)), fromEnv: true };
  }
  return { ...(await tool(name, args, pattern)), fromEnv: false };
}

export async function toolFacts(env: NodeJS.ProcessEnv = process.env): Promise<ToolFacts> {
  const [npm, python3, redisServer, nginx, dockerClient, k6, qdrant] = await Promise.all([
    tool('npm', ['--version'], /(\d+\.\d+\.\d+)/),
    tool('python3', ['--version'], /Python (\d+\.\d+(?:\.\d+)?)/),
    tool('redis-server', ['--version'], /v=(\d+\.\d+\.\d+)/),
    tool('nginx', ['-v'], /nginx\/(\d+\.\d+\.\d+)/),
    tool('docker', ['--version'], /version (\d+\.\d+\.\d+)/),
    toolFromEnv('K6_BIN', 'k6', ['version'], /k6 (v\d+\.\d+\.\d+\S*)/, env),
    toolFromEnv('QDRANT_BIN', 'qdrant', ['--version'], /qdrant (\d+\.\d+\.\d+)/i, env),
  ]);
  let server: string | null = null;
  let serverError: string | undefined;
  if (dockerClient.path) {
    const r = await run(dockerClient.path, ['version', '--format', '{{.Server.Version}}']);
    server = r.error ? null : (/(\d+\.\d+\.\d+\S*)/.exec(r.out)?.[1] ?? null);
    if (!server) serverError = (r.error ?? 'it printed no server version').split('. ')[0];
  }
  const venv = venvDir();
  return {
    node: process.versions.node,
    npm,
    python3,
    redisServer,
    nginx,
    docker: { ...dockerClient, server, ...(serverError ? { serverError } : {}) },
    k6,
    qdrant,
    venv: { path: venv, ready: existsSync(join(venv, 'bin', 'python')) },
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  };
}

/** The inode of the socket listening on TCP `port` (IPv4 or IPv6), from /proc/net/tcp{,6}, or null. */
export function listeningInode(port: number, tables: string[] = ['/proc/net/tcp', '/proc/net/tcp6']): string | null {
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const local = cols[1] ?? '';
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && cols[9] !== '0') return cols[9] as string;
    }
  }
  return null;
}

/** The process holding socket `inode` among those this user may look into, or null. */
export function socketOwner(inode: string): { pid: number; command: string } | null {
  const wanted = `socket:[${inode}]`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) {
          let command = '?';
          try {
            command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          } catch {
            // gone meanwhile
          }
          return { pid: Number(pid), command };
        }
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

const portOf = (url: string | undefined): number | null => {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : null;
  } catch {
    return null;
  }
};

/** Which seed ports are free, and for taken ones who holds them and whether it is the local stack in `stackDirs`. */
export async function portFacts(stackDirs: string[], ports = SEED_PORTS): Promise<PortFact[]> {
  const stacks = stackDirs.map((d) => {
    try {
      return readStackInfo(d);
    } catch {
      return null;
    }
  }).filter((s) => s !== null);
  return Promise.all(
    ports.map(async ({ port, what }) => {
      const free = await isPortFree(port, '127.0.0.1');
      if (free) return { port, what, free, holder: null, ours: null };
      const inode = listeningInode(port);
      const holder = inode ? socketOwner(inode) : null;
      let ours: PortFact['ours'] = null;
      for (const s of stacks) {
        const services: Array<[string, number, string | undefined]> = [
          ['redis', s.redis.pid, s.redis.url],
          [s.qdrant.engine, s.qdrant.pid, s.qdrant.url],
          ...(s.gateway ? ([['nginx', s.gateway.nginx.pid, s.gateway.url], ...s.gateway.slots.map((x) => [`gateway-${x.name}`, x.pid, x.url])] as Array<[string, number, string]>) : []),
        ];
        if (holder) {
          const group = Number(procStat(holder.pid)?.[2] ?? Number.NaN);
          const svc = services.find(([, pid]) => pid === holder.pid || pid === group);
          if (svc) ours = { dir: s.dir, service: svc[0] };
          // qdrant's grpc port is not in stack.json: its process is known by pid
        } else {
          const svc = services.find(([, , url]) => portOf(url) === port);
          if (svc) ours = { dir: s.dir, service: `${svc[0]}, by its stack.json` };
        }
        if (ours) break;
      }
      return { port, what, free, holder, ours };
    }),
  );
}

/** MemAvailable from /proc/meminfo (what can be used without swapping), else os.freemem(). */
function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

function openFileLimits(): ResourceFacts['openFiles'] {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const n = (v: string | undefined): number | null => (v === undefined ? null : v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    if (m) return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    // not Linux
  }
  return { soft: null, hard: null };
}

export async function resourceFacts(stackDir: string): Promise<ResourceFacts> {
  let measured = stackDir;
  while (!existsSync(measured) && dirname(measured) !== measured) measured = dirname(measured);
  let disk: ResourceFacts['disk'];
  try {
    const s = await statfs(measured);
    disk = { path: stackDir, measured, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch (err) {
    disk = { path: stackDir, error: errorMessage(err) };
  }
  return { disk, memory: { totalBytes: totalmem(), availableBytes: availableMemory() }, cpus: availableParallelism(), openFiles: openFileLimits() };
}
