/**
 * Integration tests need real tools: Redis and nginx from the OS packages and the Python
 * environment of qdrant-local (made by its own bin/ensure-venv, which its bin/serve runs for the launcher; a real
 * qdrant from QDRANT_BIN or PATH needs none). Prepare them once, before any test file runs.
 */
import { ensureSystemTools } from '../../src/launcher/system-tools.ts';
import { ensureQdrantRuntime } from '../../src/launcher/services/qdrant.ts';

export default async function setup(): Promise<void> {
  await ensureSystemTools(['redis-server', 'nginx']);
  await ensureQdrantRuntime();
}
