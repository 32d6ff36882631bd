/** Where k6 is: `K6_BIN`, else the first `k6` on PATH; a MissingToolError (exit 4) naming the fix otherwise. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingToolError } from '../util/errors.ts';

export const K6_INSTALL_HINT = 'install k6 v2 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN to it';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findK6(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.K6_BIN;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new MissingToolError(`K6_BIN=${fromEnv} is not an executable file: ${K6_INSTALL_HINT}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'k6');
    if (isExecutable(candidate)) return candidate;
  }
  throw new MissingToolError(`k6 is not installed: ${K6_INSTALL_HINT}`);
}
