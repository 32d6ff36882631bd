/** `npm run bench:engine` options: defaults → parse → validate, in one place. */
import { Command, InvalidArgumentError } from 'commander';
import { PersonError } from '../../tests/helpers/errors.ts';

export interface EngineBenchOptions {
  /** Points loaded (the dataset's first `size` ids). */
  size: number;
  dim: number;
  /** Concurrent clients per level, for upsert and for search. */
  concurrency: number[];
  /** Points per upsert request. */
  batch: number;
  /** Search time per concurrency level, seconds (each level also stops at `maxQueries`). */
  searchSeconds: number;
  maxQueries: number;
  /** Compare with Python's qdrant-client uploading the same points. */
  python: boolean;
  /** An already running Qdrant (else a qdrant-local is started in a temp dir and stopped after). */
  url?: string;
  apiKey?: string;
  allowRemoteLoad: boolean;
  /** Also write the figures as JSON here. */
  json?: string;
}

export const DEFAULTS: EngineBenchOptions = {
  size: 100_000,
  dim: 128,
  concurrency: [1, 4, 16],
  batch: 1000,
  searchSeconds: 10,
  maxQueries: 20_000,
  python: true,
  allowRemoteLoad: false,
};

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const intList = (v: string): number[] => v.split(',').map((s) => positiveInt(s.trim()));

export function parseOptions(argv: string[]): EngineBenchOptions {
  const cmd = new Command('bench:engine')
    .description('Capacity of the Qdrant engine (qdrant-local by default): upsert points/s, search QPS and p50/p99 per concurrency')
    .option('--size <n>', 'points to load', positiveInt, DEFAULTS.size)
    .option('--dim <n>', 'vector dimension', positiveInt, DEFAULTS.dim)
    .option('--concurrency <list>', 'concurrent clients per level, comma-separated', intList, DEFAULTS.concurrency)
    .option('--batch <n>', 'points per upsert request', positiveInt, DEFAULTS.batch)
    .option('--search-seconds <n>', 'search time per level', positiveInt, DEFAULTS.searchSeconds)
    .option('--max-queries <n>', 'search requests per level at most', positiveInt, DEFAULTS.maxQueries)
    .option('--no-python', 'skip the Python qdrant-client upload comparison')
    .option('--url <url>', 'bench a running Qdrant instead of starting qdrant-local (or VDB_QDRANT_URL)')
    .option('--allow-remote-load', 'allow a --url that is not loopback', false)
    .option('--json <path>', 'also write the figures as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
      console.log(cmd.helpInformation());
      process.exit(0);
    }
    throw new PersonError(`${(e.message ?? String(err)).replace(/^error: /, '')} (see npm run bench:engine -- --help)`);
  }
  const o = cmd.opts<{ size: number; dim: number; concurrency: number[]; batch: number; searchSeconds: number; maxQueries: number; python: boolean; url?: string; allowRemoteLoad: boolean; json?: string }>();
  const url = o.url ?? process.env.VDB_QDRANT_URL;
  return {
    ...o,
    url,
    apiKey: url ? process.env.VDB_QDRANT_API_KEY : undefined,
  };
}
