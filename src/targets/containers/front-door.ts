import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { freePort } from '@vdb-readiness/local-process';
import { activeLinkPath } from '../../launcher/active-link.ts';
import { httpOk } from '../../launcher/process.ts';
import { renderNginxConf } from '../../launcher/services/nginx.ts';
import { dockerOk } from './docker.ts';
import type * as Testcontainers from 'testcontainers';

const START_TIMEOUT_MS = 180_000;
type Tc = typeof Testcontainers;

/**
 * The gateway tier as containers, laid out like the local stack's: each gateway slot is a
 * container (src/launcher/services/gateway-container.ts) listening on a unix socket in a shared
 * folder (`runDir`, bind-mounted at the same path everywhere), and nginx — a container in the
 * host's network namespace, on 127.0.0.1 — proxies to `runDir/active.sock`, the link to the active slot's socket. So nginx sees the real
 * client address (Docker's port publishing would hide it behind the bridge's), passes it on in
 * X-Forwarded-For over the socket, and the gateway's IP allowlist and trusted proxies keep the
 * production defaults (127.0.0.1/32) for the front door's traffic. A switch between slots
 * renames the link (active-link.ts).
 */

/** The shared folder: world-writable, since the gateway runs as `node` (uid 1000) and nginx's workers as `nobody`. */
export function prepareRunDir(runDir: string): void {
  chmodSync(runDir, 0o777);
}

export async function startNginxContainer(opts: { tc: Tc; image: string; runDir: string; labels: Record<string, string>; containerName: string }): Promise<{ container: StartedTestContainer; url: string }> {
  const prefix = join(opts.runDir, 'nginx');
  for (const d of ['logs', 'temp', 'conf']) mkdirSync(join(prefix, d), { recursive: true });
  const port = await freePort('127.0.0.1');
  const configPath = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(configPath, renderNginxConf({ prefix, host: '127.0.0.1', port, activeSocket: activeLinkPath(opts.runDir) }));
  const container = await new opts.tc.GenericContainer(opts.image)
    .withNetworkMode('host')
    .withLabels(opts.labels)
    .withName(opts.containerName)
    .withBindMounts([{ source: opts.runDir, target: opts.runDir }])
    .withCommand(['nginx', '-p', prefix, '-c', configPath, '-e', join(prefix, 'logs', 'error.log'), '-g', 'daemon off;'])
    .withStartupTimeout(START_TIMEOUT_MS)
    .start();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await httpOk(`${url}/health`).catch(() => false))) {
    if (Date.now() > deadline) {
      const logs = await dockerOk(['logs', '--tail', '5', container.getId()]).catch(() => '');
      await container.stop().catch(() => undefined);
      throw new Error(`nginx (container) does not answer ${url}/health after 30 s: ${logs.replace(/\s+/g, ' ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { container, url };
}
