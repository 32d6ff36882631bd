/**
 * A deployment record as it is built (events, checks, analysis intervals) and where it is kept:
 * Redis (LPUSH `vdb:deployment:history`, LTRIM 0 49; `vdb:deployment:current` when the action
 * made a version live) and `<stack dir>/deployments/<id>.json`, which also holds it when Redis is
 * down.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../results/store.ts';
import { storeRecord, withRedis } from './registry.ts';
import type { AnalysisInterval, DeployAction, DeployCheck, DeployOutcome, DeploymentCurrent, DeploymentRecord, DeploymentEvent } from './types.ts';

export const RECORDS_DIR = 'deployments';

/** `20261128-221503-deploy-3fa9`: sorts by time, says what ran. */
export function newDeploymentId(action: DeployAction, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${action}-${Math.random().toString(16).slice(2, 6)}`;
}

/** user@host of whoever runs the deployer. */
export function runBy(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry: keep $USER
  }
  return `${user}@${hostname()}`;
}

export class RecordBuilder {
  readonly record: DeploymentRecord;

  constructor(action: DeployAction, version: string, private readonly log: (line: string) => void) {
    const now = new Date();
    this.record = {
      id: newDeploymentId(action, now),
      action,
      version,
      slot: '',
      from_slot: null,
      from_version: null,
      outcome: 'aborted',
      reason: null,
      started_at: now.toISOString(),
      finished_at: now.toISOString(),
      by: runBy(),
      checks: [],
      analysis: [],
      events: [],
    };
  }

  /** An event, also printed as a progress line. */
  event(kind: string, detail: string, print = true): void {
    const e: DeploymentEvent = { at: new Date().toISOString(), kind, detail };
    this.record.events.push(e);
    if (print) this.log(detail);
  }

  check(c: DeployCheck): void {
    this.record.checks.push(c);
  }

  interval(i: AnalysisInterval): void {
    this.record.analysis.push(i);
  }

  finish(outcome: DeployOutcome, reason: string | null): DeploymentRecord {
    this.record.outcome = outcome;
    this.record.reason = outcome === 'live' ? null : reason;
    this.record.finished_at = new Date().toISOString();
    return this.record;
  }
}

/** What `vdb:deployment:current` says after a record that made its slot live. */
export function currentOf(r: DeploymentRecord): DeploymentCurrent {
  return { active_slot: r.slot, version: r.version, previous_slot: r.from_slot, previous_version: r.from_version, deployed_at: r.finished_at, deployment_id: r.id };
}

/** Writes the record file and pushes it to Redis (with `current` when it went live); says whether Redis took it. */
export async function saveRecord(stackDir: string, redisUrl: string, record: DeploymentRecord): Promise<{ file: string; redis: boolean }> {
  const dir = join(stackDir, RECORDS_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.id}.json`);
  await writeAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  const stored = await withRedis(redisUrl, async (r) => {
    await storeRecord(r, record, record.outcome === 'live' ? currentOf(record) : null);
    return true;
  });
  return { file, redis: stored === true };
}

/** The record files of a stack, newest first (the history when Redis is down). */
export function readRecordFiles(stackDir: string, count = 50): DeploymentRecord[] {
  const dir = join(stackDir, RECORDS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: DeploymentRecord[] = [];
  for (const n of names.sort().reverse().slice(0, count)) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, n), 'utf8')) as DeploymentRecord);
    } catch {
      // a torn or foreign file: skip
    }
  }
  return out;
}
