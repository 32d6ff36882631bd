/**
 * The Qdrant collection a fuzz run works in: made for the run (small vectors, a few points with
 * payloads, so reads find something), the only collection the generated Qdrant document lets the
 * fuzzer name, and deleted afterwards. The model collections are never touched.
 */
import { UserError } from '../util/errors.ts';
import { send } from './http.ts';

export const SCRATCH_DIM = 4;

export function scratchName(runId: string): string {
  return `vdb_fuzz_${runId.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

export async function createScratch(qdrantUrl: string, headers: Record<string, string>, name: string): Promise<void> {
  const json = { ...headers, 'content-type': 'application/json' };
  const made = await send(`${qdrantUrl}/collections/${name}`, { method: 'PUT', headers: json, body: JSON.stringify({ vectors: { size: SCRATCH_DIM, distance: 'Cosine' } }), timeoutMs: 60_000 });
  if (made.status !== 200) throw new UserError(`Qdrant refused to create the fuzzer's scratch collection ${name} (${made.status}: ${made.body.slice(0, 200)}): check VDB_QDRANT_API_KEY allows writes, or fuzz the gateway alone (--api gateway)`);
  const points = Array.from({ length: 16 }, (_, i) => ({
    id: i + 1,
    vector: Array.from({ length: SCRATCH_DIM }, (_, j) => Math.sin(i * 7 + j * 3) + 0.01 * j),
    payload: { n: i, tag: i % 2 ? 'odd' : 'even', text: `point ${i}` },
  }));
  const up = await send(`${qdrantUrl}/collections/${name}/points?wait=true`, { method: 'PUT', headers: json, body: JSON.stringify({ points }), timeoutMs: 60_000 });
  if (up.status !== 200) throw new UserError(`Qdrant refused points in the fuzzer's scratch collection ${name} (${up.status}: ${up.body.slice(0, 200)})`);
}

export async function deleteScratch(qdrantUrl: string, headers: Record<string, string>, name: string): Promise<string | undefined> {
  try {
    const r = await send(`${qdrantUrl}/collections/${name}`, { method: 'DELETE', headers, timeoutMs: 60_000 });
    return r.status === 200 ? undefined : `the scratch collection ${name} was not deleted (${r.status}): delete it by hand`;
  } catch (err) {
    return `the scratch collection ${name} was not deleted (${String(err)}): delete it by hand`;
  }
}
