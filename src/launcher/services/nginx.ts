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

export interface NginxConfOptions {
  /** nginx's prefix directory (logs, pid, temp, conf inside). */
  prefix: string;
  host: string;
  port: number;
  /** The upstream: `<runDir>/active.sock`, the link to the active slot's socket (slots.ts). */
  activeSocket: string;
  clientMaxBodySize?: string;
  workerProcesses?: number;
}

export type NginxInfo = ProcessInfo & { configPath: string; url: string };

/** The nginx configuration of the front door, from the template in sut/gateway/nginx. */
export function renderNginxConf(opts: NginxConfOptions): string {
  if (!opts.activeSocket.startsWith('/')) throw new UserError(`nginx: the upstream socket must be an absolute path (got ${opts.activeSocket})`);
  const values: Record<string, string> = {
    prefix: opts.prefix,
    listen: `${opts.host}:${opts.port}`,
    active_socket: opts.activeSocket,
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
 * `nginx -s reload` of a running front door (its configuration checked first). A switch never
 * does this: a reload closes every idle client keep-alive connection, and a client that sends on
 * one as it closes sees a reset. Kept for the deployer's `reload` switch mode, which the tests
 * use to prove that their idle-connection check catches exactly that.
 */
export async function reloadNginx(opts: { prefix: string; configPath: string }): Promise<void> {
  const { nginx: bin } = await ensureSystemTools(['nginx']);
  testConf(bin as string, opts.prefix, opts.configPath);
  const r = spawnSync(bin as string, [...nginxArgs(opts.prefix, opts.configPath), '-s', 'reload'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`nginx reload failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
}
