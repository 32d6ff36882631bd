/**
 * What `npm run images` (src/cli/images.ts) hands to `docker-compose.test.yml`: the images
 * ensureImages resolved (pinned or stand-ins), as the variables the compose file reads, merged
 * into the `.env` beside it (docker-compose reads that file from the project directory).
 */
import { GATEWAY_IMAGE_TAG, NODE_BASE_IMAGE } from '../images.ts';
import type { ImageSet } from './images.ts';

export const COMPOSE_FILE = 'docker-compose.test.yml';

/** The variables docker-compose.test.yml reads, by what they name. */
export const COMPOSE_VARS = {
  qdrant: 'VDB_QDRANT_IMAGE',
  redis: 'VDB_REDIS_IMAGE',
  /** The gateway Dockerfile's `NODE_BASE` build argument. */
  nodeBase: 'VDB_NODE_BASE_IMAGE',
  /** The tag compose builds the gateway under, or a prebuilt one (`VDB_GATEWAY_IMAGE` of the containers target). */
  gateway: 'VDB_GATEWAY_IMAGE',
} as const;

export const ENV_HEADER = `# written by \`npm run images\`: the images ${COMPOSE_FILE} runs (it replaces these keys only)`;

/** The image a pinned one was replaced by, from ensureImages' `standIns` lines (`pinned → ref (…)`). */
export function standInRef(images: Pick<ImageSet, 'standIns'>, pinned: string): string | undefined {
  const prefix = `${pinned} → `;
  const line = images.standIns.find((s) => s.startsWith(prefix));
  return line?.slice(prefix.length).split(' ')[0];
}

/**
 * The compose variables for an ImageSet. The gateway is compose's own build (`up --build`, from
 * the Dockerfile on the resolved Node base, under GATEWAY_IMAGE_TAG), so that it never rewrites
 * a hash tag of ensureImages; a prebuilt override is passed through as it is.
 */
export function composeEnv(images: Pick<ImageSet, 'qdrant' | 'redis' | 'standIns'>, gatewayOverride: string | null): Record<string, string> {
  return {
    [COMPOSE_VARS.qdrant]: images.qdrant.ref,
    [COMPOSE_VARS.redis]: images.redis.ref,
    [COMPOSE_VARS.nodeBase]: standInRef(images, NODE_BASE_IMAGE) ?? NODE_BASE_IMAGE,
    [COMPOSE_VARS.gateway]: gatewayOverride ?? GATEWAY_IMAGE_TAG,
  };
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/**
 * `existing` (a .env file's text, or null when there is none) with `values` set: a line that
 * assigns one of their keys is replaced in place (a second one of the same key is dropped), the
 * keys not there yet are appended under ENV_HEADER, and every other line is kept as it was.
 */
export function mergeEnvFile(existing: string | null, values: Record<string, string>): string {
  for (const [k, v] of Object.entries(values)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\r\n]/.test(v)) throw new Error(`cannot write ${k}=${JSON.stringify(v)} to a .env file`);
  }
  const lines = existing === null || existing === '' ? [] : existing.replace(/\r?\n$/, '').split(/\r?\n/);
  const done = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = ASSIGNMENT.exec(line)?.[1];
    if (key === undefined || !(key in values)) {
      out.push(line);
    } else if (!done.has(key)) {
      out.push(`${key}=${values[key]}`);
      done.add(key);
    }
  }
  const missing = Object.keys(values).filter((k) => !done.has(k));
  if (missing.length) {
    if (!out.includes(ENV_HEADER)) out.push(ENV_HEADER);
    for (const k of missing) out.push(`${k}=${values[k]}`);
  }
  return `${out.join('\n')}\n`;
}
