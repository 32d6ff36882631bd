/**
 * `npm run fuzz`: property-based requests at the gateway (from its own `GET /openapi.json`) and at
 * Qdrant's REST API (a document generated from qdrant-client, restricted to a scratch collection),
 * driven by schemathesis within a time budget split between them, one after the other (the
 * machine's cores go to the servers). Each answer is judged by schemathesis's checks and by the
 * suite's leak checks; each API's health is probed afterwards. The run is a run of the suite:
 * reports/out/<run-id>/results.json (`fuzz@1`), junit.xml, report.html, and every failing case
 * in cases/<n>.json for `--replay`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFiles } from '../../reports/render/index.ts';
import { assertPreflight, externalNames } from '../preflight/index.ts';
import type { FuzzApi, FuzzApiResult, FuzzFailure, FuzzOperation, FuzzResults } from '../results/fuzz.ts';
import { FUZZ_SCHEMA } from '../results/fuzz.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore, writeAtomic } from '../results/store.ts';
import { assertLoadAllowed, resolveTarget } from '../targets/index.ts';
import type { Target, TargetKind } from '../targets/index.ts';
import { errorMessage, UserError } from '../util/errors.ts';
import { REPO_ROOT, reportsOutDir } from '../util/paths.ts';
import { makeRedactor, redactUrl } from '../util/redact.ts';
import { suiteVersion } from '../util/version.ts';
import { collectEvents, LEAK_CHECK } from './collect.ts';
import { failure, send } from './http.ts';
import { healthAfter } from './health.ts';
import { createScratch, deleteScratch, scratchName } from './scratch.ts';
import { GATEWAY_EXEMPTIONS, QDRANT_EXEMPTIONS, QDRANT_OFF, runSchemathesis, SCHEMATHESIS_CHECKS } from './schemathesis.ts';
import type { Exemption } from './schemathesis.ts';
import { ensureFuzzVenv } from './venv.ts';
import type { FuzzVenv } from './venv.ts';

/** At most this many failing cases are saved as files (all are counted)… */
export const MAX_SAVED_CASES = 500;
/** …and at most this many of one kind (one operation, the same checks failed), so one flood does not crowd out the rest. */
export const MAX_SAVED_PER_KIND = 20;
/** At most this many failures are listed in results.json (all are counted). */
export const MAX_LISTED_FAILURES = 2000;

/** The gateway's write operations: fuzzed only with `--allow-writes` (they would change the model collections). */
export const GATEWAY_WRITES = ['POST /api/v1/vectors/upsert', 'POST /api/v1/vectors/delete', 'DELETE /api/v1/vectors/{collection}/{id}'];

const QDRANT_SPEC_SCRIPT = join(REPO_ROOT, 'src', 'fuzz', 'qdrant_spec.py');
const QDRANT_NOT_IN_DOCUMENT = 'collection, alias, snapshot, shard, cluster and lock operations: not in the document (they change Qdrant beyond the scratch collection)';

export interface FuzzOptions {
  target: TargetKind;
  apis: FuzzApi[];
  budgetS: number;
  seed?: number;
  outRoot?: string;
  keep?: boolean;
  allowWrites: boolean;
  allowRemoteLoad: boolean;
  /** `--operation`: only these `METHOD /path` operations (of whichever API has them). */
  only?: string[];
  command: string;
  log: (line: string) => void;
  /** Extra `st run` options (tests). */
  extraStArgs?: string[];
}

export interface FuzzOutcome {
  results: FuzzResults;
  runDir: string;
}

const gatewayAuth = (t: Target): Record<string, string> => (t.gateway?.apiKey ? { 'x-api-key': t.gateway.apiKey } : {});
const qdrantAuth = (t: Target): Record<string, string> => (t.qdrant?.apiKey ? { 'api-key': t.qdrant.apiKey } : {});

/** Every secret of the target: what no answer may echo and no file may hold. */
export function targetSecrets(t: Pick<Target, 'gateway' | 'qdrant' | 'redis'>): string[] {
  const out = [t.gateway?.apiKey, ...Object.values(t.gateway?.keys ?? {}), t.qdrant?.apiKey];
  if (t.redis?.url) {
    try {
      const u = new URL(t.redis.url);
      if (u.password) out.push(decodeURIComponent(u.password));
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length >= 6);
}

/** The external target's preflight: the gateway and Qdrant each proven (where given and asked for), before anything is sent. */
export async function preflightFuzz(apis: FuzzApi[], allowRemoteLoad: boolean, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { resolveExternalTarget } = await import('../targets/external.ts');
  const ext = resolveExternalTarget(env);
  const t = { ...(apis.includes('gateway') && ext.gateway ? { gateway: ext.gateway } : {}), ...(apis.includes('qdrant') && ext.qdrant ? { qdrant: ext.qdrant } : {}) };
  for (const url of [t.gateway?.url, t.qdrant?.url]) if (url) assertLoadAllowed(url, { allowRemoteLoad });
  const onlyQdrant = apis.length === 1 && apis[0] === 'qdrant';
  await assertPreflight(t, { needs: { ...(apis.includes('gateway') ? { gateway: onlyQdrant ? 'if-given' : 'required' } : {}), ...(apis.includes('qdrant') ? { qdrant: onlyQdrant ? 'required' : 'if-given' } : {}) }, names: externalNames(env) });
}

function opNames(spec: unknown): string[] {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).filter((m) => methods.has(m)).map((m) => `${m.toUpperCase()} ${p}`));
}

/** `--operation`: every other operation of the document excluded (an API with none of them is fuzzed not at all). */
function narrow(p: Prepared, only: string[]): void {
  const keep = p.names.filter((n) => only.includes(n) && !p.exclude.includes(n));
  if (keep.length === 0) throw new UserError(`none of --operation ${only.join(', ')} is in this API's document (it has: ${p.names.join(', ')})`);
  const others = p.names.filter((n) => !keep.includes(n) && !p.exclude.includes(n));
  p.exclude.push(...others);
  p.excluded.push(`${others.length} other operation(s): --operation`);
  p.operations = keep.length;
}

/** The name of the document's apiKey security scheme in the header `header`. */
function apiKeyScheme(doc: unknown, header: string): string | undefined {
  const schemes = (doc as { components?: { securitySchemes?: Record<string, { type?: string; in?: string; name?: string }> } }).components?.securitySchemes ?? {};
  return Object.entries(schemes).find(([, s]) => s.type === 'apiKey' && s.in === 'header' && s.name?.toLowerCase() === header)?.[0];
}

function runPython(python: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => resolve({ code: null, out: err.message }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

interface Prepared {
  spec: string;
  specLabel: string;
  exclude: string[];
  excluded: string[];
  operations: number;
  scratch?: string;
  /** The document's security scheme that carries the API key. */
  authScheme?: string;
  exemptions: Exemption[];
  /** Checks off for the whole API. */
  off?: ReadonlyArray<(typeof SCHEMATHESIS_CHECKS)[number]>;
  names: string[];
}

async function prepareGateway(t: Target, workDir: string, allowWrites: boolean): Promise<Prepared> {
  const url = t.gateway!.url;
  let a;
  try {
    a = await send(`${url}/openapi.json`, { method: 'GET', headers: gatewayAuth(t), timeoutMs: 15_000 });
  } catch (err) {
    throw new UserError(`the gateway's OpenAPI document could not be read (GET /openapi.json: ${failure(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(a.body);
  } catch {
    doc = undefined;
  }
  if (a.status !== 200 || !doc || typeof doc !== 'object' || !('paths' in doc)) throw new UserError(`the gateway serves no OpenAPI document at GET /openapi.json (${a.status}): the fuzzer generates its requests from it`);
  const spec = join(workDir, 'gateway-openapi.json');
  writeFileSync(spec, a.body);
  const names = opNames(doc);
  const exclude = allowWrites ? [] : GATEWAY_WRITES.filter((w) => names.includes(w));
  return {
    spec,
    specLabel: `the gateway's own GET /openapi.json (OpenAPI ${(doc as { openapi?: string }).openapi ?? '?'})`,
    exclude,
    excluded: [...exclude.map((w) => `${w}: writes to the model collections (--allow-writes to fuzz it)`), ...GATEWAY_EXEMPTIONS.map((e) => `${e.check} on ${e.path}: ${e.why}`)],
    exemptions: GATEWAY_EXEMPTIONS,
    names,
    operations: names.length - exclude.length,
    authScheme: apiKeyScheme(doc, 'x-api-key'),
  };
}

async function prepareQdrant(t: Target, venv: FuzzVenv, workDir: string, runId: string): Promise<Prepared> {
  const scratch = scratchName(runId);
  const spec = join(workDir, 'qdrant-openapi.json');
  const made = await runPython(venv.python, [QDRANT_SPEC_SCRIPT, '--collection', scratch, '--out', spec, '--writes']);
  if (made.code !== 0) throw new UserError(`the Qdrant REST document could not be generated from qdrant-client (src/fuzz/qdrant_spec.py: ${made.out.trim().split('\n').pop() ?? 'failed'})`);
  await createScratch(t.qdrant!.url, qdrantAuth(t), scratch);
  const doc = JSON.parse(readFileSync(spec, 'utf8')) as { info?: { version?: string } };
  return {
    spec,
    specLabel: `generated from qdrant-client ${doc.info?.version ?? '?'}'s API layer (src/fuzz/qdrant_spec.py): reads, and point writes in the scratch collection`,
    exclude: [],
    excluded: [QDRANT_NOT_IN_DOCUMENT, `${QDRANT_OFF.check} on every operation: ${QDRANT_OFF.why}`, ...QDRANT_EXEMPTIONS.map((e) => `${e.check} on ${e.path}: ${e.why}`)],
    exemptions: QDRANT_EXEMPTIONS,
    off: [QDRANT_OFF.check],
    names: opNames(doc),
    operations: opNames(doc).length,
    scratch,
    authScheme: apiKeyScheme(doc, 'api-key'),
  };
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzOutcome> {
  const t0 = performance.now();
  const venv = await ensureFuzzVenv(o.log);
  if (o.target === 'external') await preflightFuzz(o.apis, o.allowRemoteLoad);
  const target = await resolveTarget({ kind: o.target, keep: o.keep, log: (l) => o.log(`  ${l}`) });
  try {
    const apis = o.apis.filter((api) => (api === 'gateway' ? target.gateway : target.qdrant));
    if (apis.length === 0) throw new UserError(`the ${o.target} target has none of the APIs asked for (${o.apis.join(', ')}): set VDB_GATEWAY_URL or VDB_QDRANT_URL, or use --target local`);
    for (const api of o.apis.filter((a) => !apis.includes(a))) o.log(`${api}: not fuzzed (the ${o.target} target has no ${api === 'qdrant' ? 'Qdrant URL: set VDB_QDRANT_URL' : 'gateway URL: set VDB_GATEWAY_URL'})`);
    for (const api of apis) assertLoadAllowed(api === 'gateway' ? target.gateway!.url : target.qdrant!.url, { allowRemoteLoad: o.allowRemoteLoad });
    const secrets = targetSecrets(target);
    const redact = makeRedactor(secrets);
    const runId = newRunId('fuzz');
    const store = await ResultsStore.create(runId, o.outRoot ?? reportsOutDir());
    const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
    const share = o.budgetS / apis.length;
    const results: FuzzResults = {
      schema: FUZZ_SCHEMA,
      kind: 'fuzz',
      run_id: runId,
      state: 'running',
      started_at: new Date().toISOString(),
      gates: { profile: 'none', label: 'a fuzz run is judged by its checks, not by gates', results: [] },
      pass: false,
      reasons: [],
      run: {
        command: redact(o.command),
        suite_version: suiteVersion(),
        node: process.version,
        host: hostname(),
        options: { target: o.target, apis, budget_s: o.budgetS, seed, allow_writes: o.allowWrites },
      },
      fuzzer: { name: 'schemathesis', version: '?', checks: [...SCHEMATHESIS_CHECKS, LEAK_CHECK] },
      target: {
        kind: o.target,
        ...(target.gateway ? { gateway_url: redactUrl(target.gateway.url) } : {}),
        ...(target.qdrant ? { qdrant_url: redactUrl(target.qdrant.url) } : {}),
      },
      summary: { cases: 0, operations: 0, failures: 0, server_errors: 0, leaks: 0, saved_cases: 0 },
      apis: [],
      operations: [],
      failures: [],
    };
    await store.save(results);
    o.log(`fuzz run ${runId}: ${apis.join(' and ')} for ${o.budgetS} s (${Math.round(share)} s each), seed ${seed} → ${store.runDir}`);
    let saved = 0;
    const perKind = new Map<string, number>();
    for (const api of apis) {
      const baseUrl = api === 'gateway' ? target.gateway!.url : target.qdrant!.url;
      const auth = api === 'gateway' ? gatewayAuth(target) : qdrantAuth(target);
      const workDir = mkdtempSync(join(tmpdir(), 'vdb-fuzz-'));
      chmodSync(workDir, 0o700);
      const entry: FuzzApiResult = { api, base_url: redactUrl(baseUrl), spec: '', budget_s: Math.round(share), duration_ms: 0, cases: 0, operations: 0, excluded: [], fuzzer_exit_code: null, healthy_after: false, health: '' };
      let prepared: Prepared | undefined;
      try {
        prepared = api === 'gateway' ? await prepareGateway(target, workDir, o.allowWrites) : await prepareQdrant(target, venv, workDir, runId);
        if (o.only?.length) narrow(prepared, o.only);
        Object.assign(entry, { spec: prepared.spec && prepared.specLabel, operations: prepared.operations, excluded: prepared.excluded, ...(prepared.scratch ? { scratch_collection: prepared.scratch } : {}) });
        o.log(`  ${api}: ${prepared.operations} operations from ${prepared.specLabel}, ${Math.round(share)} s…`);
        const value = Object.values(auth)[0];
        const st = await runSchemathesis({ venv, workDir, spec: prepared.spec, baseUrl, budgetS: share, seed, exclude: prepared.exclude, secrets, exemptions: prepared.exemptions, ...(prepared.off ? { off: prepared.off } : {}), ...(value && prepared.authScheme ? { auth: { scheme: prepared.authScheme, value } } : {}), ...(o.extraStArgs ? { extraArgs: o.extraStArgs } : {}) });
        entry.duration_ms = st.durationMs;
        entry.fuzzer_exit_code = st.exitCode;
        const got = await collectEvents(st.events, { api, baseUrl, runId, secrets, operations: prepared.names }).catch(() => undefined);
        if (!got || got.cases === 0) {
          entry.error = `schemathesis sent no request (exit ${st.exitCode ?? 'stopped'}): ${st.tail.slice(-3).join(' / ') || 'no output'}`;
        } else {
          if (got.version) results.fuzzer.version = got.version;
          entry.cases = got.cases;
          results.operations.push(...got.operations);
          mkdirSync(join(store.runDir, 'cases'), { recursive: true });
          const files: Array<string | undefined> = [];
          for (const c of got.failing) {
            const kind = `${c.api} ${c.operation} ${c.failed.map((f) => f.check).sort().join(',')}`;
            perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
            if (saved >= MAX_SAVED_CASES || perKind.get(kind)! > MAX_SAVED_PER_KIND) {
              files.push(undefined);
              continue;
            }
            saved += 1;
            const rel = `cases/${saved}.json`;
            await writeAtomic(join(store.runDir, rel), `${JSON.stringify(c, null, 2)}\n`);
            files.push(rel);
          }
          for (const { caseIndex, ...f } of got.failures) {
            if (results.failures.length >= MAX_LISTED_FAILURES) break;
            const file = files[caseIndex];
            results.failures.push({ ...f, ...(file ? { case_file: file } : {}) } satisfies FuzzFailure);
          }
          results.summary.failures += got.failing.length;
          if (st.exitCode !== 0 && st.exitCode !== 1) entry.error = `schemathesis ended with exit code ${st.exitCode ?? '(stopped)'}: ${st.tail.slice(-2).join(' / ')}`;
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        entry.error = redact(errorMessage(err));
      } finally {
        const health = await healthAfter(api, baseUrl, auth);
        entry.healthy_after = health.ok;
        entry.health = health.detail;
        if (prepared?.scratch) {
          const left = await deleteScratch(baseUrl, auth, prepared.scratch);
          if (left) entry.error = [entry.error, left].filter(Boolean).join('; ');
        }
        rmSync(workDir, { recursive: true, force: true });
      }
      results.apis.push(entry);
      tally(results, saved);
      await store.save(results);
      o.log(`  ${api}: ${entry.cases} cases, ${results.failures.filter((f) => f.api === api).length} failures listed · ${entry.health}${entry.error ? ` · ${entry.error}` : ''}`);
    }
    results.state = 'complete';
    results.finished_at = new Date().toISOString();
    results.wall_time_ms = Math.round(performance.now() - t0);
    judge(results);
    await store.save(results);
    for (const [name, content] of Object.entries(runFiles(results))) await store.writeFile(name, content);
    return { results, runDir: store.runDir };
  } finally {
    await target.release();
  }
}

function tally(r: FuzzResults, saved: number): void {
  const ops: FuzzOperation[] = r.operations;
  r.summary = {
    cases: r.apis.reduce((s, a) => s + a.cases, 0),
    operations: ops.length,
    failures: r.summary.failures,
    server_errors: ops.reduce((s, o) => s + o.server_errors, 0),
    leaks: ops.reduce((s, o) => s + o.leaks, 0),
    saved_cases: saved,
  };
}

/** pass, and the reasons when not. */
export function judge(r: FuzzResults): void {
  const reasons: string[] = [];
  for (const a of r.apis) {
    if (a.error) reasons.push(`${a.api}: ${a.error}`);
    if (!a.healthy_after) reasons.push(`${a.api} is not healthy after fuzzing (${a.health})`);
  }
  if (r.summary.server_errors > 0) reasons.push(`${r.summary.server_errors} answer(s) with a 5xx status`);
  if (r.summary.leaks > 0) reasons.push(`${r.summary.leaks} answer(s) leaked internals or a secret`);
  const other = r.summary.failures;
  if (other > 0) reasons.push(`${other} failing case(s) in all (${[...new Set(r.failures.map((f) => f.check))].join(', ')}); each saved under cases/ replays with --replay`);
  if (r.summary.cases === 0) reasons.push('no request was sent');
  r.reasons = reasons;
  r.pass = reasons.length === 0;
}
