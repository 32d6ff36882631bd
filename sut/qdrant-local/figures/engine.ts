/**
 * `npm run bench:engine`: what the Qdrant engine (qdrant-local unless --url) can carry — upsert
 * points/s and search QPS with p50/p99 at 1, 4 and 16 clients on 100,000 × 128, beside Python's
 * qdrant-client uploading the same points. Prints figures; it is a benchmark, not a test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../tests/helpers/server.ts';
import { EXIT, PersonError } from '../tests/helpers/errors.ts';
import { assertLoadAllowed, runBench } from './engine/errors.ts';
import { parseOptions } from './engine/options.ts';
import { renderEngineBench } from './engine/render.ts';
import { runEngineBench } from './engine/run.ts';

const log = (line: string): void => console.error(line);

async function rootVersion(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { version?: string; qdrant_local?: unknown };
    return `${body.version ?? 'unknown'}${body.qdrant_local ? ' (qdrant-local)' : ''}`;
  } catch {
    throw new PersonError(`no Qdrant answers at ${url}: start it, or drop --url to bench a fresh qdrant-local`, EXIT.unreachable);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  let target: { url: string; apiKey?: string; engine: string; version: string };
  let cleanup = async (_failed: boolean): Promise<void> => undefined;
  if (opts.url) {
    assertLoadAllowed(opts.url, { allowRemoteLoad: opts.allowRemoteLoad });
    target = { url: opts.url, apiKey: opts.apiKey, engine: 'qdrant', version: await rootVersion(opts.url) };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
    log(`starting the engine under test (bin/serve: a real qdrant if there is one, else qdrant-local) in ${dir}…`);
    const apiKey = 'bench-engine';
    const qdrant = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey, logPath: join(dir, 'qdrant.log') });
    target = { url: qdrant.info.url, apiKey, engine: qdrant.info.engine, version: qdrant.info.version };
    cleanup = async (failed) => {
      await qdrant.stop();
      if (failed) log(`qdrant-local's data and log kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    };
  }
  let failed = true;
  try {
    const results = await runEngineBench(opts, target, log);
    console.log(renderEngineBench(results));
    if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
    failed = false;
  } finally {
    await cleanup(failed);
  }
}

await runBench(main);
