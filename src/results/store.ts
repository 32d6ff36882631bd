import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyResults } from './kinds.ts';
import { createRunDir, markLatest } from './run-dir.ts';

/**
 * The one writer of a run's files: results.json is written atomically (temp file + rename) every
 * time it is saved, so a run killed midway leaves a valid file with everything that finished.
 * Writes are serialised; `latest` and `latest-<kind>` point at the run once its first results are on disk.
 */
export class ResultsStore {
  private chain: Promise<void> = Promise.resolve();
  private latestMarked = false;

  private constructor(
    readonly runDir: string,
    private readonly outRoot: string,
  ) {}

  /** Creates `<outRoot>/<run-id>/`. */
  static async create(runId: string, outRoot: string): Promise<ResultsStore> {
    return new ResultsStore(await createRunDir(runId, outRoot), outRoot);
  }

  get path(): string {
    return join(this.runDir, 'results.json');
  }

  save(results: AnyResults): Promise<void> {
    const text = `${JSON.stringify(results, null, 2)}\n`;
    this.chain = this.chain.then(async () => {
      await writeAtomic(this.path, text);
      if (!this.latestMarked) {
        await markLatest(results.run_id, results.kind, this.outRoot);
        this.latestMarked = true;
      }
    });
    return this.chain;
  }

  /** Another file of the run (junit.xml, report.html), written after the pending saves. */
  async writeFile(name: string, content: string): Promise<void> {
    await this.chain;
    await writeAtomic(join(this.runDir, name), content);
  }
}

export async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
