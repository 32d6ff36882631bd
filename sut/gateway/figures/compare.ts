/**
 * `npm run bench:gateway:compare -- --base <git ref> [--rounds 10 --requests 4000 --concurrency 8 --warmup 6000 --dir <stack dir>]`:
 * what a change to the gateway buys in CPU, measured in one run. Two gateway processes, the code
 * of `--base` (a git worktree of it) and this checkout's (with its uncommitted changes), each in
 * front of the gateway-bound phase's stand-in engine (lib/gateway-bound.ts: it answers searches
 * at once, so each gateway saturates and its own work is what is measured), take turns: rounds
 * of `--requests` uncached searches, the order flipped each round, so that a change in the
 * machine's load hits both alike. Prints each round's gateway CPU per search, the totals and
 * the ratio, and in how many rounds this checkout was the cheaper. Two processes of the same
 * code differ by well under 1 % here.
 * The base runs with this checkout's node_modules, except the workspace packages, which are
 * the base's own (packages/*); a base whose package-lock.json differs is said so. Uses the
 * running local stack (its Redis, databases 14 and 15; its engine behind the stand-in), or a
 * temporary one, as `npm run bench:gateway` does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineCpu, stealPct } from '@vdb-readiness/proc-stat';
import { command, CommandError, consoleIo, ExitCode, parseArgs, runMain, UsageError } from '../src/cli/run.ts';
import { ClosedLoop, newPhase, prng, randomVector, type Component } from './lib/closed-loop.ts';
import { DIM, gatewaySearch, seed } from './lib/collection.ts';
import { startGatewayProcess, startInstantEngine, stopChild, type Started } from './lib/gateway-bound.ts';
import { applyPlacement, type Placement } from './lib/placement.ts';
import { readStack, REPO_ROOT, stackCli, stackDirOf, type Stack } from './lib/stack.ts';

const git = (args: string[], cwd = REPO_ROOT) => spawnSync('git', args, { cwd, encoding: 'utf8' });

/** A checkout of `sha` in `dir` that resolves its dependencies like this one, but its own workspace packages. */
function worktree(sha: string, dir: string): void {
  const add = git(['worktree', 'add', '--detach', '--quiet', dir, sha]);
  if (add.status !== 0) throw new CommandError(`git worktree add ${dir} ${sha} failed: ${add.stderr.trim()}`);
  const own = join(REPO_ROOT, 'node_modules');
  const theirs = join(dir, 'node_modules');
  mkdirSync(theirs);
  for (const entry of readdirSync(own)) {
    if (entry === '@vdb-readiness') continue;
    symlinkSync(join(own, entry), join(theirs, entry));
  }
  // the workspace links are relative (../../packages/x): the same link in the worktree is the base's own package
  mkdirSync(join(theirs, '@vdb-readiness'));
  for (const entry of readdirSync(join(own, '@vdb-readiness'))) symlinkSync(readlinkSync(join(own, '@vdb-readiness', entry)), join(theirs, '@vdb-readiness', entry));
}

interface Side {
  name: string;
  loop: ClosedLoop;
  pids: Record<Component, number>;
  gatewayMs: number;
  redisMs: number;
  searches: number;
  seconds: number;
  perRound: number[];
}

const us = (ms: number) => (ms * 1000).toFixed(1);
/** A ratio of two CPU figures; n/a when the base's is 0 (a few searches can fall within one 10 ms tick of /proc). */
const times = (x: number, of: number) => (of > 0 && Number.isFinite(x / of) ? `×${(x / of).toFixed(3)}` : 'n/a');

await runMain(async () => {
  const program = command('bench:gateway:compare', consoleIo)
    .requiredOption('--base <ref>', 'the git commit (or branch, tag) to compare this checkout with')
    .option('--rounds <n>', 'rounds; each side runs once per round', '10')
    .option('--requests <n>', 'uncached searches per side per round', '4000')
    .option('--concurrency <n>', 'concurrent clients', '8')
    .option('--warmup <n>', 'uncached searches per side before the rounds (the JIT of a fresh process)', '6000')
    .option('--dir <path>', 'stack directory (default: VDB_STACK_DIR or .stack, else a temporary stack)');
  const stop = parseArgs(program, process.argv.slice(2));
  if (stop !== null) return stop;
  const opts = program.opts<{ base: string; rounds: string; requests: string; concurrency: string; warmup: string; dir?: string }>();
  const rounds = Number(opts.rounds);
  const requests = Number(opts.requests);
  const concurrency = Number(opts.concurrency);
  const warmup = Number(opts.warmup);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new UsageError('--rounds must be an integer from 1 to 100');
  if (!Number.isInteger(requests) || requests < 100 || requests > 100_000) throw new UsageError('--requests must be an integer from 100 to 100000');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency must be an integer from 1 to 256');
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100_000) throw new UsageError('--warmup must be an integer from 0 to 100000');
  const resolved = git(['rev-parse', '--verify', '--quiet', `${opts.base}^{commit}`]);
  if (resolved.status !== 0) throw new UsageError(`--base ${opts.base} is not a commit of this repository (git rev-parse); give a commit, branch or tag`);
  const sha = resolved.stdout.trim();
  const subject = git(['log', '-1', '--format=%h %s', sha]).stdout.trim().replace(/^(.{70}).+/, '$1…');
  const head = git(['log', '-1', '--format=%h', 'HEAD']).stdout.trim();
  const dirty = git(['status', '--porcelain', '--untracked-files=no']).stdout.trim() !== '';
  const lockDiffers = git(['diff', '--quiet', sha, '--', 'package-lock.json']).status !== 0;

  const work = mkdtempSync(join(tmpdir(), 'vdb-gw-compare-'));
  let stack: Stack | null = readStack(stackDirOf(opts.dir));
  let tempStack: string | null = null;
  let placement: Placement | null = null;
  const started: Started[] = [];
  const sides: Side[] = [];
  let failure: unknown;
  try {
    if (!stack?.gateway) {
      tempStack = join(work, 'stack');
      console.error(`no running stack with a gateway: starting one in ${tempStack} (npm run stack -- up)`);
      await stackCli('up', tempStack);
      stack = readStack(tempStack);
      if (!stack?.gateway) throw new CommandError(`npm run stack -- up wrote no gateway in ${tempStack}/stack.json`);
    }
    const gw = stack.gateway;
    if (!gw) throw new CommandError('the stack has no gateway');
    // the benchmark's collection, as bench:gateway seeds it (the same points): the stand-in's one answer then has its 10 hits
    await seed(stack, 2000);
    const baseDir = join(work, 'base');
    worktree(sha, baseDir);
    placement = applyPlacement('split', [stack.qdrant.pid], [stack.redis.pid, process.pid]);
    const engine = await startInstantEngine(stack);
    started.push(engine);
    placement.pinToEngine(engine.child.pid ?? -1);
    for (const [name, checkout, db] of [['base', baseDir, 14], ['this', REPO_ROOT, 15]] as const) {
      const gateway = await startGatewayProcess(stack, engine.url, { checkout, redisDb: db });
      started.push(gateway);
      const pids: Record<Component, number> = { gateway: gateway.child.pid ?? -1, nginx: gw.nginx.pid, redis: stack.redis.pid, qdrant: engine.child.pid ?? -1 };
      sides.push({ name, loop: new ClosedLoop(gatewaySearch({ ...gw, url: gateway.url }), concurrency), pids, gatewayMs: 0, redisMs: 0, searches: 0, seconds: 0, perRound: [] });
    }
    const rand = prng((Date.now() ^ (process.pid << 16)) >>> 0);
    const queries = (n: number) => Array.from({ length: n }, () => randomVector(rand, DIM));
    for (const s of sides) await s.loop.run(null, queries(warmup), s.pids);
    const cpuAtStart = machineCpu();
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
        const phase = newPhase(s.name);
        await s.loop.run(phase, queries(requests), s.pids);
        if (phase.errors > 0) throw new CommandError(`${phase.errors} of ${phase.requests} searches of the ${s.name} gateway failed in round ${r + 1}`);
        s.gatewayMs += phase.cpuMs.gateway;
        s.redisMs += phase.cpuMs.redis;
        s.searches += phase.requests;
        s.seconds += phase.elapsedS;
        s.perRound.push(phase.cpuMs.gateway / phase.requests);
      }
    }
    const steal = stealPct(cpuAtStart, machineCpu());
    const [base, mine] = sides as [Side, Side];
    const per = (s: Side) => ({ gateway: s.gatewayMs / s.searches, redis: s.redisMs / s.searches, perS: s.searches / s.seconds });
    const b = per(base);
    const m = per(mine);
    const cheaper = mine.perRound.filter((x, i) => x < (base.perRound[i] as number)).length;
    const ratio = b.gateway > 0 ? m.gateway / b.gateway : Number.NaN;
    console.log([
      `gateway compare: base ${subject} vs this checkout (${head}${dirty ? ' with uncommitted changes' : ''}); ${concurrency} clients, ${rounds} rounds of ${requests} uncached searches per side, after ${warmup} warm-up searches, through a stand-in engine that answers at once`,
      `machine: ${cpus().length} cores; placement: ${placement.description}; the hypervisor took ${steal === null ? '?' : steal.toFixed(1)} % of the CPU meanwhile (steal)`,
      ...(lockDiffers ? ['note: the base\'s package-lock.json differs from this checkout\'s; both run with this checkout\'s dependencies (the workspace packages are each its own)'] : []),
      '',
      'round   base µs   this µs   (gateway CPU per uncached search)',
      ...base.perRound.map((x, i) => `${String(i + 1).padStart(5)}   ${us(x).padStart(7)}   ${us(mine.perRound[i] as number).padStart(7)}`),
      '',
      `base: ${b.perS.toFixed(0)} searches/s; CPU per search: gateway ${us(b.gateway)} µs, Redis ${us(b.redis)} µs`,
      `this: ${m.perS.toFixed(0)} searches/s; CPU per search: gateway ${us(m.gateway)} µs, Redis ${us(m.redis)} µs`,
      `this / base: gateway CPU per search ${times(m.gateway, b.gateway)}${Number.isFinite(ratio) ? ` (${ratio <= 1 ? '−' : '+'}${(Math.abs(1 - ratio) * 100).toFixed(1)} %)` : ''}, Redis ${times(m.redis, b.redis)}, searches/s ${times(m.perS, b.perS)}; this was the cheaper in ${cheaper} of ${rounds} rounds`,
    ].join('\n'));
  } catch (err) {
    failure = err;
  }
  for (const s of sides) s.loop.close();
  for (const c of started.reverse()) await stopChild(c.child);
  placement?.restore();
  if (tempStack) {
    try {
      await stackCli('down', tempStack);
    } catch (err) {
      if (failure === undefined) failure = err;
    }
  }
  git(['worktree', 'remove', '--force', join(work, 'base')]);
  git(['worktree', 'prune']);
  if (failure === undefined || !tempStack) rmSync(work, { recursive: true, force: true });
  else console.error(`the temporary stack's logs stay in ${join(tempStack, 'logs')}`);
  if (failure !== undefined) throw failure;
  return ExitCode.Ok;
});
