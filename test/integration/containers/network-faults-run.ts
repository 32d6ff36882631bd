/**
 * The network-faults group against one containers target, run once per lie named in
 * VDB_NETWORK_LIES (comma-separated, in order), for the suite's own test
 * (network-fault-proofs.test.ts):
 * - `none`: the target's own control;
 * - a network fault (`qdrant-link`, `redis-link`, `qdrant-speed`): a control whose stop for that
 *   fault does nothing (it says it applied it), the rest passed through.
 * VDB_OUT: the results root. Prints `notes: <json>` (the target's notes), then one
 * `results[<lie>]: <path>` per run.
 */
import { join } from 'node:path';
import { gateProfile } from '../../../src/gates/definitions.ts';
import { runReadiness } from '../../../src/readiness/run.ts';
import { resolveContainersTarget } from '../../../src/targets/containers.ts';
import type { ServiceControl } from '../../../src/targets/control.ts';
import { NETWORK_FAULTS } from '../../../src/targets/containers/service-control.ts';

const lies = (process.env.VDB_NETWORK_LIES ?? 'none').split(',').filter(Boolean);
for (const lie of lies) if (lie !== 'none' && !(NETWORK_FAULTS as readonly string[]).includes(lie)) throw new Error(`VDB_NETWORK_LIES: ${lie}: use none or ${NETWORK_FAULTS.join(', ')}`);

function lyingControl(real: ServiceControl, lie: string): ServiceControl {
  return {
    services: real.services,
    stop: async (service) => {
      if (service !== lie) await real.stop(service);
    },
    start: (service) => real.start(service),
  };
}

const target = await resolveContainersTarget({ kind: 'containers', networkFaults: true, log: (line) => console.log(line) });
console.log(`notes: ${JSON.stringify(target.notes)}`);
let failed = false;
try {
  const real = target.control;
  if (!real) throw new Error('the containers target came up without its control');
  for (const lie of lies) {
    const { results, runDir } = await runReadiness({
      target: { ...target, control: lie === 'none' ? real : lyingControl(real, lie) },
      only: ['network-faults'],
      comprehensive: true,
      allowDisruptive: false,
      profile: gateProfile('ci'),
      ...(process.env.VDB_OUT ? { outRoot: process.env.VDB_OUT } : {}),
      command: `network-faults-run lie=${lie}`,
      log: (line) => console.log(line),
    });
    console.log(`results[${lie}]: ${join(runDir, 'results.json')}`);
    failed ||= results.verdict !== 'GO';
  }
} finally {
  await target.release();
}
// vitest and the HTTP clients may keep handles open: the runs are over.
process.exit(failed ? 1 : 0);
