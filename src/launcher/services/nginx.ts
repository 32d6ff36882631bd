import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { REPO_ROOT } from '../../util/paths.ts';
import { stopProcessGroup } from '@vdb-readiness/local-process';
import { httpOk, spawnService, waitForReady } from '../process.ts';
import { ensureSystemTools } from '../system-tools.ts';
import type { ProcessInfo, StartedService } from '../types.ts';

export const NGINX_TEMPLATE = join(REPO_ROOT, 'sut', 'gateway', 'nginx', 'nginx.conf.template');
const START_TIMEOUT_MS = 15_000;

export interface NginxSlot {
  name: string;
  /** host:port of the slot's gateway. */
  address: string;
}

export interface NginxConfOptions {
  /** nginx's prefix directory (logs, pid, temp, conf inside). */
  prefix: string;
  host: string;
  port: number;
  slots: NginxSlot[];
  active: string;
  clientMaxBodySize?: string;
  workerProcesses?: number;
}

export type NginxInfo = ProcessInfo & { configPath: string; url: string };

/** The nginx configuration for the gateway slots, from the template in sut/gateway/nginx. */
export function renderNginxConf(opts: NginxConfOptions): string {
  if (!opts.slots.some((s) => s.name === opts.active)) {
    throw new UserError(`nginx: active slot ${opts.active} is not one of ${opts.slots.map((s) => s.name).join(', ')}`);
  }
  const upstreams = opts.slots
    .map((s) => `  upstream gateway_${s.name} {\n    server ${s.address} max_fails=0;\n    keepalive 256;\n  }`)
    .join('\n');
  const values: Record<string, string> = {
    prefix: opts.prefix,
    listen: `${opts.host}:${opts.port}`,
    upstreams,
    active: opts.active,
    client_max_body_size: opts.clientMaxBodySize ?? '4m',
    worker_processes: String(opts.workerProcesses ?? 1),
  };
  return readFileSync(NGINX_TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`nginx template: no value for {{${key}}}`);
    return v;
  });
}

function nginxArgs(prefix: string, configPath: string): string[] {
  return ['-p', prefix, '-c', configPath, '-e', join(prefix, 'logs', 'error.log')];
}

/** `nginx -t` on a configuration; throws with nginx's own words when it is wrong. */
function testConf(bin: string, prefix: string, configPath: string): void {
  const r = spawnSync(bin, [...nginxArgs(prefix, configPath), '-t'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`nginx refuses ${configPath}:`, undefined, (r.stderr || r.stdout).trim().split('\n'));
}

/** Starts nginx in the foreground (`daemon off`) as the front door of the gateway slots. */
export async function startNginx(opts: NginxConfOptions & { logPath: string }): Promise<StartedService<NginxInfo>> {
  const { nginx: bin } = await ensureSystemTools(['nginx']);
  for (const d of ['logs', 'temp', 'conf']) mkdirSync(join(opts.prefix, d), { recursive: true });
  const configPath = join(opts.prefix, 'conf', 'nginx.conf');
  writeFileSync(configPath, renderNginxConf(opts));
  testConf(bin as string, opts.prefix, configPath);
  const pid = spawnService({ name: 'nginx', command: bin as string, args: [...nginxArgs(opts.prefix, configPath), '-g', 'daemon off;'], logPath: opts.logPath });
  const url = `http://${opts.host}:${opts.port}`;
  try {
    await waitForReady({ name: 'nginx', pid, logPath: join(opts.prefix, 'logs', 'error.log'), timeoutMs: START_TIMEOUT_MS, probe: () => httpOk(`${url}/health`) });
  } catch (err) {
    await stopProcessGroup(pid, 2000);
    throw err;
  }
  return { info: { pid, log: opts.logPath, configPath, url }, stop: () => stopProcessGroup(pid, 5000) };
}

/**
 * Blue/green switch: rewrites the configuration with another active slot, checks it, and
 * reloads nginx (new workers take new connections; old ones finish theirs).
 */
export async function switchActiveSlot(opts: NginxConfOptions & { configPath: string }): Promise<void> {
  const { nginx: bin } = await ensureSystemTools(['nginx']);
  writeFileSync(opts.configPath, renderNginxConf(opts));
  testConf(bin as string, opts.prefix, opts.configPath);
  const r = spawnSync(bin as string, [...nginxArgs(opts.prefix, opts.configPath), '-s', 'reload'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`nginx reload failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
}
