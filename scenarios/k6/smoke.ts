/**
 * k6 scenario `smoke` (scenarios/definitions.ts): `k6 run scenarios/k6/smoke.ts` with VDB_GATEWAY_URL
 * (and VDB_API_KEY), or `npm run k6 -- smoke`. See scenarios/README.md.
 */
import { scenarioScript } from './lib/script.ts';
import type { SummaryData } from './lib/summary.ts';
import type { SetupData } from './lib/types.ts';

const script = scenarioScript('smoke');

export const options = script.options;

export function setup(): SetupData {
  return script.setup();
}

export default function (data: SetupData): void {
  script.iteration(data);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return script.handleSummary(data);
}
