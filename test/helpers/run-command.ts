import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/util/paths.ts';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command from the repository root and collects its output. Asynchronous on purpose:
 * a blocking spawnSync starves vitest's worker RPC on a busy machine. Killed after `timeoutMs`.
 */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/**
 * Runs one of the suite's CLIs (`src/cli/<script>`) as `npm run` does, with `env` added to (or,
 * where undefined, removed from) this process's environment. Killed after 90 s.
 */
export async function runSuiteCli(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return runCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', script), ...args], { env: merged, timeoutMs: 90_000 });
}
