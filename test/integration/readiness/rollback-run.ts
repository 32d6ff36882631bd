/**
 * The readiness run of the rollback group against the local stack in VDB_STACK_DIR, with a lie
 * put in between for the suite's own tests (rollback-proofs.test.ts):
 * - VDB_ROLLBACK_LIE: a lying deploy control (lying-deployer.ts), or `none`;
 * - VDB_FRONT_DOOR_URL: the specs' traffic and status calls go here (a lying front door) instead
 *   of the stack's nginx; the deployer keeps using the real one;
 * - VDB_CHECKS: only the checks whose name matches;
 * - VDB_OUT: the results root.
 * Prints `results: <path>` like `npm run readiness`; exit 0 on GO, 1 otherwise.
 */
import { join } from 'node:path';
import { gateProfile } from '../../../src/gates/definitions.ts';
import { runReadiness } from '../../../src/readiness/run.ts';
import { resolveTarget } from '../../../src/targets/index.ts';
import { DEPLOY_LIES, lyingDeployControl } from './lying-deployer.ts';
import type { DeployLie } from './lying-deployer.ts';

const lie = process.env.VDB_ROLLBACK_LIE ?? 'none';
if (lie !== 'none' && !(DEPLOY_LIES as readonly string[]).includes(lie)) throw new Error(`VDB_ROLLBACK_LIE=${lie}: use none or ${DEPLOY_LIES.join(', ')}`);
const target = await resolveTarget({ kind: 'local', keep: true });
if (!target.gateway || !target.deploy || !target.redis) throw new Error('the local stack has no gateway tier');
if (process.env.VDB_FRONT_DOOR_URL) target.gateway = { ...target.gateway, url: process.env.VDB_FRONT_DOOR_URL };
const lying = lie === 'none' ? undefined : lyingDeployControl(target.deploy, lie as DeployLie, target.redis.url);
if (lying) target.deploy = lying;
try {
  const { results, runDir } = await runReadiness({
    target,
    only: ['rollback'],
    comprehensive: false,
    allowDisruptive: false,
    profile: gateProfile('ci'),
    ...(process.env.VDB_OUT ? { outRoot: process.env.VDB_OUT } : {}),
    ...(process.env.VDB_CHECKS ? { checks: process.env.VDB_CHECKS } : {}),
    command: `rollback-run lie=${lie}${process.env.VDB_FRONT_DOOR_URL ? ' front-door=lying' : ''}`,
    log: (line) => console.log(line),
  });
  console.log(`results: ${join(runDir, 'results.json')}`);
  process.exitCode = results.verdict === 'GO' ? 0 : 1;
} finally {
  await lying?.cleanup();
  await target.release();
}
// vitest and the HTTP clients may keep handles open: the run is over.
process.exit(process.exitCode ?? 0);
