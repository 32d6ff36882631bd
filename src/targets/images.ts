/**
 * The images of the `containers` target, pinned in one place. `docker-compose.test.yml` uses
 * the same tags: bump both together.
 *
 * - Qdrant v1.18.2: the newest v1.x release with published images, and the same minor as
 *   `@qdrant/js-client-rest` 1.18.0 (the client warns when server and client minors differ).
 * - Redis 7.4.6: the 7.4 patch release that fixes CVE-2025-49844.
 * - Node.js 24.22 for the gateway: the current LTS line (Node 20 reached its end of life in April
 *   2026); `scripts/ensure-node.sh` pins the same release for the offline stand-in.
 */
export const QDRANT_IMAGE = 'qdrant/qdrant:v1.18.2';
export const REDIS_IMAGE = 'redis:7.4.6-alpine';
/** The gateway's Node.js base (sut/gateway/Dockerfile `ARG NODE_BASE`). */
export const NODE_BASE_IMAGE = 'node:24.22-bookworm-slim';

/** `node:24.22-bookworm-slim` → `24`. */
export function nodeLineOf(image: string): string {
  const m = /^node:(\d+)/.exec(image);
  if (!m) throw new Error(`NODE_BASE_IMAGE ${image} is not a node:<version> image`);
  return m[1]!;
}

/** Tag of the gateway image built from `sut/gateway/Dockerfile` (kept, so rebuilds hit the cache). */
export const GATEWAY_IMAGE_TAG = 'vdb-readiness/gateway:local';
export const GATEWAY_DOCKERFILE = 'sut/gateway/Dockerfile';

/** A prebuilt gateway image from `VDB_GATEWAY_IMAGE`, else null (build from the Dockerfile). */
export function gatewayImageOverride(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.VDB_GATEWAY_IMAGE?.trim() || null;
}
