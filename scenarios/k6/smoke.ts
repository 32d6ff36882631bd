/**
 * k6 scenario `smoke` (scenarios/definitions.ts): `k6 run scenarios/k6/smoke.ts` with VDB_GATEWAY_URL
 * (and VDB_API_KEY), or `npm run k6 -- smoke`. See scenarios/README.md. The whole script is
 * lib/script.ts: options, setup (the readiness gate), the iteration, handleSummary.
 */
import { scenarioScript } from './lib/script.ts';

export const { options, setup, iteration, handleSummary } = scenarioScript('smoke');
export default iteration;
