import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { freePort } from '@vdb-readiness/local-process';
import { KEY_ROLES } from '../launcher/services/gateway.ts';
import { qdrantReady } from '../launcher/services/qdrant.ts';
import { redisPing } from '../launcher/services/redis.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import { REPO_ROOT } from '../util/paths.ts';
import type { ServiceControl } from './control.ts';
import { GATEWAY_DOCKERFILE, GATEWAY_IMAGE_TAG, QDRANT_IMAGE, REDIS_IMAGE, gatewayImageOverride } from './images.ts';
import type { ResolveTargetOptions, Target } from './types.ts';

const ENGINE_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 180_000;
const RESTART_TIMEOUT_MS = 60_000;

const noEngine = (why: string): UnreachableError =>
  new UnreachableError(`--target containers needs a Docker engine and ${why}: use --target local`);

/**
 * Where a Docker engine may answer, decided without connecting: `DOCKER_HOST` (a unix socket
 * must exist), `~/.testcontainers.properties`, or the usual socket paths. Null: none here.
 */
export function dockerEngineLocation(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string | null {
  const host = env.DOCKER_HOST?.trim();
  if (host) return !host.startsWith('unix://') || exists(host.slice('unix://'.length)) ? host : null;
  if (exists(join(homedir(), '.testcontainers.properties'))) return '~/.testcontainers.properties';
  const sockets = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  const found = sockets.find((s) => exists(s));
  return found ? `unix://${found}` : null;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Containers target: Redis, Qdrant (API key) and the gateway on one Docker network, started
 * with testcontainers. Fails fast, in one line naming `--target local`, where no engine runs.
 * Redis and Qdrant get fixed host ports so the dependency-fault specs can stop and start them
 * and their URLs stay valid. The gateway allows every client address (`0.0.0.0/0`): behind
 * Docker's port publishing the client is the bridge gateway, not 127.0.0.1; its keys are random.
 */
export async function resolveContainersTarget(opts: ResolveTargetOptions): Promise<Target> {
  const log = opts.log ?? (() => undefined);
  const location = dockerEngineLocation();
  if (!location) {
    const host = process.env.DOCKER_HOST?.trim();
    throw noEngine(host ? `DOCKER_HOST=${host} names no socket` : 'none is running here');
  }
  // Kept containers must outlive this process: the reaper (Ryuk) would remove them.
  if (opts.keep) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

  const tc = await import('testcontainers');
  const client = await withTimeout(tc.getContainerRuntimeClient(), ENGINE_TIMEOUT_MS).catch((err: unknown) => {
    throw noEngine(`none answers at ${location} (${errorMessage(err)})`);
  });

  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const s of started.slice().reverse()) await s.stop().catch(() => undefined);
  };
  const step = async <T extends { stop(): Promise<unknown> }>(what: string, start: () => Promise<T>): Promise<T> => {
    log(`containers: ${what}`);
    try {
      const s = await start();
      started.push(s);
      return s;
    } catch (err) {
      await stopAll();
      throw new UnreachableError(`--target containers: ${what} failed: ${errorMessage(err)}`);
    }
  };

  const qdrantKey = randomBytes(24).toString('base64url');
  const keys = Object.fromEntries(KEY_ROLES.map((role) => [role, `gw-${role}-${randomBytes(18).toString('base64url')}`]));
  const [redisPort, qdrantPort] = [await freePort(), await freePort()];

  const network: StartedNetwork = await step('creating the network', () => new tc.Network().start());
  const redis: StartedTestContainer = await step(`starting ${REDIS_IMAGE}`, () =>
    new tc.GenericContainer(REDIS_IMAGE)
      .withNetwork(network)
      .withNetworkAliases('redis')
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      .withExposedPorts({ container: 6379, host: redisPort })
      .withWaitStrategy(tc.Wait.forSuccessfulCommand('redis-cli ping | grep -q PONG'))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start(),
  );
  const qdrant: StartedTestContainer = await step(`starting ${QDRANT_IMAGE}`, () =>
    new tc.GenericContainer(QDRANT_IMAGE)
      .withNetwork(network)
      .withNetworkAliases('qdrant')
      .withEnvironment({ QDRANT__SERVICE__API_KEY: qdrantKey })
      .withExposedPorts({ container: 6333, host: qdrantPort })
      .withWaitStrategy(tc.Wait.forHttp('/readyz', 6333))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start(),
  );
  const override = gatewayImageOverride();
  const gateway: StartedTestContainer = await step(override ? `starting the gateway (${override})` : `building ${GATEWAY_DOCKERFILE} and starting the gateway`, async () => {
    const image = override
      ? new tc.GenericContainer(override)
      : await tc.GenericContainer.fromDockerfile(REPO_ROOT, GATEWAY_DOCKERFILE).build(GATEWAY_IMAGE_TAG, { deleteOnExit: false });
    return image
      .withNetwork(network)
      .withEnvironment({
        QDRANT_URL: 'http://qdrant:6333',
        QDRANT_API_KEY: qdrantKey,
        REDIS_URL: 'redis://redis:6379',
        GATEWAY_SLOT: 'blue',
        GATEWAY_API_KEYS: Object.entries(keys).map(([role, key]) => `${role}=${key}`).join(','),
        GATEWAY_IP_ALLOWLIST: '0.0.0.0/0',
      })
      .withExposedPorts(8000)
      .withWaitStrategy(tc.Wait.forHttp('/health', 8000))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start();
  });

  const url = (c: StartedTestContainer, port: number, scheme = 'http'): string => `${scheme}://${c.getHost()}:${c.getMappedPort(port)}`;
  const qdrantUrl = url(qdrant, 6333);
  const redisUrl = url(redis, 6379, 'redis');
  const deps: Record<string, { container: StartedTestContainer; ready: () => Promise<boolean> }> = {
    redis: { container: redis, ready: () => redisPing(redisUrl) },
    qdrant: { container: qdrant, ready: () => qdrantReady(qdrantUrl) },
  };
  const dep = (service: string) => {
    const d = deps[service];
    if (!d) throw new Error(`cannot stop or start ${service}: the containers target controls ${Object.keys(deps).join(', ')}`);
    return { ...d, handle: client.container.getById(d.container.getId()) };
  };
  const control: ServiceControl = {
    services: Object.keys(deps),
    async stop(service) {
      await client.container.stop(dep(service).handle, { timeout: 10_000 });
    },
    async start(service) {
      const d = dep(service);
      await client.container.start(d.handle);
      await waitUntil(service, d.ready, RESTART_TIMEOUT_MS);
    },
  };

  return {
    kind: 'containers',
    gateway: { url: url(gateway, 8000), apiKey: keys.load as string, keys },
    qdrant: { url: qdrantUrl, apiKey: qdrantKey },
    redis: { url: redisUrl },
    control,
    release: async () => {
      if (!opts.keep) return stopAll();
      const ids = [gateway, qdrant, redis].map((c) => c.getId().slice(0, 12)).join(' ');
      log(`containers kept running: remove them with \`docker rm -f ${ids} && docker network rm ${network.getName()}\``);
    },
  };
}
