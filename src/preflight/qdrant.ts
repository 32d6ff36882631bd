/** Qdrant's key, proven on `GET /collections` (Qdrant answers `/` without a key, and 401 without the right one). */
import { ExitCode } from '../util/exit-codes.ts';
import { httpGet } from './transport.ts';
import type { Names, Problem } from './types.ts';
import { oneLine, wireProblem } from './wire.ts';

export async function proveQdrantKey(q: { url: string; apiKey?: string }, names: Names): Promise<Problem[]> {
  const r = await httpGet(`${q.url}/collections`, q.apiKey ? { 'api-key': q.apiKey } : {});
  if (!r.ok) return [await wireProblem('qdrant', 'Qdrant', q.url, names.qdrantUrl, r, names.start)];
  if (r.status !== 401 && r.status !== 403) return [];
  const said = `${r.status}: ${oneLine(r.text, 60)}`;
  const usage = (message: string): Problem => ({ service: 'qdrant', exitCode: ExitCode.Usage, message });
  if (!q.apiKey) return [usage(`Qdrant requires an API key (${said}): set ${names.qdrantKey}`)];
  if (names.qdrantKeyFrom === 'gateway-key') return [usage(`Qdrant refused the key (${said}; ${names.qdrantKey} is not set, so ${names.apiKey} was sent): set ${names.qdrantKey}`)];
  return [usage(`Qdrant refused the key (${said}): set ${names.qdrantKey} to Qdrant's API key`)];
}
