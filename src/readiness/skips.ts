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
