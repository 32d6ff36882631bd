/**
 * Inputs that must never break the suite (issue #14), through the CLIs as a person runs them:
 * `npm run gate` and `npm run report` given a results file of a newer or older schema, a cut-off
 * copy, an HTML page, an empty file, a directory without results, a file of another kind, or a
 * baseline of another dataset or kind. Each refusal is one stderr line (no stack trace) with the
 * usage exit code, and leaves nothing written. The files are made from real bench runs (the
 * built-in driver against the stub server), damaged the way copies and hand edits damage them.
 */
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer } from '../../../src/bench/stub-server/spawn.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';
import type { CommandResult } from '../../helpers/run-command.ts';
import { deployment, healthyChecks, readiness } from '../../unit/reports/build.ts';

let tmp: string;
let runs: string;
/** results.json of real bench runs: smoke at 5 ms, smoke at 85 ms, smoke-hard at 85 ms. */
let fast: string;
let slow: string;
let otherDataset: string;
let text: string;

async function benchRun(dataset: string, ms: number): Promise<string> {
  await using server = await startStubServer({ delay: { kind: 'fixed', ms } });
  const r = await runSuiteCli('bench.ts', ['--url', server.url, '--dataset', dataset, '--mode', 'open', '--rate', '100', '--duration', '2', '--warmup', '0', '--profile', 'ci', '--out', runs]);
  // the stub's ids are not the planted neighbours, so recall fails its gate (exit 1): the run is written all the same
  expect(r.code, r.stderr).toBe(ExitCode.Failed);
  return join(runs, await readlink(join(runs, 'latest-bench')), 'results.json');
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vdb-inputs-'));
  runs = join(tmp, 'runs');
  fast = await benchRun('smoke', 5);
  slow = await benchRun('smoke', 85);
  otherDataset = await benchRun('smoke-hard', 85);
  text = await readFile(fast, 'utf8');
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function put(name: string, content: string): Promise<string> {
  const path = join(tmp, 'inputs', name);
  await mkdir(join(tmp, 'inputs'), { recursive: true });
  await writeFile(path, content);
  return path;
}

const withField = (over: Record<string, unknown>, drop: string[] = []): string => {
  const o = { ...(JSON.parse(text) as Record<string, unknown>), ...over };
  for (const k of drop) delete o[k];
  return JSON.stringify(o, null, 2);
};

/** Each bad input: how it is made, and the one line both CLIs must print (after `error: <file> `). */
const CASES: Array<{ name: string; make: () => Promise<string>; line: RegExp }> = [
  {
    name: 'a newer schema version',
    make: () => put('newer.json', withField({ schema: 'vdb-readiness/bench@3', latency_ms_v3: { p95: 1 } })),
    line: /was written by a newer vdb-readiness \(schema vdb-readiness\/bench@3\); this one reads up to vdb-readiness\/bench@2: upgrade vdb-readiness \(git pull && npm ci\) to read it$/,
  },
  {
    name: 'an older file missing a field the schema requires',
    make: () => put('older.json', withField({}, ['throughput_rps'])),
    line: /is not a valid vdb-readiness\/bench@2 file: throughput_rps: missing \(vdb-readiness\/bench@2 requires it\): written by another version of vdb-readiness or edited by hand; run the bench again$/,
  },
  {
    name: 'an older schema version it no longer reads',
    make: () => put('readiness-v1.json', JSON.stringify({ ...readiness(healthyChecks()), schema: 'vdb-readiness/readiness@1' })),
    line: /was written by an older vdb-readiness 0\.1\.0 \(schema vdb-readiness\/readiness@1\), which this one no longer reads \(known: [^)]*\): run the readiness again with this version$/,
  },
  {
    name: 'a copy cut off mid-JSON',
    make: () => put('truncated.json', text.slice(0, Math.floor(text.length / 2))),
    line: /is not complete JSON \(it stops after byte \d+, in the middle of the document\): a copy cut short or a full disk; copy it again, or re-run the run that wrote it$/,
  },
  {
    name: 'an HTML page saved as results.json',
    make: () => put('page.json', '<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n'),
    line: /is an HTML or XML page, not JSON \(it starts with "<!DOCTYPE html>"\): a page saved in its place, e\.g\. a report or a proxy's error page; pass /,
  },
  {
    name: 'not JSON at all',
    make: () => put('notes.json', 'p95 was fine, ship it\n'),
    line: /is not JSON \(Unexpected token 'p'\): pass /,
  },
  { name: 'an empty file', make: () => put('empty.json', ''), line: /is empty \(0 bytes\): the copy failed or the file was made by hand; pass / },
  {
    name: 'a directory with no results.json',
    make: async () => {
      const d = join(tmp, 'inputs', 'empty-run');
      await mkdir(d, { recursive: true });
      return d;
    },
    // gate: `no results file at <dir>/results.json (<dir> is empty)`; report: `<dir> holds no results.json or report.json (<dir> is empty)`
    line: /(empty-run\/results\.json|empty-run holds no results\.json or report\.json) \(\S+empty-run is empty\): pass /,
  },
  {
    name: 'k6\'s JSON output',
    make: () => put('k6.json', '{"type":"Metric","data":{"type":"trend","contains":"time"},"metric":"http_req_duration"}\n{"type":"Point","data":{"time":"2026-12-02T10:00:00Z","value":3.2,"tags":{}},"metric":"http_req_duration"}\n'),
    line: /is k6's JSON output \(one metric a line\), not a results file: import it first with npm run bench -- import-k6 .*k6\.json$/,
  },
  {
    name: 'k6\'s own end-of-test summary',
    make: () => put('summary.json', JSON.stringify({ root_group: { name: '', checks: [] }, options: {}, state: { testRunDurationMs: 2000 }, metrics: { http_reqs: { type: 'counter', values: { count: 200 } } } })),
    line: /is k6's own end-of-test summary, not a results file: run k6 through npm run k6, or import its JSON output/,
  },
];

/** One line on stderr, `error: <file> …`, no stack trace; nothing on stdout. */
function expectOneLine(r: CommandResult, line: RegExp): void {
  expect(r.code, r.stderr).toBe(ExitCode.Usage);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

describe('npm run gate and npm run report refuse what they cannot read, in one line', () => {
  for (const c of CASES) {
    it(`${c.name}: one line, exit 2, nothing written`, async () => {
      const input = await c.make();
      const out = join(tmp, 'out', c.name.replace(/\W+/g, '-'));
      const g = await runSuiteCli('gate.ts', [input, '--junit', join(out, 'junit.xml')]);
      expectOneLine(g, c.line);
      // the report with the bad file as a run, then as the baseline of a good run; its default
      // place (VDB_REPORTS_DIR) and --out both stay empty
      const env = { VDB_REPORTS_DIR: join(out, 'reports') };
      expectOneLine(await runSuiteCli('report.ts', [input], env), c.line);
      expectOneLine(await runSuiteCli('report.ts', [fast, '--baseline', input, '--out', join(out, 'report.html')], env), c.line);
      expect(existsSync(out), `${out} was written: ${existsSync(out) ? (await readdir(out)).join(', ') : ''}`).toBe(false);
    });
  }

  it('a deployment record or a report.json given to gate is named for what it is', async () => {
    const dep = await put('deploy.json', JSON.stringify(deployment()));
    expectOneLine(await runSuiteCli('gate.ts', [dep]), /is a deployment record, not a run's results: pass a readiness or bench run .*; deployment records go to npm run report$/);
    const html = join(tmp, 'out', 'made', 'report.html');
    const made = await runSuiteCli('report.ts', [fast, dep, '--out', html]);
    expect(made.stderr).toBe('');
    expectOneLine(await runSuiteCli('gate.ts', [join(tmp, 'out', 'made', 'report.json')]), /is a combined report \(vdb-readiness\/report@1\), not one run's results: pass one of the runs it was made from/);
  });

  it('the same file undamaged is read by both (the refusals above come from the damage)', async () => {
    const copy = await put('good.json', text);
    const g = await runSuiteCli('gate.ts', [copy]);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(ExitCode.Failed); // the stub's answers fail the recall gate
    const r = await runSuiteCli('report.ts', [copy, '--out', join(tmp, 'out', 'good', 'report.html')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^NO-GO/);
    // unknown fields at the same version are additive: read
    const more = await put('more.json', withField({ written_by_a_later_minor: true }));
    expect((await runSuiteCli('gate.ts', [more])).stderr).toBe('');
  });
});

describe('npm run report with a baseline of another dataset or kind', () => {
  it('says the runs are not comparable in one line and computes no regression', async () => {
    const html = join(tmp, 'out', 'other-dataset', 'report.html');
    const r = await runSuiteCli('report.ts', [otherDataset, '--baseline', fast, '--out', html]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.Failed); // NO-GO by its own recall gate, not by a regression
    const baseline = r.stdout.split('\n').filter((l) => l.includes('baseline:'));
    expect(baseline).toEqual([
      '  baseline: not comparable because dataset (collection=dataset:weight) differs (smoke=smoke:1 → smoke-hard=smoke-hard:1): another workload, so no figure of bench open loop 100/s was compared; 0 regression(s)',
    ]);
    expect(r.stdout).not.toContain('regression against the baseline');
    const model = JSON.parse(await readFile(join(tmp, 'out', 'other-dataset', 'report.json'), 'utf8')) as { diff: { comparable: boolean; figures: unknown[]; regressions: string[] } };
    expect(model.diff).toMatchObject({ comparable: false, figures: [], regressions: [] });
    expect(await readFile(html, 'utf8')).toContain('not comparable because');
  });

  it('the same slower run of the baseline\'s dataset is a regression (the check above can fail)', async () => {
    const r = await runSuiteCli('report.ts', [slow, '--baseline', fast, '--out', join(tmp, 'out', 'same-dataset', 'report.html')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/regression against the baseline: bench open loop 100\/s: search p95 \+\d+/);
  });

  it('a readiness run with a bench baseline: nothing to compare, said in one line', async () => {
    const run = await put('readiness.json', JSON.stringify(readiness(healthyChecks())));
    const r = await runSuiteCli('report.ts', [run, '--baseline', fast, '--out', join(tmp, 'out', 'kinds', 'report.html')]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => l.includes('baseline:'))).toEqual([
      expect.stringMatching(/^ {2}baseline: not comparable because no run has a baseline run of its kind and shape; not compared: readiness \S+: no baseline readiness run \(the baseline holds bench open loop 100\/s\); 0 regression\(s\)$/),
    ]);
  });
});
