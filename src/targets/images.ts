/**
 * The images of the `containers` target, pinned in one place. `docker-compose.test.yml` uses
 * the same tags: bump both together.
 *
 * - Qdrant v1.18.2: the newest v1.x release with published images, and the same minor as
 *   `@qdrant/js-client-rest` 1.18.0 (the client warns when server and client minors differ).
 * - Redis 7.4.6: the 7.4 patch release that fixes CVE-2025-49844.
 */
export const QDRANT_IMAGE = 'qdrant/qdrant:v1.18.2';
export const REDIS_IMAGE = 'redis:7.4.6-alpine';
/** The gateway's Node.js base (sut/gateway/Dockerfile `ARG NODE_BASE`). */
export const NODE_BASE_IMAGE = 'node:20.20-bookworm-slim';

/** Tag of the gateway image built from `sut/gateway/Dockerfile` (kept, so rebuilds hit the cache). */
export const GATEWAY_IMAGE_TAG = 'vdb-readiness/gateway:local';
export const GATEWAY_DOCKERFILE = 'sut/gateway/Dockerfile';

/** A prebuilt gateway image from `VDB_GATEWAY_IMAGE`, else null (build from the Dockerfile). */
export function gatewayImageOverride(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.VDB_GATEWAY_IMAGE?.trim() || null;
}
