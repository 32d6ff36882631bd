/**
 * Which slot a deploy goes into and which a rollback goes back to (pure): from the live slots
 * (registry or stack.json, see slots.ts), the configured slots and the active one.
 */
import { UserError } from '../util/errors.ts';

/** A running gateway slot as the deployer sees it. */
export interface SlotView {
  slot: string;
  version: string | null;
  pid: number;
  /** Direct TCP URL. */
  url: string;
  socket: string | null;
  /** The front door's link points at it. */
  active: boolean;
  /** Where the deployer learned of it. */
  source: 'registry' | 'stack.json';
}

export interface DeployPlan {
  /** The slot the new version goes into: the idle one. */
  target: string;
  /** The slot serving now (stays running as the standby for rollback), if one runs. */
  from: SlotView | null;
  /** The old standby in the target slot, stopped (gracefully) before the new version starts there. */
  stopFirst: SlotView | null;
}

/** The idle slot: the first configured slot that is not the active one. */
export function planDeploy(configured: string[], activeSlot: string, live: SlotView[]): DeployPlan {
  const target = configured.find((s) => s !== activeSlot);
  if (!target) throw new UserError(`deployment.yaml names no slot besides ${activeSlot} (deployment.slots: ${configured.join(', ') || 'none'}): blue/green needs two`);
  return {
    target,
    from: live.find((s) => s.slot === activeSlot) ?? null,
    stopFirst: live.find((s) => s.slot === target) ?? null,
  };
}

/** The standby a rollback switches to, or why there is none. */
export function planRollback(activeSlot: string, live: SlotView[]): { target: SlotView; from: SlotView | null } | { reason: string } {
  const standby = live.filter((s) => s.slot !== activeSlot);
  if (standby.length === 0) {
    return { reason: `nothing to roll back to: only ${activeSlot} runs (the previous slot is stopped once a deploy rolls back or a new deploy replaces it)` };
  }
  return { target: standby[0] as SlotView, from: live.find((s) => s.slot === activeSlot) ?? null };
}
