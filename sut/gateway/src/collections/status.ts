/**
 * Qdrant's collection statuses as Qdrant defines them (collection info `status`):
 * - green: all good;
 * - yellow: optimizations running (the index is being built or merged);
 * - grey: optimizations pending, not started (typical after a restart, until the next update
 *   wakes the optimizer: waiting for `green` never ends);
 * - red: an operation failed (the collection may not serve).
 * Green, yellow and grey all serve searches; only red (or a missing collection) is a failure.
 */
export type CollectionStatus = 'green' | 'yellow' | 'grey' | 'red';

export interface StatusMeaning {
  /** Searches are answered. */
  serves: boolean;
  /** What the optimizer is doing. */
  optimizer: 'idle' | 'optimizing' | 'pending' | 'failed' | 'unknown';
}

const MEANINGS: Record<CollectionStatus, StatusMeaning> = {
  green: { serves: true, optimizer: 'idle' },
  yellow: { serves: true, optimizer: 'optimizing' },
  grey: { serves: true, optimizer: 'pending' },
  red: { serves: false, optimizer: 'failed' },
};

/** An unknown status (a newer Qdrant) is taken as serving: the search checks will say otherwise. */
export function statusMeaning(status: string | null | undefined): StatusMeaning {
  if (status === null || status === undefined) return { serves: false, optimizer: 'unknown' };
  return MEANINGS[status as CollectionStatus] ?? { serves: true, optimizer: 'unknown' };
}
