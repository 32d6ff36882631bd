/**
 * k6 scenario `breakpoint` (scenarios/definitions.ts): `k6 run scenarios/k6/breakpoint.ts` with VDB_GATEWAY_URL
 * (and VDB_API_KEY), or `npm run k6 -- breakpoint`. See scenarios/README.md. The whole script is
 * lib/script.ts: options, setup (the readiness gate), the iteration, handleSummary.
 */
import { scenarioScript } from './lib/script.ts';

export const { options, setup, iteration, handleSummary } = scenarioScript('breakpoint');
export default iteration;
