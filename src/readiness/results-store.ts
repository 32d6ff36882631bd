import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markLatest } from '../results/run-dir.ts';
import type { ReadinessResults } from '../results/readiness-results.ts';

/**
 * Writes results.json atomically (temp file + rename) every time it changes, so a run that is
 * killed midway leaves a valid file with every check that finished. Writes are serialised.
 */
export class ResultsStore {
  private chain: Promise<void> = Promise.resolve();
  private latestMarked = false;

  constructor(
    readonly runDir: string,
    private readonly runId: string,
    private readonly outRoot: string,
  ) {}

  get path(): string {
    return join(this.runDir, 'results.json');
  }

  save(results: ReadinessResults): Promise<void> {
    const text = `${JSON.stringify(results, null, 2)}\n`;
    this.chain = this.chain.then(async () => {
      await writeAtomic(this.path, text);
      if (!this.latestMarked) {
        await markLatest(this.runId, this.outRoot);
        this.latestMarked = true;
      }
    });
    return this.chain;
  }

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
