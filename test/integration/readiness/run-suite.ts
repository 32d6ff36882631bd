/**
 * Runs a suite entry point (the readiness CLI, or a runner built on it) as its own process with
 * tsx, and reads the results.json its last lines name. For the tests that prove specs can fail.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadinessResults } from '../../../src/results/readiness.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
export const READINESS_CLI = join(REPO_ROOT, 'src', 'cli', 'readiness.ts');

export interface SuiteRun {
  code: number | null;
  stdout: string;
  stderr: string;
  results: ReadinessResults;
}

/** Rejects when the run wrote no results.json (with the ends of its output), or is killed after `timeoutMs`. */
export function runSuite(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<SuiteRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [file, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /results: (\S+results\.json)/.exec(stdout);
      if (!m) return reject(new Error(`the run wrote no results.json (exit ${code}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      resolve({ code, stdout, stderr, results: JSON.parse(readFileSync(m[1]!, 'utf8')) as ReadinessResults });
    });
  });
}
