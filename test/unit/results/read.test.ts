/**
 * Inputs that must never break the suite (issue #14): whatever file a command that reads results
 * is given, it is read, or refused with one UserError of the usage code whose one line says what
 * the file is and what to do. The CLIs' side (one stderr line, the exit code, nothing written) is
 * test/integration/inputs/refused-inputs.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffBaseline } from '../../../src/report/baseline.ts';
import { asInput, readInputs } from '../../../src/report/inputs.ts';
import { readJson, readResults } from '../../../src/results/read.ts';
import { UserError } from '../../../src/util/errors.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { bench, deployment, healthyChecks, latencies, readiness } from '../reports/build.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vdb-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(content: string | object, name = `f${n++}.json`): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** The UserError `p` is refused with: usage exit code, one line. */
async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'accepted an input it must refuse').toBeInstanceOf(UserError);
  const u = err as UserError;
  expect(u.exitCode).toBe(ExitCode.Usage);
  expect(u.message).not.toContain('\n');
  expect(u.details).toEqual([]);
  return u.message;
}

const aBench = bench({ ms: latencies(500, 4), runId: '20261202-100000-bench-aaaa' });
const aReadiness = readiness(healthyChecks(), 'ci', '20261202-100000-readiness-aaaa');

describe('reading a results file of another version', () => {
  it('refuses a newer schema version, naming it and the newest this one reads', async () => {
    const f = await file({ ...aBench, schema: 'vdb-readiness/bench@3' });
    expect(await refusal(readResults(f))).toBe(`${f} was written by a newer vdb-readiness (schema vdb-readiness/bench@3); this one reads up to vdb-readiness/bench@2: upgrade vdb-readiness (git pull && npm ci) to read it`);
    const r = await file({ ...aReadiness, schema: 'vdb-readiness/readiness@7' });
    expect(await refusal(readResults(r))).toMatch(/newer vdb-readiness \(schema vdb-readiness\/readiness@7\); this one reads up to vdb-readiness\/readiness@2: upgrade/);
    // a kind of results this version has no schema for yet
    expect(await refusal(readResults(await file({ schema: 'vdb-readiness/k6@1', kind: 'k6' })))).toMatch(/newer vdb-readiness \(schema vdb-readiness\/k6@1, a kind of results \(k6\) this one does not read; known: .*\): upgrade/);
    // and through the report's reader
    expect(await refusal(readInputs(f))).toMatch(/newer vdb-readiness \(schema vdb-readiness\/bench@3\)/);
  });

  it('reads a file of the same version with fields it does not know (additive: the version stays), keeping them', async () => {
    const f = await file({ ...aBench, added_later: { x: 1 } });
    const r = (await readResults(f)) as typeof aBench & { added_later?: unknown };
    expect(r.run_id).toBe(aBench.run_id);
    expect(r.added_later).toEqual({ x: 1 });
  });

  it('refuses an older version it cannot upgrade, naming the version that wrote it', async () => {
    const f = await file({ ...aReadiness, schema: 'vdb-readiness/readiness@1' });
    expect(await refusal(readResults(f))).toMatch(new RegExp(`^${f} was written by an older vdb-readiness 0\\.1\\.0 \\(schema vdb-readiness/readiness@1\\), which this one no longer reads \\(known: .*readiness@2.*\\): run the readiness again with this version$`));
  });

  it('names the file and the field when a field the schema requires is missing', async () => {
    const { target: _t, ...noTarget } = aReadiness;
    const f = await file(noTarget);
    expect(await refusal(readResults(f))).toBe(`${f} is not a valid vdb-readiness/readiness@2 file: target: missing (vdb-readiness/readiness@2 requires it): written by another version of vdb-readiness (the file says 0.1.0) or edited by hand; run the readiness again`);
    const { k: _k, ...noK } = aBench;
    expect(await refusal(readInputs(await file(noK)))).toMatch(/is not a valid vdb-readiness\/bench@2 file: k: missing/);
  });
});

describe('reading what is not a complete JSON document', () => {
  it('says a file cut anywhere mid-document is not complete JSON, and where it stops', async () => {
    const text = JSON.stringify(aReadiness, null, 2);
    // every 97th cut point, through strings, numbers, escapes, keys and nesting
    for (let at = 1; at < text.length - 1; at += 97) {
      const cut = text.slice(0, at);
      const f = await file(cut, 'cut.json');
      expect(await refusal(readResults(f)), `cut after ${JSON.stringify(cut.slice(-12))}`).toBe(
        `${f} is not complete JSON (it stops after byte ${Buffer.byteLength(cut.trimEnd())}, in the middle of the document): a copy cut short or a full disk; copy it again, or re-run the run that wrote it`,
      );
    }
    expect(await refusal(readInputs(await file(text.slice(0, 500))))).toMatch(/is not complete JSON/);
  });

  it('says an HTML page saved as results.json is HTML', async () => {
    const f = await file('<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n');
    expect(await refusal(readResults(f))).toMatch(new RegExp(`^${f} is an HTML or XML page, not JSON \\(it starts with "<!DOCTYPE html>"\\)`));
    expect(await refusal(readInputs(f))).toMatch(/is an HTML or XML page, not JSON/);
  });

  it('says where other text stops being JSON', async () => {
    const f = await file('{\n  "schema": "vdb-readiness/bench@2",\n  "kind" "bench"\n}\n');
    // V8's words for what is wrong, where it is (line and column, and the byte: the string "bench" opens at byte 48)
    expect(await refusal(readResults(f))).toMatch(new RegExp(`^${f} is not JSON \\([^()]+ at line 3, column 10, byte 48\\): pass a run directory or its results\\.json`));
    expect(await refusal(readResults(await file('schema=bench\n')))).toMatch(/is not JSON \(Unexpected token 's'\)/);
    // V8 quotes the start of a longer text; the line keeps only its words
    expect(await refusal(readResults(await file('schema=bench, and a long line of notes after it\n')))).toMatch(/is not JSON \(Unexpected token 's'\): pass a run directory/);
  });

  it('says an empty file is empty', async () => {
    const f = await file('');
    expect(await refusal(readResults(f))).toMatch(new RegExp(`^${f} is empty \\(0 bytes\\)`));
    expect(await refusal(readInputs(await file(' \n\n')))).toMatch(/is empty \(3 bytes\)/);
  });

  it('reads a file saved with a byte-order mark', async () => {
    const f = await file(`\uFEFF${JSON.stringify(aBench)}`);
    expect((await readResults(f)).run_id).toBe(aBench.run_id);
    expect((await readJson(f)).json).toMatchObject({ kind: 'bench' });
  });
});

describe('reading a path that holds no results', () => {
  it('says a directory holds no results.json, and what it holds instead', async () => {
    const empty = join(dir, 'empty-run');
    await mkdir(empty);
    expect(await refusal(readResults(empty))).toBe(`no results file at ${join(empty, 'results.json')} (${empty} is empty): pass a run directory or its results.json (e.g. reports/out/latest, reports/out/latest-bench/results.json)`);
    expect(await refusal(readInputs(empty))).toMatch(/empty-run holds no results\.json or report\.json \(.*empty-run is empty\): pass run directories/);
    const k6 = join(dir, 'k6-run');
    await mkdir(k6);
    await writeFile(join(k6, 'k6.json'), '{"type":"Metric","data":{},"metric":"http_reqs"}\n');
    expect(await refusal(readResults(k6))).toBe(`no results file at ${join(k6, 'results.json')}, only k6's output: import it first with npm run bench -- import-k6 ${join(k6, 'k6.json')}`);
    const rep = join(dir, 'report-dir');
    await mkdir(rep);
    await writeFile(join(rep, 'report.json'), '{}');
    expect(await refusal(readResults(rep))).toMatch(/^no results file at .*report-dir\/results\.json, only a combined report \(report\.json\): pass one of the runs/);
    expect(await refusal(readResults(join(dir, 'no-such-run')))).toMatch(/^no results file at .*no-such-run: pass a run directory/);
    expect(await refusal(readInputs(join(dir, 'no-such-run')))).toMatch(/^no such file or directory: .*no-such-run: pass run directories/);
  });
});

describe('reading a file of another kind', () => {
  it('refuses a deployment record, a report.json, k6 output and a k6 summary as a run\'s results, saying what each is', async () => {
    const dep = await file(deployment());
    expect(await refusal(readResults(dep))).toMatch(/is a deployment record, not a run's results: pass a readiness or bench run .*; deployment records go to npm run report$/);
    expect((await readInputs(dep))[0]!.kind).toBe('deployment');
    const report = await file({ schema: 'vdb-readiness/report@1', runs: [] });
    expect(await refusal(readResults(report))).toMatch(/is a combined report \(vdb-readiness\/report@1\), not one run's results/);
    const k6out = await file('{"type":"Metric","data":{"type":"trend"},"metric":"http_req_duration"}\n{"type":"Point","data":{"time":"2026-12-02T10:00:00Z","value":1.5,"tags":{}},"metric":"http_req_duration"}\n');
    expect(await refusal(readResults(k6out))).toBe(`${k6out} is k6's JSON output (one metric a line), not a results file: import it first with npm run bench -- import-k6 ${k6out}`);
    expect(await refusal(readInputs(k6out))).toMatch(/is k6's JSON output/);
    const summary = await file({ root_group: { name: '', checks: [] }, options: {}, state: { testRunDurationMs: 1000 }, metrics: { http_reqs: { type: 'counter', values: { count: 1 } } } });
    expect(await refusal(readResults(summary))).toMatch(/is k6's own end-of-test summary, not a results file: run k6 through npm run k6, or import its JSON output/);
    const junit = await file('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites/>\n');
    expect(await refusal(readResults(junit))).toMatch(/is an HTML or XML page, not JSON \(it starts with "<\?xml/);
    expect(await refusal(readResults(await file({ hello: 'world' })))).toMatch(/is not a vdb-readiness results file \(schema missing; known: /);
    expect(await refusal(readInputs(await file([1, 2])))).toMatch(/is neither a results file, a deployment record nor a report\.json/);
  });

  it('refuses a newer report.json and a report.json whose run is of a newer schema', async () => {
    expect(await refusal(readInputs(await file({ schema: 'vdb-readiness/report@2', runs: [] })))).toMatch(/newer vdb-readiness \(schema vdb-readiness\/report@2\); this one reads up to vdb-readiness\/report@1/);
    const f = await file({ schema: 'vdb-readiness/report@1', runs: [{ kind: 'bench', path: 'r/results.json', sha256: '', results: { ...aBench, schema: 'vdb-readiness/bench@9' } }, null] });
    expect(await refusal(readInputs(f))).toMatch(new RegExp(`^${f} \\(its run r/results\\.json\\) was written by a newer vdb-readiness \\(schema vdb-readiness/bench@9\\)`));
    const g = await file({ schema: 'vdb-readiness/report@1', runs: [null] });
    expect(await refusal(readInputs(g))).toMatch(/a run in it is not valid/);
  });
});

describe('a baseline of another kind or dataset', () => {
  it('compares no figure of a bench run with a baseline of another dataset, so no regression, and says why in one line', () => {
    // 80 ms slower: compared, this would be a p95 regression
    const other = bench({ ms: latencies(500, 4, 80), runId: 'other', dataset: 'smoke-hard' });
    const diff = diffBaseline([asInput(other, 'o')], [asInput(aBench, 'b')]);
    expect(diff.comparable).toBe(false);
    expect(diff.figures).toEqual([]);
    expect(diff.gates).toEqual([]);
    expect(diff.regressions).toEqual([]);
    expect(diff.comparability).toMatch(/^not comparable because dataset \(collection=dataset:weight\) differs \(smoke=smoke:1 → smoke-hard=smoke-hard:1\): another workload, so no figure of bench open loop 100\/s was compared$/);
    // the same run of the baseline's dataset does flag it (the check above can fail)
    const slow = bench({ ms: latencies(500, 4, 80), runId: 'slow' });
    expect(diffBaseline([asInput(slow, 's')], [asInput(aBench, 'b')]).regressions.join()).toContain('search p95');
  });

  it('says a readiness run with a bench baseline (and the other way round) has nothing to compare with', () => {
    const diff = diffBaseline([asInput(aReadiness, 'r')], [asInput(aBench, 'b')]);
    expect(diff.comparable).toBe(false);
    expect(diff.regressions).toEqual([]);
    expect(diff.comparability).toBe(`not comparable because no run has a baseline run of its kind and shape; not compared: readiness ${aReadiness.run_id}: no baseline readiness run (the baseline holds bench open loop 100/s)`);
    const back = diffBaseline([asInput(aBench, 'b')], [asInput(aReadiness, 'r')]);
    expect(back.comparability).toBe(`not comparable because no run has a baseline run of its kind and shape; not compared: bench open loop 100/s (${aBench.run_id}): no baseline bench run (the baseline holds readiness)`);
  });
});
