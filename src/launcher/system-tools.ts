import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingToolError } from '../util/errors.ts';

/** OS tools the local stack uses, and the Debian package that brings each. */
const PACKAGES: Record<string, string> = {
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  nginx: 'nginx',
  wrk: 'wrk',
};

// Debian installs daemons like nginx in sbin, which is not on every user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** The absolute path of an executable on PATH (or in sbin), or null. */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function aptInstall(packages: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  const update = spawnSync('apt-get', ['-qq', ...lock, 'update'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (update.status !== 0) {
    throw new MissingToolError(`apt-get update failed (${update.stderr.toString().trim().split('\n').pop() ?? 'no output'}): install ${packages.join(' ')} yourself`);
  }
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lock, ...packages], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  if (install.status !== 0) {
    throw new MissingToolError(`apt-get install ${packages.join(' ')} failed (${install.stderr.toString().trim().split('\n').pop() ?? 'no output'})`);
  }
}

/**
 * Makes sure the OS tools exist: installs the missing ones with apt-get when running as root,
 * otherwise fails with the one command that installs them.
 */
export async function ensureSystemTools(tools: string[]): Promise<Record<string, string>> {
  const missing = tools.filter((t) => !findExecutable(t));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => PACKAGES[t] ?? t))];
    if (!isRoot()) {
      throw new MissingToolError(`${missing.join(', ')} not installed: run \`sudo apt-get install -y ${pkgs.join(' ')}\``);
    }
    console.error(`Installing ${pkgs.join(' ')} (apt-get)…`);
    aptInstall(pkgs);
  }
  const found: Record<string, string> = {};
  for (const t of tools) {
    const path = findExecutable(t);
    if (!path) throw new MissingToolError(`${t} is still missing after installing it: install ${PACKAGES[t] ?? t} by hand`);
    found[t] = path;
  }
  return found;
}
