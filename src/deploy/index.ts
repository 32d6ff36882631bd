/**
 * The deployer's API (`npm run deploy`, and the readiness rollback group through the runner's
 * control endpoint): blue/green deploys into the idle gateway slot of a local stack, with
 * pre-switch validation, a zero-loss switch, post-switch analysis and automatic rollback.
 * The flow file by file: src/deploy/README.md.
 */
export { deploy } from './deploy.ts';
export { rollback } from './rollback.ts';
export { deploymentStatus } from './status.ts';
export type * from './types.ts';
