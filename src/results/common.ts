/**
 * What every results.json shares, whatever ran: the schema id, the run kind, the run id, when it
 * ran, and the gates it was judged by. Fields are snake_case in every kind; every field carries a
 * description, from which reports/README.md's field tables are generated (`npm run docs:results`).
 */
import { z } from 'zod';
import { gateResultSchema } from '../gates/schema.ts';

/** The kinds of run that write results. Only those in `RESULT_KINDS` (kinds.ts) have a schema yet. */
export const RUN_KINDS = ['readiness', 'bench', 'k6', 'deployment', 'fuzz', 'capacity'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const schemaId = <K extends RunKind, V extends number>(kind: K, version: V): `vdb-readiness/${K}@${V}` => `vdb-readiness/${kind}@${version}`;

export const gatesSection = z.object({
  profile: z.string().describe('gate profile name (`production`, `ci`)'),
  label: z.string().describe('shown next to every verdict of the profile; says so when it is not the production targets'),
  results: z.array(gateResultSchema).describe('one entry per gate judged'),
});
export type GatesSection = z.infer<typeof gatesSection>;

export const runState = z.enum(['running', 'complete', 'interrupted']);
export type RunState = z.infer<typeof runState>;

export const envelope = <K extends RunKind, S extends string>(kind: K, schema: S) =>
  z.object({
    schema: z.literal(schema).describe('schema id `vdb-readiness/<kind>@<version>`: additive changes keep it, anything else bumps it'),
    kind: z.literal(kind).describe('what ran'),
    run_id: z.string().describe('`<yyyymmdd>-<hhmmss>-<kind>-<random>`, also the run directory name'),
    state: runState.describe('`running` while results are written incrementally, then `complete` or `interrupted` (partial results)'),
    started_at: z.string().describe('ISO 8601 start time'),
    finished_at: z.string().optional().describe('ISO 8601 end time (absent while running)'),
    gates: gatesSection.describe('the release gates the run was judged by (`src/gates/`)'),
  });
