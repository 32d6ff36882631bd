/**
 * k6 scenario `stress` (scenarios/definitions.ts): `k6 run scenarios/k6/stress.ts` with VDB_GATEWAY_URL
 * (and VDB_API_KEY), or `npm run k6 -- stress`. See scenarios/README.md. The whole script is
 * lib/script.ts: options, setup (the readiness gate), the iteration, handleSummary.
 */
import { scenarioScript } from './lib/script.ts';

export const { options, setup, iteration, handleSummary } = scenarioScript('stress');
export default iteration;
