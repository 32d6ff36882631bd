/** What deploy, rollback and status share: the stack they act on, reachable, and its slots' stop. */
import { stopProcessGroup } from '@vdb-readiness/local-process';
import { gatewayStack, removeSlot } from '../launcher/slots.ts';
import type { GatewayInfo, StackInfo } from '../launcher/types.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import type { SlotView } from './plan.ts';

/** The local stack with its gateway tier, its front door answering; else one line naming `npm run stack -- up`. */
export async function reachableStack(dir?: string): Promise<StackInfo & { gateway: GatewayInfo }> {
  const info = gatewayStack(dir);
  try {
    const res = await fetch(`${info.gateway.url}/health`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
  } catch (err) {
    throw new UnreachableError(`the stack's front door ${info.gateway.url} does not answer (${errorMessage((err as { cause?: unknown }).cause ?? err)}): bring the stack up with \`npm run stack -- up\``);
  }
  return info;
}

/** Stops a slot the deployer found running: through stack.json when it is recorded there, else by its pid. */
export async function stopSlot(dir: string, view: SlotView, graceMs: number): Promise<void> {
  const removed = await removeSlot(dir, view.slot, graceMs);
  if (!removed || removed.pid !== view.pid) await stopProcessGroup(view.pid, graceMs);
}
