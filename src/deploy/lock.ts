/** One deployer at a time per stack: `<stack dir>/deployments/.lock` holds the pid of the one running. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '@vdb-readiness/local-process';
import { UserError } from '../util/errors.ts';
import { RECORDS_DIR } from './record.ts';

export function acquireLock(stackDir: string, what: string): () => void {
  const dir = join(stackDir, RECORDS_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid} ${what}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pid, ...rest] = readFileSync(file, 'utf8').trim().split(' ');
      if (isAlive(Number(pid))) {
        throw new UserError(`another ${rest.join(' ') || 'deploy'} (pid ${pid}) is running on the stack in ${stackDir}: wait for it to finish`);
      }
      rmSync(file, { force: true }); // left by a deployer that died
    }
  }
  throw new UserError(`could not take ${file}: remove it if no deployer is running`);
}
