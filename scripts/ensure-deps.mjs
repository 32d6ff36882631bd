#!/usr/bin/env node
// Makes `npm run <anything>` work on a fresh clone: installs the locked npm dependencies
// when node_modules is missing or older than package-lock.json. Plain Node, no dependencies.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  console.error(`vdb-readiness needs Node.js >= 20.18 (this is ${process.versions.node}): install a newer Node.js.`);
  process.exit(4);
}

const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.error('Installing npm dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('npm ci failed: check network access to the npm registry, then run `npm ci` yourself.');
    process.exit(4);
  }
}
