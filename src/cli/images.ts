/**
 * npm run images [-- --print | --json]
 * The images of `--target containers` and docker-compose.test.yml: the pinned ones pulled, or,
 * where no registry answers, stand-ins built from Debian's packages (src/targets/containers/images.ts),
 * one line each; then their tags in the `.env` beside docker-compose.test.yml, which compose reads.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE_FILE, COMPOSE_VARS, composeEnv, mergeEnvFile, standInRef } from '../targets/containers/compose-env.ts';
import { imagePresent } from '../targets/containers/docker.ts';
import { ENSURE_DOCKER, requireEngine } from '../targets/containers/engine.ts';
import { ensureImages, type ImageSet } from '../targets/containers/images.ts';
import { GATEWAY_DOCKERFILE, NODE_BASE_IMAGE, QDRANT_IMAGE, REDIS_IMAGE, gatewayImageOverride, nodeLineOf } from '../targets/images.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import { REPO_ROOT } from '../util/paths.ts';

type Status = 'pulled' | 'present' | 'built' | 'given';

interface ImageLine {
  role: string;
  ref: string;
  status: Status;
  standInFor?: string;
  note: string;
}

const program = new CliCommand('images')
  .description(`pull the pinned images, or build stand-ins where no registry answers, and write their tags to .env for ${COMPOSE_FILE}`)
  .option('--print', 'print the .env lines instead of writing .env')
  .option('--json', 'print the images and the .env values as JSON (.env is still written unless --print)')
  .action(async (o: { print?: boolean; json?: boolean }) => {
    const engine = await engineVersion();
    const override = gatewayImageOverride();
    const wasThere = new Map<string, boolean>();
    for (const ref of [QDRANT_IMAGE, REDIS_IMAGE, NODE_BASE_IMAGE]) wasThere.set(ref, await imagePresent(ref));

    const t0 = Date.now();
    const images = await ensureImages(
      {
        log: (l) => console.error(l),
        noPull: process.env.VDB_CONTAINERS_PULL === 'never',
        ...(process.env.VDB_DEBIAN_MIRROR ? { mirror: process.env.VDB_DEBIAN_MIRROR } : {}),
      },
      override,
    ).catch((err: unknown) => {
      throw new UnreachableError(`npm run images: the images could not be had: ${errorMessage(err)}`);
    });
    const seconds = ((Date.now() - t0) / 1000).toFixed(0);
    const lines = describe(images, wasThere, override);
    const env = composeEnv(images, override);
    const envFile = join(REPO_ROOT, '.env');
    if (!o.print) writeEnv(envFile, env);

    if (o.json) {
      console.log(JSON.stringify({ engine, seconds: Number(seconds), images: lines, env, envFile: o.print ? null : envFile }, null, 2));
      return;
    }
    if (o.print) {
      for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);
      return;
    }
    const width = Math.max(...lines.map((l) => l.ref.length));
    for (const l of lines) console.log(`${l.role.padEnd(8)} ${l.ref.padEnd(width)}  ${l.status.padEnd(7)}  ${l.note}`);
    console.log(`images ready in ${seconds} s (engine ${engine}); wrote ${Object.keys(env).join(', ')} to ${envFile}`);
    console.log(`next: docker-compose -f ${COMPOSE_FILE} up -d ${override ? '(no --build: it would rebuild the gateway under that tag)' : '--build'}`);
  });

/** The engine's version, or the one line naming the command that starts one (exit 3). */
async function engineVersion(): Promise<string> {
  try {
    return await requireEngine();
  } catch (err) {
    if (!(err instanceof UnreachableError)) throw err;
    const why = /needs a Docker engine and (.*): start one/.exec(err.message)?.[1] ?? 'none answers';
    throw new UnreachableError(`npm run images needs a Docker engine and ${why}: start one (as root: ${ENSURE_DOCKER} start)`);
  }
}

function describe(images: ImageSet, wasThere: Map<string, boolean>, override: string | null): ImageLine[] {
  const statusOf = (ref: string, pinned?: string): Status =>
    images.built.includes(ref) ? 'built' : pinned !== undefined && ref === pinned && !wasThere.get(pinned) ? 'pulled' : 'present';
  const line = (role: string, ref: string, pinned: string, what: string): ImageLine =>
    ref === pinned
      ? { role, ref, status: statusOf(ref, pinned), note: what }
      : { role, ref, status: statusOf(ref), standInFor: pinned, note: `stand-in for ${pinned}: ${what}` };

  const out = [
    line('qdrant', images.qdrant.ref, QDRANT_IMAGE, images.qdrant.engine === 'qdrant-local' ? 'qdrant-local, the project\'s Qdrant-compatible server, not Qdrant itself' : 'Qdrant'),
    line('redis', images.redis.ref, REDIS_IMAGE, images.redis.standInFor ? 'Debian\'s redis-server' : 'Redis'),
  ];
  if (override) {
    out.push({ role: 'gateway', ref: override, status: 'given', note: 'VDB_GATEWAY_IMAGE, a prebuilt gateway' });
  } else {
    const nodeBase = standInRef(images, NODE_BASE_IMAGE) ?? NODE_BASE_IMAGE;
    out.push(line('node', nodeBase, NODE_BASE_IMAGE, nodeBase === NODE_BASE_IMAGE ? 'the gateway\'s Node.js base (NODE_BASE)' : `Node.js ${nodeLineOf(NODE_BASE_IMAGE)} (the line of the pin) on Debian bookworm, the gateway's NODE_BASE`));
    out.push({
      role: 'gateway',
      ref: images.gateway.ref,
      status: statusOf(images.gateway.ref),
      note: `${GATEWAY_DOCKERFILE} on ${nodeBase} (compose builds the same under ${composeEnv(images, null)[COMPOSE_VARS.gateway]}, from its layer cache)`,
    });
  }
  out.push({ role: 'nginx', ref: images.nginx.ref, status: statusOf(images.nginx.ref), note: 'Debian\'s nginx-light, the front door of --target containers (compose does not use it)' });
  const shown = new Set(out.map((l) => l.ref));
  for (const ref of images.built.filter((r) => !shown.has(r))) out.push({ role: 'base', ref, status: 'built', note: 'Debian bookworm by debootstrap, the base of the stand-ins' });
  return out;
}

/** Sets the compose variables in `.env`, keeping every other line of it; written in place, so its mode (it may hold secrets) stays. */
function writeEnv(path: string, values: Record<string, string>): void {
  writeFileSync(path, mergeEnvFile(existsSync(path) ? readFileSync(path, 'utf8') : null, values));
}

await runCli(program);
