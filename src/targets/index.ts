import { UserError } from '../util/errors.ts';
import { resolveExternalTarget } from './external.ts';
import { hookDeployControl } from './hook-deploy.ts';
import { resolveLocalTarget } from './local.ts';
import type { ResolveTargetOptions, Target, TargetKind } from './types.ts';

export type { Endpoint, ResolveTargetOptions, Target, TargetKind } from './types.ts';
export type { DeployControl, DeployRequest, SlotStopResult, StopSignal } from './deploy-control.ts';
export { assertLoadAllowed, isLoopbackHost } from './remote-guard.ts';

export const TARGET_KINDS: readonly TargetKind[] = ['local', 'external', 'containers'];

export function parseTargetKind(raw: string): TargetKind {
  if ((TARGET_KINDS as readonly string[]).includes(raw)) return raw as TargetKind;
  throw new UserError(`unknown target "${raw}": use one of ${TARGET_KINDS.join(', ')}`);
}

/** The target, with `deployHook` (when given) as its deploy control. */
export async function resolveTarget(opts: ResolveTargetOptions): Promise<Target> {
  const target = await resolveProvider(opts);
  const hook = opts.deployHook?.trim();
  if (hook) target.deploy = hookDeployControl(hook);
  return target;
}

async function resolveProvider(opts: ResolveTargetOptions): Promise<Target> {
  switch (opts.kind) {
    case 'local':
      return resolveLocalTarget(opts);
    case 'external':
      return resolveExternalTarget();
    case 'containers': {
      const { resolveContainersTarget } = await import('./containers.ts');
      return resolveContainersTarget(opts);
    }
  }
}
