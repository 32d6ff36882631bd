/**
 * Just enough of a Dockerfile reader for the image test: the stages and, in each, its
 * instructions (continuation lines joined, comments dropped), with COPY, ENV and CMD parsed.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
}

export interface Copy {
  /** The stage copied from (`--from=build`), or null for the build context. */
  from: string | null;
  sources: string[];
  dest: string;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export function readDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue; // comments may sit inside a continued instruction
    const continued = line.endsWith('\\');
    pending += `${pending ? ' ' : ''}${continued ? line.slice(0, -1).trim() : line}`;
    if (continued) continue;
    const [keyword = '', ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' && name ? name : null, instructions: [] });
    } else {
      const stage = stages[stages.length - 1];
      // a global ARG (the base image's) may come before the first FROM, as Docker allows
      if (!stage && ins.keyword === 'ARG') continue;
      if (!stage) throw new Error(`${path}: ${ins.keyword} before FROM`);
      stage.instructions.push(ins);
    }
  }
  return stages;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/).filter(Boolean);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else throw new Error(`COPY ${flag} is not understood by the image test`);
  }
  if (words.length < 2) throw new Error(`COPY ${args}: needs a source and a destination`);
  if (words.some((w) => /[*?[]/.test(w))) throw new Error(`COPY ${args}: globs are not replayed by the image test`);
  return { from, sources: words.slice(0, -1), dest: words[words.length - 1] as string };
}

/** ENV a=b c=d (the key=value form). */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`ENV ${args}: use the key=value form`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  return out;
}
