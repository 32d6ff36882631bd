/**
 * One schemathesis run (`st run`) against one API: its OpenAPI document, a time budget, a seed,
 * the checks, the API's credential as a header. The credential goes in through the environment
 * (a `${VDB_FUZZ_AUTH}` placeholder in a config file, for the document's API-key security scheme),
 * never on the command line; schemathesis
 * writes its NDJSON event stream, unsanitised so the leak checks see what the server answered,
 * into a private temporary directory that the caller removes once it is read.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRedactor } from '../util/redact.ts';
import type { FuzzVenv } from './venv.ts';

/**
 * The checks of schemathesis every answer is judged by. Left out: `unsupported_method` and
 * `allow_header_conformance` (an undeclared method such as TRACE is answered by the front door,
 * nginx, not by the API the document describes), `missing_required_header`,
 * `object_level_authorization` (needs two users' credentials), `max_response_time` (no threshold:
 * latency is the benchmarks' job).
 */
export const SCHEMATHESIS_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'positive_data_acceptance',
  'ignored_auth',
  'use_after_free',
  'ensure_resource_availability',
] as const;

export interface StRunOptions {
  venv: FuzzVenv;
  /** A private temporary directory for the config, the events and the log. */
  workDir: string;
  spec: string;
  baseUrl: string;
  budgetS: number;
  seed: number;
  /** The API's credential, for the document's security scheme of that name (so ignored_auth can leave it out). */
  auth?: { scheme: string; value: string };
  /** `METHOD /path` names of the document's operations not to fuzz. */
  exclude: string[];
  secrets: readonly string[];
  /** Checks left out for some operations, each with why. */
  exemptions?: Exemption[];
  /** Checks left out for the whole API (each with why, in the run's `excluded`). */
  off?: ReadonlyArray<(typeof SCHEMATHESIS_CHECKS)[number]>;
  /** Extra `st run` options (tests: e.g. `--phases`). */
  extraArgs?: string[];
}

export interface Exemption {
  path: string;
  check: (typeof SCHEMATHESIS_CHECKS)[number];
  why: string;
}

/**
 * /graphql's OpenAPI entry says `query` is a string; almost no string is a GraphQL document, and
 * GraphQL over HTTP answers 400 to one that does not parse. So "a schema-valid request must be
 * accepted" cannot hold there: every other check still does.
 */
export const GATEWAY_EXEMPTIONS: Exemption[] = [
  { path: '/graphql', check: 'positive_data_acceptance', why: 'a string the document allows as `query` is rarely a GraphQL document, and GraphQL answers 400 to one that does not parse' },
];

/**
 * schemathesis.toml of a run: the credential, the checks (here, not as `--checks`: a check chosen on
 * the command line is on for every operation, whatever an `[[operations]]` entry says), the exemptions.
 */
/**
 * Qdrant's document names one collection, the scratch one; any other name is schema-invalid there,
 * but `exists` rightly answers 200 {exists: false} to it, so "invalid data must be rejected" cannot hold.
 */
/**
 * Qdrant's document comes from qdrant-client's models, which allow more than Qdrant's server accepts
 * (empty payload keys, conditions with nothing to test, polygons of fewer than 4 points): a 4xx to
 * such a body is Qdrant's own answer, so "schema-valid must be accepted" would judge the document.
 */
export const QDRANT_OFF = { check: 'positive_data_acceptance', why: 'the document (from qdrant-client\'s models) allows bodies Qdrant\'s server refuses, e.g. empty payload keys and polygons of fewer than 4 points: a 4xx to them is what Qdrant answers' } as const;

export const QDRANT_EXEMPTIONS: Exemption[] = [
  { path: '/collections/{collection_name}/exists', check: 'negative_data_rejection', why: 'the document names only the scratch collection; exists answers any other name with 200 {exists: false}, as it should' },
];

export function stConfig(o: Pick<StRunOptions, 'auth' | 'exemptions' | 'off'>): string {
  const on = SCHEMATHESIS_CHECKS.filter((c) => !(o.off ?? []).includes(c));
  const lines: string[] = ['[checks]', 'enabled = false', ...on.map((c) => `${c}.enabled = true`), ''];
  if (o.auth) lines.push(`[auth.openapi.${toml(o.auth.scheme)}]`, 'api_key = "${VDB_FUZZ_AUTH}"', '');
  for (const e of o.exemptions ?? []) lines.push('[[operations]]', `include-path = ${toml(e.path)}`, `checks.${e.check}.enabled = false`, '');
  return lines.join('\n');
}

export interface StRunOutcome {
  exitCode: number | null;
  events: string;
  durationMs: number;
  /** The last lines schemathesis printed, secrets redacted (for a crash's message). */
  tail: string[];
}

export function stArgs(o: StRunOptions, configFile: string, events: string): string[] {
  return [
    '--config-file', configFile,
    'run', o.spec,
    '--url', o.baseUrl,
    '--max-time', String(Math.max(1, Math.round(o.budgetS))),
    '--seed', String(o.seed),
    // two workers: one waits on an answer while the other generates (the generator is CPU-bound)
    '--workers', '2',
    // a failing operation goes on being fuzzed: the budget buys cases, not a stop at the first failure
    '--continue-on-failure',
    '--request-timeout', '10',
    '--suppress-health-check', 'all',
    '--report', 'ndjson',
    '--report-ndjson-path', events,
    '--output-sanitize', 'false',
    '--no-color',
    ...o.exclude.flatMap((name) => ['--exclude-name', name]),
    ...(o.extraArgs ?? []),
  ];
}

/** A TOML basic string. */
const toml = (s: string): string => JSON.stringify(s);

export async function runSchemathesis(o: StRunOptions): Promise<StRunOutcome> {
  const configFile = join(o.workDir, 'schemathesis.toml');
  const events = join(o.workDir, 'events.ndjson');
  const log = join(o.workDir, 'st.log');
  writeFileSync(configFile, stConfig(o));
  const started = performance.now();
  const graceMs = 120_000;
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(o.venv.st, stArgs(o, configFile, events), {
      stdio: ['ignore', 'pipe', 'pipe'],
      // its example database (.schemathesis/) goes in the run's work dir, not the caller's folder
      cwd: o.workDir,
      env: { ...process.env, VDB_FUZZ_AUTH: o.auth?.value ?? '', PYTHONUNBUFFERED: '1' },
    });
    let out = '';
    const keep = (d: Buffer): void => {
      out += d.toString();
      if (out.length > 400_000) out = out.slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // schemathesis keeps to --max-time; past it and a grace for its shrinking, it is stopped
    const timer = setTimeout(() => child.kill('SIGTERM'), o.budgetS * 1000 + graceMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      out += err.message;
      writeFileSync(log, out);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      writeFileSync(log, out);
      resolve(code);
    });
  });
  const redact = makeRedactor(o.secrets);
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').map((l) => redact(l.trimEnd())).filter(Boolean).slice(-8) : [];
  return { exitCode, events, durationMs: Math.round(performance.now() - started), tail };
}
