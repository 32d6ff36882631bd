import { isLoopbackHost } from '../targets/remote-guard.ts';
import type { Target } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';
import { redactUrl } from '../util/redact.ts';

/** `--seed` on an external target: it writes through Qdrant, and off loopback only when disruption is allowed (usage errors, said before anything is reached). */
export function assertSeedAllowed(t: Target, opts: { seed?: boolean; allowDisruptive?: boolean }): void {
  if (!opts.seed || t.kind !== 'external') return;
  if (!t.qdrant) throw new UserError('--seed writes the fixture through Qdrant: set VDB_QDRANT_URL (and VDB_QDRANT_API_KEY)');
  if (!isLoopbackHost(new URL(t.qdrant.url).hostname) && !opts.allowDisruptive) {
    throw new UserError(`--seed overwrites the model collections of ${redactUrl(t.qdrant.url)}, which is not on loopback: add --allow-disruptive if that is meant`);
  }
}
