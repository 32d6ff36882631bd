/**
 * The fuzzer's Python environment: a venv with schemathesis (and qdrant-client, whose models give
 * Qdrant's REST schema) from src/fuzz/requirements.txt, in `VDB_FUZZ_VENV` or
 * node_modules/.cache/vdb-fuzz/venv. Made once, made again when requirements.txt changes (its
 * SHA-256 is stamped in the venv, as sut/qdrant-local/bin/ensure-venv does); concurrent runs wait
 * for each other. No python3 ≥ 3.10 with venv, or a failed pip install: exit 4 with one line.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MissingToolError, UserError } from '../util/errors.ts';
import { REPO_ROOT } from '../util/paths.ts';

export const REQUIREMENTS = join(REPO_ROOT, 'src', 'fuzz', 'requirements.txt');
const LOCK_WAIT_MS = 15 * 60_000;

export function fuzzVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VDB_FUZZ_VENV || join(REPO_ROOT, 'node_modules', '.cache', 'vdb-fuzz', 'venv');
}

export interface FuzzVenv {
  python: string;
  /** schemathesis's CLI */
  st: string;
}

const requirementsHash = (): string => createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');

function fresh(dir: string): boolean {
  const stamp = join(dir, '.requirements.sha256');
  return existsSync(join(dir, 'bin', 'st')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === requirementsHash();
}

interface Ran {
  code: number | null;
  out: string;
}

function run(cmd: string, args: string[], timeoutMs = 10 * 60_000): Promise<Ran> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    timer.unref();
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, out: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const lastLines = (text: string, n: number): string[] => text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-n);

async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8') || NaN);
      } catch {
        owner = NaN;
      }
      let alive = false;
      try {
        if (owner) process.kill(owner, 0);
        alive = Boolean(owner);
      } catch {
        alive = false;
      }
      // a holder that has not written its pid yet is given a few seconds
      const young = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 10_000;
      if (!alive && !(!owner && young)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`another process (pid ${owner}) holds ${lock} while making the fuzzer's venv: wait for it, or stop it`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The venv, made if missing or stale. `log` gets one line when it has to be made. */
export async function ensureFuzzVenv(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<FuzzVenv> {
  const dir = fuzzVenvDir(env);
  const venv = { python: join(dir, 'bin', 'python'), st: join(dir, 'bin', 'st') };
  if (fresh(dir)) return venv;
  return withLock(dir, async () => {
    if (fresh(dir)) return venv;
    const python3 = env.VDB_PYTHON || 'python3';
    const version = await run(python3, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])']);
    const [major, minor] = version.out.trim().split('.').map(Number);
    if (version.code !== 0 || major !== 3 || (minor ?? 0) < 10) {
      const found = version.code === null ? 'no python3 on PATH' : version.code !== 0 ? `${python3}: ${lastLines(version.out, 1)[0] ?? 'failed'}` : `Python ${version.out.trim()}`;
      throw new MissingToolError(`the fuzzer needs Python >= 3.10 with venv (${found}): install python3 and python3-venv (apt-get install -y python3 python3-venv), or set VDB_PYTHON`);
    }
    log(`Creating the fuzzer's Python environment in ${dir} (schemathesis; once, about a minute)…`);
    rmSync(dir, { recursive: true, force: true });
    const made = await run(python3, ['-m', 'venv', dir]);
    if (made.code !== 0) throw new MissingToolError(`python3 -m venv ${dir} failed (${lastLines(made.out, 1)[0] ?? 'no output'}): install python3-venv`);
    const pip = await run(venv.python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS]);
    if (pip.code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new MissingToolError(`pip install -r src/fuzz/requirements.txt failed: check access to PyPI`, lastLines(pip.out, 5));
    }
    writeFileSync(join(dir, '.requirements.sha256'), requirementsHash());
    return venv;
  });
}
