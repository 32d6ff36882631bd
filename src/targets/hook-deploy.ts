import { spawn } from 'node:child_process';
import type { DeploymentRecord, DeploymentStatus } from '../deploy/types.ts';
import type { DeployControl, DeployRequest } from './deploy-control.ts';

/** A deploy with validation and analysis takes a while; a hung hook still ends. */
export const HOOK_TIMEOUT_MS = 15 * 60_000;
/** The analysis override travels as JSON in this variable (the deploy CLI has no flag per setting). */
export const HOOK_ANALYSIS_ENV = 'VDB_DEPLOY_ANALYSIS';

/** A word for `sh -c`: single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The arguments the hook gets after its command: `deploy --json [--validate] [--version V] [--env K=V…]`, `rollback --json`, `status --json`. */
export function hookArgs(action: 'deploy' | 'rollback' | 'status', req: DeployRequest = {}): string[] {
  if (action !== 'deploy') return [action, '--json'];
  return [
    'deploy',
    '--json',
    ...(req.validate ? ['--validate'] : []),
    ...(req.version ? ['--version', req.version] : []),
    ...Object.entries(req.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  ];
}

/**
 * The JSON a hook printed: the whole of stdout, or (when a wrapper such as `npm run` printed
 * lines before it) from the first line that opens an object to the end, or the last such line.
 */
export function parseHookJson(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    // not JSON as a whole: look for where the object starts
  }
  const lines = text.split('\n');
  const starts = lines.map((l, i) => (l.trimStart().startsWith('{') ? i : -1)).filter((i) => i >= 0);
  for (const i of starts) {
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      // try the next candidate
    }
  }
  for (const i of starts.reverse()) {
    try {
      return JSON.parse(lines[i]!);
    } catch {
      // try the previous one
    }
  }
  throw new Error(`no JSON object in its output: ${text.slice(-300) || '(nothing)'}`);
}

function isRecord(v: unknown): v is DeploymentRecord {
  const r = v as Partial<DeploymentRecord> | null;
  return !!r && typeof r === 'object' && typeof r.outcome === 'string' && typeof r.version === 'string' && Array.isArray(r.checks) && Array.isArray(r.events);
}

function isStatus(v: unknown): v is DeploymentStatus {
  const s = v as Partial<DeploymentStatus> | null;
  return !!s && typeof s === 'object' && Array.isArray(s.instances) && Array.isArray(s.history);
}

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runHook(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, log?: (line: string) => void): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${command} ${args.map(shellQuote).join(' ')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      if (!log) return;
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) log(l);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (log && partial.trim()) log(partial);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Deploys through a command that speaks the deploy CLI's JSON (`npm run deploy --` or a wrapper
 * of the operator's own): it prints a DeploymentRecord for deploy and rollback (exit 0 live, 1
 * not live) and a DeploymentStatus for status. It cannot stop one slot, so the registry's
 * stop and TTL checks skip with a hook.
 */
export function hookDeployControl(command: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): DeployControl {
  const timeoutMs = opts.timeoutMs ?? HOOK_TIMEOUT_MS;
  const call = async (action: 'deploy' | 'rollback' | 'status', req: DeployRequest, log?: (line: string) => void): Promise<unknown> => {
    const args = hookArgs(action, req);
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    if (req.analysis) env[HOOK_ANALYSIS_ENV] = JSON.stringify(req.analysis);
    const run = await runHook(command, args, env, timeoutMs, log);
    const what = `deploy hook \`${command} ${action}\``;
    let parsed: unknown;
    try {
      parsed = parseHookJson(run.stdout);
    } catch (err) {
      const tail = run.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new Error(`${what} exited ${run.code ?? 'on a signal'} with ${(err as Error).message}${tail ? ` (stderr: ${tail})` : ''}`);
    }
    if (run.code !== 0 && run.code !== 1) throw new Error(`${what} exited ${run.code ?? 'on a signal'}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return parsed;
  };
  return {
    via: `hook ${command}`,
    async deploy(req, log) {
      const r = await call('deploy', req, log);
      if (!isRecord(r)) throw new Error(`deploy hook \`${command} deploy\` printed JSON that is not a deployment record: ${JSON.stringify(r).slice(0, 200)}`);
      return r;
    },
    async rollback(log) {
      const r = await call('rollback', {}, log);
      if (!isRecord(r)) throw new Error(`deploy hook \`${command} rollback\` printed JSON that is not a deployment record: ${JSON.stringify(r).slice(0, 200)}`);
      return r;
    },
    async status() {
      const s = await call('status', {});
      if (!isStatus(s)) throw new Error(`deploy hook \`${command} status\` printed JSON that is not a deployment status: ${JSON.stringify(s).slice(0, 200)}`);
      return s;
    },
  };
}
