import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in src/util/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the local stack keeps its state: `VDB_STACK_DIR` or `<repo>/.stack`. */
export function stackDir(): string {
  return resolve(process.env.VDB_STACK_DIR ?? join(REPO_ROOT, '.stack'));
}

/**
 * qdrant-local's Python virtual environment (shared by all stacks): `VDB_VENV_DIR` or
 * `<repo>/sut/qdrant-local/.venv`, the same default as `sut/qdrant-local/bin/ensure-venv`, which
 * makes it (the launcher passes this path to it).
 */
export function venvDir(): string {
  return resolve(process.env.VDB_VENV_DIR || join(REPO_ROOT, 'sut', 'qdrant-local', '.venv'));
}

/** Where runs write their results: `<repo>/reports/out` unless overridden. */
export function reportsOutDir(): string {
  return resolve(process.env.VDB_REPORTS_DIR ?? join(REPO_ROOT, 'reports', 'out'));
}
