/**
 * `npm run bench:gateway:compare` end to end, small: this checkout against its own HEAD, on a
 * temporary stack; every process, the worktree and the temporary directory gone afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../figures/lib/stack.ts';
import { runCommand } from '../helpers/run-command.ts';

const empty = mkdtempSync(join(tmpdir(), 'vdb-compare-test-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const compare = (args: string[]) => runCommand(['npx', 'tsx', 'sut/gateway/figures/compare.ts', ...args], { VDB_STACK_DIR: empty });

const worktrees = () => spawnSync('git', ['worktree', 'list', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout;
const leftovers = () => readdirSync(tmpdir()).filter((d) => d.startsWith('vdb-gw-compare-'));

describe('npm run bench:gateway:compare', () => {
  it('measures this checkout against a commit round by round, and leaves nothing behind', async () => {
    const [trees, dirs] = [worktrees(), leftovers()];
    const r = await compare(['--base', 'HEAD', '--rounds', '2', '--requests', '600', '--warmup', '300', '--concurrency', '4']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/^gateway compare: base [0-9a-f]{7,} .* vs this checkout \([0-9a-f]{7,}/m);
    const rows = [...r.stdout.matchAll(/^ +(\d+) +(\d+\.\d) +(\d+\.\d)$/gm)];
    expect(rows.map((m) => m[1])).toEqual(['1', '2']);
    for (const m of rows) for (const x of [m[2], m[3]]) expect(Number(x)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^this \/ base: gateway CPU per search ×\d\.\d{3} \([−+]\d+\.\d %\), Redis (×\d\.\d{3}|n\/a), searches\/s ×\d\.\d{3}; this was the cheaper in [0-2] of 2 rounds$/m);
    expect(worktrees()).toBe(trees);
    expect(leftovers()).toEqual(dirs);
    expect(spawnSync('pgrep', ['-f', 'figures/lib/instant-engine.ts']).stdout.toString()).toBe('');
  }, 300_000);

  it('refuses a base that is not a commit in one line, exit 2, before starting anything', async () => {
    const r = await compare(['--base', 'no-such-ref-0123']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: --base no-such-ref-0123 is not a commit of this repository (git rev-parse); give a commit, branch or tag');
  });
});
