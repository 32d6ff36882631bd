/**
 * The scenarios, as data (the model: scenarios/model.ts). One file per test type in scenarios/k6/
 * runs each with k6; `npm run bench -- --scenario <name>` runs the same shape with the built-in
 * driver. Rates are multiples of the profile's throughput gate; durations are for a release gate
 * on a CI runner and scale with `VDB_DURATION_SCALE` / `--duration-scale`.
 */
import type { RequestMix, ScenarioDef, ScenarioName } from './model.ts';

const SEARCH_ONLY: RequestMix = { search: 1, upsert: 0, health: 0, graphql: 0 };

/**
 * The mixed workload: the runbook's load test is searches (`wrk … /api/v1/vectors/search`), its
 * health checks go per model and through GraphQL, and collections are written to while served.
 * The proportions are the suite's choice: 80 % searches, 10 % upserts, 5 % health, 5 % GraphQL.
 */
const RUNBOOK_MIX: RequestMix = { search: 80, upsert: 10, health: 5, graphql: 5 };

const LATENCY_AND_CORRECTNESS = ['search_p95', 'error_rate', 'recall_at_10'];

export const SCENARIOS: Record<ScenarioName, ScenarioDef> = {
  smoke: {
    name: 'smoke',
    description: 'one VU, a few dozen searches: the target answers correctly before any load is put on it',
    executor: 'per-vu-iterations',
    vus: 1,
    iterations: 30,
    maxDurationS: 60,
    mix: SEARCH_ONLY,
    gates: LATENCY_AND_CORRECTNESS,
  },
  load: {
    name: 'load',
    description: 'searches at a constant rate a little above the throughput gate: latency, errors and recall hold at the target throughput',
    executor: 'constant-arrival-rate',
    rate: { x: 1.2 },
    durationS: 60,
    mix: SEARCH_ONLY,
    gates: ['search_p95', 'throughput', 'error_rate', 'recall_at_10'],
  },
  stress: {
    name: 'stress',
    description: 'the rate climbs to twice the throughput gate and back: no errors and correct answers beyond the target',
    executor: 'ramping-arrival-rate',
    startRate: { x: 0.2 },
    stages: [
      { target: { x: 1 }, durationS: 30 },
      { target: { x: 2 }, durationS: 60 },
      { target: { x: 2 }, durationS: 30 },
      { target: { x: 0.2 }, durationS: 20 },
    ],
    mix: SEARCH_ONLY,
    gates: ['error_rate', 'recall_at_10'],
  },
  spike: {
    name: 'spike',
    description: 'a sudden jump to three times the throughput gate: the server sheds or serves, but never answers wrongly',
    executor: 'ramping-arrival-rate',
    startRate: { x: 0.2 },
    stages: [
      { target: { x: 0.2 }, durationS: 20 },
      { target: { x: 3 }, durationS: 5 },
      { target: { x: 3 }, durationS: 20 },
      { target: { x: 0.2 }, durationS: 5 },
      { target: { x: 0.2 }, durationS: 20 },
    ],
    mix: SEARCH_ONLY,
    gates: ['error_rate', 'recall_at_10'],
  },
  soak: {
    name: 'soak',
    description: 'the mixed workload at the throughput gate for a long time: latency and errors do not drift',
    executor: 'constant-arrival-rate',
    rate: { x: 1 },
    durationS: 1800,
    mix: RUNBOOK_MIX,
    gates: ['search_p95', 'error_rate', 'recall_at_10', 'health_latency'],
  },
  breakpoint: {
    name: 'breakpoint',
    description: 'the rate climbs to ten times the throughput gate and the run stops where search p95 crosses its gate: where the server breaks',
    executor: 'ramping-arrival-rate',
    startRate: { x: 0.5 },
    stages: [{ target: { x: 10 }, durationS: 300 }],
    mix: SEARCH_ONLY,
    gates: ['search_p95', 'error_rate'],
    abortOnLatencyFail: true,
  },
  mixed: {
    name: 'mixed',
    description: 'searches by model, upserts, health and GraphQL calls in runbook proportions at the throughput gate',
    executor: 'constant-arrival-rate',
    rate: { x: 1 },
    durationS: 60,
    mix: RUNBOOK_MIX,
    gates: ['search_p95', 'error_rate', 'recall_at_10', 'health_latency'],
  },
};

export function scenario(name: string): ScenarioDef {
  const s = (SCENARIOS as Record<string, ScenarioDef | undefined>)[name];
  if (!s) throw new Error(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  return s;
}
