import { describe, expect, it } from 'vitest';
import { ago, countLevels, problemSummary, renderFindings, worstLevel } from '../../../src/ops/findings.ts';
import type { Finding } from '../../../src/ops/findings.ts';

const findings: Finding[] = [
  { level: 'ok', area: 'services', where: 'redis', what: 'answers', fix: 'never shown for ok' },
  { level: 'fail', area: 'services', where: 'gateway-green', what: 'pid 9 is not running', fix: 'npm run stack -- up', details: ['last error lines:', '  boom'] },
  { level: 'warn', area: 'registry', where: 'a-very-long-where-column-name', what: 'stale' },
];

describe('findings', () => {
  it('renders one section per area, levels aligned, fix and details indented under a problem only', () => {
    expect(renderFindings(findings)).toEqual([
      'services',
      '  ok    redis              answers',
      '  FAIL  gateway-green      pid 9 is not running',
      '                           fix: npm run stack -- up',
      '                           last error lines:',
      '                             boom',
      'registry',
      '  WARN  a-very-long-where-column-name',
      '                           stale',
    ]);
  });

  it('can leave ok lines out, and redacts every line', () => {
    const lines = renderFindings(findings, { showOk: false, redact: (s) => s.replace('boom', '***') });
    expect(lines.some((l) => l.includes('redis'))).toBe(false);
    expect(lines).toContain('                             ***');
  });

  it('summaries', () => {
    expect(worstLevel(findings)).toBe('fail');
    expect(worstLevel([])).toBe('ok');
    expect(countLevels(findings)).toEqual({ ok: 1, info: 0, warn: 1, fail: 1 });
    expect(problemSummary(findings)).toBe('1 fail, 1 warn');
    expect(problemSummary([findings[0]!])).toBe('no problems');
  });

  it('ago', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(ago('2026-03-01T11:59:30Z', now)).toBe('30 s ago');
    expect(ago('2026-03-01T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2026-02-27T12:00:00Z', now)).toBe('2 d ago');
    expect(ago('2026-03-01T12:05:00Z', now)).toBe('in the future (clock skew?)');
    expect(ago(null, now)).toBe('at an unknown time');
  });
});
