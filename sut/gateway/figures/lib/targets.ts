/** What the gateway's uncached throughput, as a share of direct, is judged against. */
import type { PlacementKind } from './placement.ts';

/** The overhead target: the gateway keeps at least this share of the engine's throughput. */
export const SHARE_OF_DIRECT = 0.7;
/** The scale target: this share at SCALE_CLIENTS clients, with the engine on its own cores. */
export const SCALE_SHARE_OF_DIRECT = 0.85;
export const SCALE_CLIENTS = 8;

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** Both targets, in words, for the throughput line of `npm run bench:gateway`. */
export function throughputTargets(shareOfDirect: number, placement: PlacementKind, concurrency: number): string {
  const scale =
    placement === 'split' && concurrency === SCALE_CLIENTS ? verdict(shareOfDirect >= SCALE_SHARE_OF_DIRECT) : `judged only with split placement and ${SCALE_CLIENTS} clients`;
  return `target >= ${SHARE_OF_DIRECT * 100} %: ${verdict(shareOfDirect >= SHARE_OF_DIRECT)}; scale target >= ${SCALE_SHARE_OF_DIRECT * 100} % at ${SCALE_CLIENTS} clients under split placement: ${scale}`;
}
