/**
 * Blue/green deployment and rollback, each claim under constant-rate search traffic through the
 * front door (readiness/lib/traffic.ts: open loop, keep-alive connections of which some sit idle
 * at the switch, nothing retried). The checks run in this order and leave a good version serving:
 * a validated good deploy, a manual rollback, a version refused by pre-switch validation, a
 * version rolled back by the post-switch analysis, then the service registry (an instance listed
 * within a heartbeat, gone at once after SIGTERM, gone after its TTL after SIGKILL).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import type { AnalysisSettings, DeploymentRecord } from '../src/deploy/types.ts';
import { deploySkipReason, slotStopSkipReason } from '../src/readiness/skips.ts';
import {
  answersByVersion,
  badAnswerBound,
  deployerMarks,
  describeCauses,
  firstMark,
  idleConnectionsAt,
  maxAnswerGap,
  summarizeFailures,
  usedIntervalS,
} from '../src/readiness/timeline.ts';
import type { TrafficSample } from '../src/readiness/timeline.ts';
import type { TimelineEvent } from '../src/results/readiness.ts';
import { RegistryWatch, controlStatus, deploy, describeRecord, frontDoorStatus, liveStandby, plantedTopK, rollback, sleep, stopSlot, underTraffic } from './lib/deploy.ts';
import type { TrafficSettings } from './lib/deploy.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { note } from './lib/record.ts';
import { target } from './lib/target.ts';
import type { TrafficResult } from './lib/traffic.ts';

const d = target();
const skip = deploySkipReason(d);
const stopSkip = slotStopSkipReason(d);

/**
 * The traffic every check runs under: 100 searches/s on 4 busy keep-alive connections and 6 that
 * each carry one request every 2 s (so most of them sit idle at any moment, a switch included).
 * A small machine runs the stack, a starting slot and this driver at once: the rate leaves room.
 */
const TRAFFIC: TrafficSettings = { ratePerS: 100, hotConnections: 4, idleConnections: 6, idleEveryMs: 2000, timeoutMs: 5000, warmupMs: 1000, tailMs: 1500 };
/** A switch may not stall the answers longer than this. */
const MAX_GAP_MS = 1000;
/** A short post-switch analysis (3 s): six intervals of 0.5 s, rolled back after the second failing one. */
const ANALYSIS: Pick<AnalysisSettings, 'interval_s' | 'count' | 'failure_limit' | 'probe_rate_per_s'> = { interval_s: 0.5, count: 6, failure_limit: 1, probe_rate_per_s: 20 };
/** Time for the deployer to act on a verdict and switch back. */
const ROLLBACK_SLACK_S = 1;
/** Passes pre-switch validation (its first 50 searches are answered), then answers half of the rest 503. */
const LIVE_FAULT = 'after=50,abort=503:0.5';
/** Registry timings: a poll every 100 ms through the front door, plus this much for the poll itself and Redis. */
const REGISTRY_SLACK_MS = 1000;
/** A gracefully stopped instance deregisters first thing. */
const GRACEFUL_GONE_MS = 1000;
const MODEL = 'general';
const CHECK_TIMEOUT_MS = 300_000;

const tag = Date.now().toString(36);
const version = (what: string): string => `rb-${tag}-${what}`;
/** Versions that must never be left serving. */
const BAD_VERSIONS = new Set([version('badkey'), version('faulty')]);

const registry = d.control?.deploy?.registry ?? { heartbeat_s: 2, ttl_s: 6 };
const registrySource = d.control?.deploy?.registry ? `from ${d.control.deploy.via}` : 'the contract\'s defaults (the deploy control does not know them)';

function marksOf(r: DeploymentRecord, t: TrafficResult): TimelineEvent[] {
  return deployerMarks(r.events, t.startEpochMs);
}

/** No request failed: a reset, a timeout, a status other than 200 or no answer (none is retried). */
function expectNoLoss(samples: TrafficSample[], what: string): void {
  const f = summarizeFailures(samples);
  note(`${what}: failed requests`, `${f.count} of ${samples.length}${f.count ? `: ${describeCauses(f)}; first: ${f.first.join('; ')}` : ''}`);
  expect(f.count, `${what}: failed requests of ${samples.length} (resets, timeouts, non-200, unanswered; never retried): ${describeCauses(f)}; first: ${f.first.join('; ')}`).toBe(0);
}

/** Every answer in the last `ms` of the traffic came from `expected`. */
function expectTailServedBy(samples: TrafficSample[], t: TrafficResult, expected: string, ms = 1000): void {
  const tail = samples.filter((s) => s.status > 0 && s.t_ms >= t.durationMs - ms);
  const others = answersByVersion(tail.filter((s) => s.version !== expected));
  note('last second of traffic', `${tail.length} answers, by version: ${JSON.stringify(answersByVersion(tail))}`);
  expect(tail.length, 'answers in the last second of traffic').toBeGreaterThan(0);
  expect(others, `answers in the last second not from ${expected}`).toEqual({});
}

afterAll(async () => {
  if (skip) return;
  // Whatever failed, leave a good version serving.
  const s = await frontDoorStatus({ quiet: true }).catch(() => undefined);
  if (s?.version && BAD_VERSIONS.has(s.version)) await deploy({ version: version('restore'), validate: true, analysis: ANALYSIS }, 'restore a good version').catch(() => undefined);
}, CHECK_TIMEOUT_MS);

describe('blue/green deployment under live traffic', () => {
  test(`a validated deploy of a good version goes live with no request lost, no gap over ${MAX_GAP_MS} ms and the same search results`, async (ctx) => {
    if (skip) ctx.skip(skip);
    const before = await frontDoorStatus({ label: 'deployment status before' });
    const idsBefore = await plantedTopK(MODEL, 'planted search before');
    const v = version('good');
    const { value: rec, samples, traffic } = await underTraffic(
      TRAFFIC,
      async (t) => {
        t.mark('deploy-start', `deploy ${v} (validate, analysis ${ANALYSIS.count} × ${ANALYSIS.interval_s} s)`);
        const r = await deploy({ version: v, validate: true, analysis: ANALYSIS });
        t.mark('deploy-end', `deploy returned: ${r.outcome}`);
        return r;
      },
      (r) => [r],
    );
    expect(rec.outcome, `outcome: ${describeRecord(rec)}`).toBe('live');
    expectNoLoss(samples, 'during the deploy');

    const gap = maxAnswerGap(samples, { from: 0, to: traffic.durationMs })!;
    note('longest gap between answers', `${gap} ms (bound ${MAX_GAP_MS} ms)`);
    expect(gap, 'longest time between two answers (ms)').toBeLessThanOrEqual(MAX_GAP_MS);

    const byVersion = answersByVersion(samples);
    note('answers by version', JSON.stringify(byVersion));
    expect(byVersion[v] ?? 0, `answers by the new version ${v} under the traffic`).toBeGreaterThan(0);
    const sw = firstMark(marksOf(rec, traffic), 'switch');
    expect(sw, `the deployment record has a switch event: ${rec.events.map((e) => e.kind).join(', ')}`).toBeDefined();
    const idle = idleConnectionsAt(samples, traffic.connections, sw!, 250);
    note('connections idle at the switch', `${idle} of ${traffic.connections} had been quiet ≥ 250 ms with nothing in flight`);
    expect(idle, 'keep-alive connections idle at the switch (what a front-door reload would close)').toBeGreaterThan(0);
    expectTailServedBy(samples, traffic, v);

    const idsAfter = await plantedTopK(MODEL, 'planted search after');
    note('top-10 ids', `before ${idsBefore.join(',')} · after ${idsAfter.join(',')}`);
    expect(idsAfter, 'top-10 ids of the planted query after the deploy').toEqual(idsBefore);
    if (d.fixtureModels.includes(MODEL)) expect(idsAfter[0], 'the planted nearest neighbour is first').toBe(String(fixtureQuery(await modelConfig(MODEL), 0).neighbors[0]));

    const after = await frontDoorStatus({ label: 'deployment status after' });
    note('serving', `before ${before.version} (slot ${before.slot}) · after ${after.version} (slot ${after.slot}, active ${after.active})`);
    expect(after.version, 'version /api/v1/deployment/status reports through the front door').toBe(v);
    expect(after.active, 'the answering slot says it is active').toBe(true);
  }, CHECK_TIMEOUT_MS);

  test('a manual rollback restores the previous version under live traffic with no request lost', async (ctx) => {
    if (skip) ctx.skip(skip);
    let s = await controlStatus();
    if (!s.instances.some((i) => i.slot !== s.active_slot) || !s.previous_version) {
      note('setup', `no standby to roll back to (active ${s.active_slot}, instances ${s.instances.map((i) => `${i.slot} ${i.version}`).join(', ') || 'none'}): deploying a good version first`);
      const r = await deploy({ version: version('base'), validate: true, analysis: ANALYSIS }, 'setup deploy');
      expect(r.outcome, `setup deploy: ${describeRecord(r)}`).toBe('live');
      s = await controlStatus();
    }
    const expected = s.previous_version!;
    const standby = s.instances.find((i) => i.slot !== s.active_slot);
    note('before the rollback', `serving ${s.version} (slot ${s.active_slot}); previous ${s.previous_version} (slot ${s.previous_slot}); standby ${standby ? `${standby.slot} ${standby.version}` : 'none'}`);
    const { value: rec, samples, traffic } = await underTraffic(
      TRAFFIC,
      async (t) => {
        t.mark('rollback-start', 'manual rollback asked');
        const r = await rollback();
        t.mark('rollback-end', `rollback returned: ${r.outcome}`);
        return r;
      },
      (r) => [r],
    );
    expect(rec.outcome, `outcome: ${describeRecord(rec)}`).toBe('live');
    expect(rec.version, 'version the rollback went back to').toBe(expected);
    expectNoLoss(samples, 'during the rollback');
    expectTailServedBy(samples, traffic, expected);
    const after = await frontDoorStatus({ label: 'deployment status after' });
    expect(after.version, 'version served after the rollback (front door)').toBe(expected);
    expect(after.active, 'the answering slot says it is active').toBe(true);
  }, CHECK_TIMEOUT_MS);

  test('a version failing pre-switch validation (a wrong Qdrant key) is refused: never switched to, the failing check named, no request lost', async (ctx) => {
    if (skip) ctx.skip(skip);
    const before = await frontDoorStatus({ label: 'deployment status before' });
    const v = version('badkey');
    const { value: rec, samples, traffic } = await underTraffic(
      TRAFFIC,
      async (t) => {
        t.mark('deploy-start', `deploy ${v} with a wrong Qdrant key (validate)`);
        const r = await deploy({ version: v, validate: true, env: { QDRANT_API_KEY: `wrong-key-${randomBytes(6).toString('hex')}` }, analysis: ANALYSIS });
        t.mark('deploy-end', `deploy returned: ${r.outcome}`);
        return r;
      },
      (r) => [r],
    );
    expect(rec.outcome, `outcome: ${describeRecord(rec)}`).toBe('failed');
    const failing = rec.checks.filter((c) => !c.pass);
    note('failing checks', failing.map((c) => `${c.name}: ${c.detail}`).join(' | ') || 'none');
    expect(failing.length, 'the record names a failing check').toBeGreaterThan(0);
    expect(rec.reason ?? '', 'the reason names a failing check').toSatisfy((reason: string) => failing.some((c) => reason.includes(c.name)));
    const byVersion = answersByVersion(samples);
    note('answers by version', JSON.stringify(byVersion));
    expect(byVersion[v] ?? 0, `answers by the refused version ${v} (x-gateway-version)`).toBe(0);
    expectNoLoss(samples, 'during the refused deploy');
    expectTailServedBy(samples, traffic, before.version ?? '?');
    const after = await frontDoorStatus({ label: 'deployment status after' });
    expect(after.version, 'the old version still serves').toBe(before.version);
  }, CHECK_TIMEOUT_MS);

  const windowS = ANALYSIS.interval_s * ANALYSIS.count;
  test(`a version failing live is rolled back automatically within the analysis window (${windowS} s), its bad answers bounded`, async (ctx) => {
    if (skip) ctx.skip(skip);
    const before = await frontDoorStatus({ label: 'deployment status before' });
    const v = version('faulty');
    const { value: rec, samples, traffic } = await underTraffic(
      TRAFFIC,
      async (t) => {
        t.mark('deploy-start', `deploy ${v} with GATEWAY_FAULTS=${LIVE_FAULT} (validate)`);
        const r = await deploy({ version: v, validate: true, env: { GATEWAY_FAULTS: LIVE_FAULT }, analysis: ANALYSIS });
        t.mark('deploy-end', `deploy returned: ${r.outcome}`);
        return r;
      },
      (r) => [r],
    );
    expect(rec.outcome, `outcome: ${describeRecord(rec)}`).toBe('rolled_back');
    const marks = marksOf(rec, traffic);
    const sw = firstMark(marks, 'switch');
    const rb = firstMark(marks, 'rollback');
    expect(sw !== undefined && rb !== undefined, `the record has a switch and a rollback event: ${rec.events.map((e) => e.kind).join(', ')}`).toBe(true);
    // the interval the deployer really used (a deploy hook may not shorten it as asked)
    const intervalS = usedIntervalS(rec.analysis) ?? ANALYSIS.interval_s;
    if (Math.abs(intervalS - ANALYSIS.interval_s) > ANALYSIS.interval_s / 4) note('analysis interval', `the deployer used ${intervalS} s, not the ${ANALYSIS.interval_s} s asked for: the bounds use ${intervalS} s`);
    const window = intervalS * ANALYSIS.count;
    note('switch → rollback', `${Math.round(rb! - sw!)} ms (window ${window} s + ${ROLLBACK_SLACK_S} s)`);
    expect(rb! - sw!, 'ms from the switch to the rollback').toBeLessThanOrEqual((window + ROLLBACK_SLACK_S) * 1000);

    const served = answersByVersion(samples)[v] ?? 0;
    const bad = samples.filter((s) => s.version === v && !s.ok);
    const bound = badAnswerBound({ rate_per_s: TRAFFIC.ratePerS, probe_rate_per_s: ANALYSIS.probe_rate_per_s, interval_s: intervalS, failure_limit: ANALYSIS.failure_limit, slack_s: ROLLBACK_SLACK_S });
    note('bad answers', `${bad.length} of ${served} answers by ${v} (bound ${bound} = (${TRAFFIC.ratePerS} + ${ANALYSIS.probe_rate_per_s} probe)/s × (${intervalS} s × (failure_limit ${ANALYSIS.failure_limit} + 1) + ${ROLLBACK_SLACK_S} s))`);
    expect(served, 'the faulty version served (the fault went live)').toBeGreaterThan(0);
    expect(bad.length, 'bad answers by the faulty version').toBeLessThanOrEqual(bound);
    expectNoLoss(samples.filter((s) => s.version !== v), 'besides the faulty version\'s answers');
    expectTailServedBy(samples, traffic, before.version ?? '?');
    const after = await frontDoorStatus({ label: 'deployment status after' });
    expect(after.version, 'the old version serves again').toBe(before.version);
  }, CHECK_TIMEOUT_MS);
});

describe('service registry', () => {
  test(`a freshly started instance is listed within one heartbeat (${registry.heartbeat_s} s)`, async (ctx) => {
    if (skip) ctx.skip(skip);
    const before = await frontDoorStatus({ label: 'registry before' });
    const known = new Set((before.instances ?? []).map((i) => i.id));
    const v = version('fresh');
    let watch: RegistryWatch | undefined;
    const { value: rec, samples, traffic } = await underTraffic(
      TRAFFIC,
      async (t) => {
        watch = new RegistryWatch(() => t.now());
        watch.start();
        t.mark('deploy-start', `deploy ${v}`);
        try {
          return await deploy({ version: v, validate: true, analysis: ANALYSIS });
        } finally {
          await watch.stop();
          const f = watch.firstSeen((i) => !known.has(i.id) && i.version === v);
          if (f) t.mark('registered', `${f.instance.slot} ${v} listed in the registry`, f.t_ms);
        }
      },
      (r) => [r],
    );
    expect(rec.outcome, `outcome: ${describeRecord(rec)}`).toBe('live');
    const ready = firstMark(marksOf(rec, traffic), 'healthy') ?? firstMark(marksOf(rec, traffic), 'validated', 'switch');
    expect(ready, `the record says when the new slot was ready: ${rec.events.map((e) => e.kind).join(', ')}`).toBeDefined();
    const fresh = watch!.firstSeen((i) => !known.has(i.id) && i.version === v);
    note('registry', `settings ${registry.heartbeat_s} s heartbeat, ${registry.ttl_s} s TTL (${registrySource}); ${watch!.polls.length} polls, ${watch!.failedPolls} failed`);
    expect(fresh, `an instance of ${v} is listed in /api/v1/deployment/status instances`).toBeDefined();
    const delay = fresh!.t_ms - ready!;
    note('listed', `${fresh!.instance.id} (slot ${fresh!.instance.slot}, pid ${fresh!.instance.pid}) first listed ${Math.round(delay)} ms after the slot was ready`);
    expect(delay, 'ms from ready to listed').toBeLessThanOrEqual(registry.heartbeat_s * 1000 + REGISTRY_SLACK_MS);
    expect(fresh!.instance.slot, 'the entry names the slot deployed to').toBe(rec.slot);
    expect(fresh!.instance.service, 'the entry names its service').toBe('gateway');
    expect(Number.isNaN(Date.parse(fresh!.instance.heartbeat_at)), 'heartbeat_at is a time').toBe(false);
    expectNoLoss(samples, 'during the deploy');
  }, CHECK_TIMEOUT_MS);

  test('a gracefully stopped instance (SIGTERM) leaves the registry at once and stays gone', async (ctx) => {
    if (stopSkip) ctx.skip(stopSkip);
    let s = await controlStatus();
    if (!(await liveStandby(s))) {
      note('setup', `no running standby (instances ${s.instances.map((i) => `${i.slot} ${i.version}`).join(', ') || 'none'}): deploying a good version, the serving one becomes the standby`);
      const r = await deploy({ version: version('standby'), validate: true, analysis: ANALYSIS }, 'setup deploy');
      expect(r.outcome, `setup deploy: ${describeRecord(r)}`).toBe('live');
      s = await controlStatus();
    }
    const standby = await liveStandby(s);
    note('before', `active ${s.active_slot}; instances ${s.instances.map((i) => `${i.slot} ${i.version} ${i.id}`).join(', ')}`);
    expect(standby, 'a standby instance runs (the previous version, after a deploy)').toBeDefined();
    let signalled = 0;
    let watch: RegistryWatch | undefined;
    const { samples } = await underTraffic(TRAFFIC, async (t) => {
      watch = new RegistryWatch(() => t.now());
      watch.start();
      try {
        t.mark('stop', `SIGTERM to standby ${standby!.slot}`);
        const r = await stopSlot(standby!.slot, 'TERM');
        signalled = t.at(Date.parse(r.signalled_at));
        if (r.exited_at) t.mark('stopped', `standby ${standby!.slot} exited`, t.at(Date.parse(r.exited_at)));
        // long enough for a heartbeat to bring it back, were it still beating
        await sleep(registry.heartbeat_s * 1000 + REGISTRY_SLACK_MS);
      } finally {
        await watch.stop();
      }
      const g = watch.goneFor(standby!.id, signalled);
      if (g) t.mark('gone', `${standby!.slot} left the registry`, g.t_ms);
    });
    const gone = watch!.goneFor(standby!.id, signalled);
    const last = watch!.lastListed(standby!.id, signalled);
    note('registry', `${standby!.id}: last listed ${last === undefined ? 'never after the signal' : `${Math.round(last - signalled)} ms after SIGTERM`}; ${gone ? `gone ${Math.round(gone.t_ms - signalled)} ms after${gone.cameBack ? ' (it came back in between)' : ''}` : 'still listed at the last poll'}`);
    expect(gone, `${standby!.id} left the registry after SIGTERM`).toBeDefined();
    expect(gone!.cameBack, 'it never came back').toBe(false);
    expect(gone!.t_ms - signalled, 'ms from SIGTERM to gone').toBeLessThanOrEqual(GRACEFUL_GONE_MS + REGISTRY_SLACK_MS);
    expectNoLoss(samples, 'while the standby stopped');
  }, CHECK_TIMEOUT_MS);

  test(`a killed instance (SIGKILL) leaves the registry once its TTL (${registry.ttl_s} s) runs out`, async (ctx) => {
    if (stopSkip) ctx.skip(stopSkip);
    let s = await controlStatus();
    let killed: { id: string; slot: string } | undefined;
    let signalled = 0;
    let watch: RegistryWatch | undefined;
    const { samples } = await underTraffic(
      TRAFFIC,
      async (t) => {
        let r: DeploymentRecord | undefined;
        if (!(await liveStandby(s))) {
          t.mark('deploy-start', 'setup: deploy a good version, the serving one becomes the standby');
          r = await deploy({ version: version('last'), validate: true, analysis: ANALYSIS }, 'setup deploy');
          expect(r.outcome, `setup deploy: ${describeRecord(r)}`).toBe('live');
          s = await controlStatus();
        }
        const standby = await liveStandby(s);
        expect(standby, `a standby instance runs: ${s.instances.map((i) => `${i.slot} ${i.version}`).join(', ')}`).toBeDefined();
        killed = { id: standby!.id, slot: standby!.slot };
        watch = new RegistryWatch(() => t.now());
        watch.start();
        try {
          t.mark('kill', `SIGKILL to standby ${standby!.slot}`);
          const k = await stopSlot(standby!.slot, 'KILL');
          signalled = t.at(Date.parse(k.signalled_at));
          await sleep((registry.ttl_s + registry.heartbeat_s) * 1000 + REGISTRY_SLACK_MS);
        } finally {
          await watch.stop();
        }
        const g = watch.goneFor(standby!.id, signalled);
        if (g) t.mark('gone', `${standby!.slot} left the registry`, g.t_ms);
        return r ? [r] : [];
      },
      (rs) => rs,
    );
    const gone = watch!.goneFor(killed!.id, signalled);
    const last = watch!.lastListed(killed!.id, signalled);
    note('registry', `${killed!.id}: last listed ${last === undefined ? 'never after the kill' : `${Math.round(last - signalled)} ms after SIGKILL`}; ${gone ? `gone ${Math.round(gone.t_ms - signalled)} ms after (TTL ${registry.ttl_s} s, heartbeat ${registry.heartbeat_s} s: expected between ${(registry.ttl_s - registry.heartbeat_s)} and ${registry.ttl_s} s)` : 'still listed at the last poll'}`);
    expect(gone, `${killed!.id} left the registry after SIGKILL`).toBeDefined();
    expect(gone!.cameBack, 'it never came back').toBe(false);
    expect(gone!.t_ms - signalled, 'ms from SIGKILL to gone').toBeLessThanOrEqual(registry.ttl_s * 1000 + REGISTRY_SLACK_MS);
    expectNoLoss(samples, 'while the standby was killed');
  }, CHECK_TIMEOUT_MS);
});
