/**
 * wrk as the yardstick for the driver's CPU cost: same stub server, same body, same connections,
 * one thread. Its CPU comes from this process's reaped-children times (/proc/self/stat), read
 * around the run: wrk is the only child reaped in between.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockTicksPerS, procStat } from '@vdb-readiness/proc-stat';

export interface WrkFigures {
  requests: number;
  requests_per_s: number;
  cpu_us: number;
  cpu_us_per_request: number;
}

export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** CPU µs of this process's reaped children (cutime + cstime). */
function childrenCpuUs(): number {
  const fields = procStat('self') ?? [];
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (ticks / clockTicksPerS()) * 1e6;
}

function luaScript(path: string, body: Buffer, headers: Record<string, string>): string {
  const lines = [`wrk.method = "POST"`, `wrk.path = ${JSON.stringify(path)}`, `wrk.body = ${JSON.stringify(body.toString('utf8'))}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  return `${lines.join('\n')}\n`;
}

export async function runWrk(opts: { url: string; path: string; body: Buffer; headers: Record<string, string>; connections: number; durationS: number }): Promise<WrkFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, luaScript(opts.path, opts.body, opts.headers));
  try {
    const before = childrenCpuUs();
    const args = ['-t1', `-c${opts.connections}`, `-d${Math.max(1, Math.round(opts.durationS))}s`, '-s', script, `${opts.url}${opts.path}`];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const cpuUs = childrenCpuUs() - before;
    if (code !== 0) throw new Error(`wrk exited with ${code}: ${out.trim().split('\n').pop() ?? ''}`);
    const m = /(\d+) requests in/.exec(out);
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
    if (!m || !rps) throw new Error(`cannot read wrk's output: ${out.slice(0, 200)}`);
    const requests = Number(m[1]);
    return { requests, requests_per_s: Number(rps[1]), cpu_us: Math.round(cpuUs), cpu_us_per_request: requests > 0 ? Math.round((cpuUs / requests) * 10) / 10 : 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
