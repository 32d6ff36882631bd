import { execFile, spawn } from 'node:child_process';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `docker …` CLI call; never rejects for a non-zero exit (see `code`), only when it cannot start. */
/** `env`: the CLI's environment, for `--env K` flags that take their value from it (kept off the command line, which `ps` shows). */
export function docker(args: string[], opts: { timeoutMs?: number; input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, { timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd, killSignal: 'SIGKILL', ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('the docker CLI is not on PATH'));
      const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? 124 : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like `docker` but throws with the last lines of stderr when the call fails. */
export async function dockerOk(args: string[], opts: { timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(' ')} failed (${r.code === 124 ? 'timed out' : `exit ${r.code}`}): ${lastLines(r.stderr || r.stdout)}`);
  return r.stdout.trim();
}

export function lastLines(text: string, n = 3): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-n).join(' | ');
}

/** A long command (a build) with its output kept in memory: the tail goes into the error. */
export function dockerStream(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${lastLines(tail, 4)}`))));
  });
}

export async function imagePresent(ref: string): Promise<boolean> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutMs: 20_000 })).code === 0;
}
