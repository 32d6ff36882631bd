/**
 * Spec groups, one file each (`readiness/<group>.spec.ts`), in the order they run. `rollback`
 * (deploys and rollbacks under traffic) runs after every group that reads the serving version,
 * and leaves a good version serving; service-stopping specs (faults, then network-faults) run last so nothing else
 * sees a stopped dependency.
 */
export const GROUPS = [
  'health',
  'graphql',
  'models',
  'vectors',
  'security',
  'metrics',
  'config',
  'backup',
  'performance',
  'rollback',
  'faults',
  'network-faults',
] as const;
export type Group = (typeof GROUPS)[number];

export function isGroup(name: string): name is Group {
  return (GROUPS as readonly string[]).includes(name);
}

/** Group of a spec file path (`…/readiness/health.spec.ts` → `health`). */
export function groupOfFile(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.spec\.[cm]?[tj]s$/, '');
}

export function groupRank(path: string): number {
  const i = (GROUPS as readonly string[]).indexOf(groupOfFile(path));
  return i === -1 ? GROUPS.length : i;
}

/** `gateway liveness: /health answers 200` → `gateway-liveness-health-answers-200`. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
}

export function checkId(group: string, title: string): string {
  return `${group}/${slug(title)}`;
}
