/**
 * The local stack as the benchmark sees it: the suite's documented command (`npm run stack --
 * up|down`, run from the repository root with VDB_STACK_DIR) and the `stack.json` it writes
 * (the suite's README, "Local stack"). Only the fields the benchmark reads are typed here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError } from '../../src/cli/run.ts';

/** The repository root (this file is sut/gateway/figures/lib/stack.ts): where `npm run stack` runs. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const STACK_FILE = 'stack.json';

/** What the benchmark reads of `<dir>/stack.json` (schemaVersion 1). */
export interface Stack {
  schemaVersion: 1;
  dir: string;
  qdrant: { url: string; apiKey: string; pid: number; engine: 'qdrant' | 'qdrant-local'; version: string };
  redis: { url: string; pid: number };
  gateway?: {
    /** The front door (nginx). */
    url: string;
    /** A key whose rate limits allow load tests. */
    apiKey: string;
    nginx: { pid: number };
    slots: Array<{ name: string; pid: number; url: string }>;
    active: string;
  };
}

/** The stack directory: `dir`, else VDB_STACK_DIR, else `<repo>/.stack` (as the stack command picks it). */
export function stackDirOf(dir?: string): string {
  return resolve(dir ?? process.env.VDB_STACK_DIR ?? join(REPO_ROOT, '.stack'));
}

/** `<dir>/stack.json`, or null when there is none (no stack running there). */
export function readStack(dir: string): Stack | null {
  const file = join(dir, STACK_FILE);
  if (!existsSync(file)) return null;
  let info: Stack;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as Stack;
  } catch {
    throw new CommandError(`${file} is not valid JSON: run \`npm run stack -- down\` and \`up\` again`);
  }
  if (info.schemaVersion !== 1) throw new CommandError(`${file} has schemaVersion ${String(info.schemaVersion)}; this benchmark reads version 1`);
  return info;
}

/** Runs `npm run stack -- <action> [args]` for the stack in `dir` (its output on stderr, so that stdout keeps the figures only). */
export async function stackCli(action: 'up' | 'down', dir: string, args: string[] = []): Promise<void> {
  const child = spawn('npm', ['run', 'stack', '--', action, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, VDB_STACK_DIR: dir },
    stdio: ['ignore', 2, 2],
  });
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('exit', (c, signal) => resolveExit(signal ? null : c));
  }).catch((err: unknown) => {
    throw new CommandError(`could not run npm run stack -- ${action}: ${(err as Error).message}`);
  });
  if (code !== 0) throw new CommandError(`npm run stack -- ${[action, ...args].join(' ')} (VDB_STACK_DIR=${dir}) failed with exit code ${String(code)}: see its output above`);
}
