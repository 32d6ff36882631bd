import type { TargetDescriptor } from './descriptor.ts';

/**
 * Why a spec that stops a service (or deploys) does not run against this target, or undefined
 * when it may run. The reason goes verbatim into results.json and the report.
 */
export function disruptiveSkipReason(d: TargetDescriptor, service: string): string | undefined {
  if (!d.options.comprehensive) return 'dependency-fault specs stop services: run with --comprehensive to include them';
  if (d.kind === 'external' && !d.options.allowDisruptive) {
    return 'stops a service of an external target: needs --allow-disruptive';
  }
  if (!d.control) return `the ${d.kind} target offers no control hooks to stop and start services`;
  if (!d.control.services.includes(service)) return `the ${d.kind} target cannot stop and start ${service}`;
  return undefined;
}

/** Why a check needing a given gateway key role is skipped, or undefined. */
export function missingKeySkipReason(d: TargetDescriptor, role: string, envHint: string): string | undefined {
  if (d.gateway.keys[role]) return undefined;
  return `no "${role}" API key for this target: set ${envHint} to include this check`;
}

/**
 * Why the rollback group (deploys, rollbacks, slots stopped) does not run against this target,
 * or undefined when it may: it runs with `--comprehensive` or when asked for by name
 * (`--only rollback`), on a target with a deploy control, and on an external target only with
 * `--allow-disruptive` and a `--deploy-hook`.
 */
export function deploySkipReason(d: TargetDescriptor): string | undefined {
  const asked = d.options.comprehensive || (d.options.only ?? []).includes('rollback');
  if (!asked) return 'deploys new versions and rolls them back under traffic: run with --comprehensive or --only rollback to include it';
  const hook = 'a --deploy-hook <command> (run as `<command> deploy --json …`, e.g. `npm run deploy --`)';
  if (d.kind === 'external' && !d.options.allowDisruptive) {
    return `deploys to an external target: needs --allow-disruptive and ${hook}`;
  }
  if (!d.control?.deploy) {
    return d.kind === 'external' ? `no deploy hook for this external target: pass ${hook}` : `the ${d.kind} target offers no deploy control yet: use --target local, or pass ${hook}`;
  }
  return undefined;
}

/** Why a check that stops or kills one slot does not run, or undefined. */
export function slotStopSkipReason(d: TargetDescriptor): string | undefined {
  const base = deploySkipReason(d);
  if (base) return base;
  if (!d.control?.deploy?.stopSlot) return `the deploy control (${d.control?.deploy?.via ?? 'none'}) cannot stop a single slot: the registry's stop and TTL checks need the local target`;
  return undefined;
}
