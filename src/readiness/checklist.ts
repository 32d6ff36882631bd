import type { CheckResult, ChecklistEntry, ChecklistStatus } from '../results/readiness.ts';

/** Which checks prove an item: a whole group, or the checks of a group whose title matches. */
export interface CheckSelector {
  group: string;
  title?: RegExp;
}

export interface ChecklistItem {
  id: string;
  kind: 'checklist' | 'command';
  text: string;
  proofs: CheckSelector[];
  /** Shown when nothing in this suite can prove the item (and why). */
  note?: string;
}

/**
 * The runbook's (RUNBOOK 4.5) "Production Readiness Checklist" and its validation commands,
 * each mapped to the specs that prove it. An item with no proofs is reported as not covered,
 * with the note saying what would cover it.
 */
export const CHECKLIST: ChecklistItem[] = [
  { id: 'components-validated', kind: 'checklist', text: 'All system components tested and validated', proofs: [{ group: 'health' }, { group: 'graphql' }, { group: 'models' }, { group: 'vectors' }] },
  { id: 'performance-targets', kind: 'checklist', text: 'Performance targets met and validated', proofs: [{ group: 'performance' }], note: 'a smoke check against the profile gate; the full load test is `npm run bench`' },
  { id: 'security-audit', kind: 'checklist', text: 'Security audit completed and passed', proofs: [{ group: 'security' }, { group: 'vectors', title: /internals|leak/i }, { group: 'config', title: /secret/i }] },
  { id: 'disaster-recovery', kind: 'checklist', text: 'Disaster recovery procedures implemented', proofs: [{ group: 'backup' }, { group: 'faults' }, { group: 'network-faults' }] },
  { id: 'load-testing', kind: 'checklist', text: 'Load testing completed successfully', proofs: [], note: 'not a readiness check: run `npm run bench` (open-loop, gated) for the load test' },
  {
    id: 'deployment-automation',
    kind: 'checklist',
    text: 'Deployment automation implemented',
    proofs: [{ group: 'rollback' }],
    note: 'the rollback group: blue/green deploys, a refused and a rolled-back version, a manual rollback and the service registry, under traffic (--comprehensive or --only rollback)',
  },
  { id: 'health-checks', kind: 'checklist', text: 'Health checks operational', proofs: [{ group: 'health' }, { group: 'models', title: /health/i }] },
  { id: 'monitoring', kind: 'checklist', text: 'Monitoring and alerting ready', proofs: [{ group: 'metrics' }], note: 'metrics are exposed and move; alert rules are not checked' },
  { id: 'documentation', kind: 'checklist', text: 'Documentation complete', proofs: [], note: 'a human sign-off item' },
  { id: 'operations-trained', kind: 'checklist', text: 'Operations team trained', proofs: [], note: 'a human sign-off item' },

  {
    id: 'cmd-deploy-validate',
    kind: 'command',
    text: 'python deploy.py --production --validate',
    proofs: [{ group: 'rollback', title: /validat/i }],
    note: '`npm run deploy -- --production --validate`: its validated deploy, and its refusal of a version failing validation, under traffic (rollback group)',
  },
  { id: 'cmd-deployment-status', kind: 'command', text: 'curl /api/v1/deployment/status', proofs: [{ group: 'config', title: /deployment status/i }] },
  { id: 'cmd-readiness-check', kind: 'command', text: 'python readiness_check.py --comprehensive', proofs: [{ group: 'faults' }], note: 'this suite with --comprehensive' },
  { id: 'cmd-production-readiness', kind: 'command', text: 'curl /api/v1/production/readiness', proofs: [{ group: 'config', title: /production readiness/i }] },
  { id: 'cmd-smoke-search', kind: 'command', text: 'time curl -X POST /api/v1/vectors/search (collection test)', proofs: [{ group: 'vectors', title: /runbook smoke search/i }] },
  { id: 'cmd-wrk', kind: 'command', text: 'wrk -t16 -c1000 -d300s /api/v1/vectors/search', proofs: [], note: 'a load test: `npm run bench`' },
  { id: 'cmd-qdrant-health', kind: 'command', text: 'curl :6333/health, /cluster, /telemetry', proofs: [{ group: 'health', title: /qdrant/i }] },
  { id: 'cmd-models-health', kind: 'command', text: 'curl /api/v1/models/$model/health for the nine models', proofs: [{ group: 'models', title: /health/i }] },
  { id: 'cmd-rest-health', kind: 'command', text: 'curl /api/v1/health', proofs: [{ group: 'health', title: /gateway readiness/i }] },
  { id: 'cmd-graphql-health', kind: 'command', text: 'POST /graphql query{health{status}}', proofs: [{ group: 'graphql', title: /health query/i }] },
  { id: 'cmd-infrastructure-health', kind: 'command', text: 'curl /api/v1/infrastructure/health', proofs: [{ group: 'health', title: /infrastructure/i }] },
  { id: 'cmd-metrics', kind: 'command', text: 'curl /metrics | grep -E "(latency|throughput|error_rate)"', proofs: [{ group: 'metrics' }] },
  { id: 'cmd-diagnostics', kind: 'command', text: 'curl /api/v1/deployment/diagnostics', proofs: [{ group: 'config', title: /diagnostics/i }] },
  { id: 'cmd-environment-status', kind: 'command', text: 'curl /api/v1/environment/status', proofs: [{ group: 'config', title: /environment/i }] },
  { id: 'cmd-config-validate', kind: 'command', text: 'curl /api/v1/config/validate', proofs: [{ group: 'config', title: /config(uration)? validat/i }] },
];

export function selects(sel: CheckSelector, check: CheckResult): boolean {
  return check.group === sel.group && (!sel.title || sel.title.test(check.title));
}

/**
 * proven: at least one mapped check passed and none failed; failed: a mapped required check failed;
 * not covered: nothing mapped ran (no proofs, or every mapped check was skipped or not selected).
 */
export function mapChecklist(checks: CheckResult[], items: ChecklistItem[] = CHECKLIST): ChecklistEntry[] {
  return items.map((item) => {
    const mapped = checks.filter((c) => item.proofs.some((p) => selects(p, c)));
    const ran = mapped.filter((c) => c.status !== 'skipped');
    let status: ChecklistStatus;
    if (ran.some((c) => c.status === 'failed' && c.required)) status = 'failed';
    else if (ran.some((c) => c.status === 'passed')) status = 'proven';
    else status = 'not covered';
    const entry: ChecklistEntry = { id: item.id, kind: item.kind, text: item.text, status, checks: mapped.map((c) => c.id) };
    const note = status === 'not covered' && item.proofs.length > 0 && mapped.length > 0
      ? `its checks were skipped: ${mapped.find((c) => c.skip_reason)?.skip_reason ?? 'not selected'}`
      : item.note;
    if (note) entry.note = note;
    return entry;
  });
}
