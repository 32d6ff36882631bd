import { readDescriptor } from '../../src/readiness/descriptor.ts';
import type { TargetDescriptor } from '../../src/readiness/descriptor.ts';

let cached: TargetDescriptor | undefined;

/** The target this run checks (written by the readiness CLI, path in VDB_TARGET_FILE). */
export function target(): TargetDescriptor {
  cached ??= readDescriptor();
  return cached;
}

export { MODELS } from '../../fixtures/src/datasets.ts';
