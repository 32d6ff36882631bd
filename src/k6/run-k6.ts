/** Runs the k6 binary: `k6 version` once, then `k6 run …` with the terminal handed over to it. */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { promisify } from 'node:util';
import { MissingToolError, errorMessage } from '../util/errors.ts';
import { K6_INSTALL_HINT } from './find-k6.ts';

const exec = promisify(execFile);

/** k6's version line, e.g. `k6 v2.0.0 (commit/…, go1.24, linux/amd64)`, as `v2.0.0`, or the whole first line. */
export async function k6Version(bin: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await exec(bin, ['version'], { timeout: 30_000 }));
  } catch (err) {
    throw new MissingToolError(`${bin} version failed (${errorMessage(err).split('\n')[0]}): ${K6_INSTALL_HINT}`);
  }
  const line = stdout.trim().split('\n')[0] ?? '';
  return /\bv?(\d+\.\d+\.\d+[^\s]*)/.exec(line)?.[0] ?? line;
}

/**
 * `bin args…` with stdio inherited and `env` as its whole environment; resolves with its exit
 * code (a signal: 128 + its number, as a shell says). Ctrl-C reaches k6 through the terminal;
 * a SIGTERM to this process is passed on, so k6 can end its test and write its summary.
 */
export function runK6(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit', env, cwd });
    const forward = (): void => {
      child.kill('SIGTERM');
    };
    process.on('SIGTERM', forward);
    child.once('error', (err) => {
      process.off('SIGTERM', forward);
      reject(new MissingToolError(`cannot run ${bin} (${errorMessage(err)}): ${K6_INSTALL_HINT}`));
    });
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 1));
    });
  });
}
