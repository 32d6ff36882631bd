import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../figures/lib/stack.ts';

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` from the repository root with `env` added to this process's; its exit code and output. */
export function runCommand(cmd: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
