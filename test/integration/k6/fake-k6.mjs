#!/usr/bin/env node
// A stand-in for the k6 binary (K6_BIN) in the suite's own tests: answers `version`, checks the
// command line and environment `npm run k6` gave it, asks the target's /health with the key
// from the environment, writes k6's JSON output (Metric and Point lines) where --out json= says,
// a summary results.json as handleSummary would, and exits with FAKE_K6_EXIT.
// FAKE_K6_LATENCY_MS sets the search latency it reports; FAKE_K6_REPORT is where it writes what it checked.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
if (args[0] === 'version') {
  console.log('k6 v2.0.0-fake (commit/devel, go1.24.0, linux/amd64)');
  process.exit(0);
}
if (args[0] !== 'run') {
  console.error(`fake k6: unexpected command ${args.join(' ')}`);
  process.exit(107);
}
const env = process.env;
const problems = [];
const out = args[args.indexOf('--out') + 1] ?? '';
if (out !== `json=${join(env.VDB_OUT_DIR ?? '', 'k6.json')}`) problems.push(`--out ${out} is not json=<VDB_OUT_DIR>/k6.json`);
const script = args.find((a) => a.endsWith('.ts'));
if (!script || !/^scenarios\/k6\/[a-z]+\.ts$/.test(script)) problems.push(`script ${script}`);
for (const name of ['VDB_GATEWAY_URL', 'VDB_API_KEY', 'VDB_PROFILE', 'VDB_RATE_SCALE', 'VDB_DURATION_SCALE', 'VDB_OUT_DIR', 'VDB_RUN_ID', 'K6_VERSION']) {
  if (!env[name]) problems.push(`${name} missing`);
}
if (env.VDB_API_KEY && args.some((a) => a.includes(env.VDB_API_KEY))) problems.push('the API key is on the command line');
let health = 0;
try {
  health = (await fetch(`${env.VDB_GATEWAY_URL}/health`, { headers: { 'x-api-key': env.VDB_API_KEY ?? '' } })).status;
} catch (err) {
  problems.push(`GET /health: ${err.message}`);
}
const scenario = script?.replace(/^.*\/|\.ts$/g, '') ?? 'smoke';
if (env.FAKE_K6_REPORT) {
  writeFileSync(env.FAKE_K6_REPORT, JSON.stringify({ args, problems, health, profile: env.VDB_PROFILE, rateScale: env.VDB_RATE_SCALE, durationScale: env.VDB_DURATION_SCALE, runId: env.VDB_RUN_ID, k6Version: env.K6_VERSION, cwd: process.cwd() }));
}

const latency = Number(env.FAKE_K6_LATENCY_MS ?? '5');
const tags = (extra) => ({ endpoint: 'search', model: 'mixtral', scenario, scenario_type: scenario, profile: env.VDB_PROFILE, method: 'POST', status: '200', url: `${env.VDB_GATEWAY_URL}/api/v1/vectors/search`, ...extra });
const lines = [];
const metric = (name, type, contains) => lines.push({ type: 'Metric', data: { name, type, contains, thresholds: [], submetrics: null }, metric: name });
const point = (name, t, value, extra = {}) => lines.push({ type: 'Point', data: { time: new Date(t).toISOString(), value, tags: tags(extra) }, metric: name });
metric('http_req_duration', 'trend', 'time');
metric('http_req_failed', 'rate', 'default');
metric('http_reqs', 'counter', 'default');
metric('recall_at_k', 'trend', 'default');
const t0 = Date.now() - 2000;
const n = 120; // 60/s for 2 s
for (let i = 0; i < n; i++) {
  const t = t0 + (i * 2000) / n;
  point('http_reqs', t, 1);
  point('http_req_duration', t, latency + (i % 10) / 10);
  point('http_req_failed', t, 0);
  point('recall_at_k', t, 1, { endpoint: undefined });
}
writeFileSync(join(env.VDB_OUT_DIR, 'k6.json'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
writeFileSync(join(env.VDB_OUT_DIR, 'results.json'), JSON.stringify({ schema: 'vdb-readiness/bench@2', from: 'fake handleSummary' }));
writeFileSync(join(env.VDB_OUT_DIR, 'summary.txt'), 'fake summary\n');
process.exit(Number(env.FAKE_K6_EXIT ?? '0'));
