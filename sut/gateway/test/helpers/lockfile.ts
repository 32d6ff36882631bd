/**
 * The production dependency closure of a workspace package, from package-lock.json (lockfile
 * version 2/3 `packages`), and the packages actually present in a node_modules tree, both as
 * lockfile locations ("node_modules/a", "node_modules/a/node_modules/b"), for the image test.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  os?: string[];
  cpu?: string[];
}

export interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Where Node (and npm's lockfile) finds `name` required from the package at `from`: nearest node_modules upwards. */
function resolveFrom(lock: Lockfile, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return null;
    // up one package: "a/node_modules/b" -> "a", "sut/gateway" -> "sut"
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : posix.dirname(dir) === '.' ? '' : posix.dirname(dir);
  }
}

const fits = (allowed: string[] | undefined, actual: string) =>
  !allowed || (allowed.some((a) => a === actual) || (allowed.every((a) => a.startsWith('!')) && !allowed.includes(`!${actual}`)));

/**
 * Every lockfile location the workspace at `workspacePath` (e.g. "sut/gateway") needs in
 * production: its dependencies, theirs, optional ones that fit this platform and required
 * peers; workspace packages it depends on appear as their link ("node_modules/@scope/name").
 */
export function productionClosure(lock: Lockfile, workspacePath: string): Set<string> {
  const out = new Set<string>();
  const workspace = lock.packages[workspacePath];
  if (!workspace?.name) throw new Error(`${workspacePath} is not a workspace in package-lock.json`);
  const self = resolveFrom(lock, '', workspace.name);
  if (self) out.add(self);
  const queue: Array<{ location: string; entry: LockEntry }> = [{ location: workspacePath, entry: workspace }];
  const seen = new Set<string>([workspacePath]);
  while (queue.length > 0) {
    const { location, entry } = queue.shift() as { location: string; entry: LockEntry };
    const wanted: Array<[string, boolean]> = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional).map((n): [string, boolean] => [n, true]),
    ];
    for (const [name, required] of wanted) {
      const at = resolveFrom(lock, location, name);
      if (!at) {
        if (required) throw new Error(`${location} needs ${name}, which package-lock.json does not hold`);
        continue;
      }
      let target = lock.packages[at] as LockEntry;
      let targetLocation = at;
      if (target.link && target.resolved) {
        targetLocation = target.resolved;
        target = lock.packages[targetLocation] as LockEntry;
      }
      if (!required && (!fits(target.os, process.platform) || !fits(target.cpu, process.arch))) continue;
      out.add(at);
      if (!seen.has(targetLocation)) {
        seen.add(targetLocation);
        queue.push({ location: targetLocation, entry: target });
      }
    }
  }
  return out;
}

/** The packages present under `root` (its node_modules and the workspaces' own), as lockfile locations; symlinks are not followed. */
export function installedPackages(root: string, workspaces: string[]): Set<string> {
  const out = new Set<string>();
  const walk = (location: string) => {
    const dir = join(root, location, 'node_modules');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const scoped = name.startsWith('@') ? readdirSync(join(dir, name)).map((n) => `${name}/${n}`) : [name];
      for (const pkg of scoped) {
        const at = location ? `${location}/node_modules/${pkg}` : `node_modules/${pkg}`;
        out.add(at);
        if (!lstatSync(join(root, at)).isSymbolicLink()) walk(at);
      }
    }
  };
  walk('');
  for (const w of workspaces) walk(w);
  return out;
}
