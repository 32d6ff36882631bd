/**
 * The reports in a real browser: headless Chromium (/usr/bin/chromium through playwright-core)
 * opens a readiness run's report, a bench run's and a combined one (readiness, open and closed
 * bench runs, a deployment record, a baseline), with every request other than the file refused.
 * A screenshot of each kind goes to reports/out/screenshots/ (a CI artefact, not committed).
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFiles } from '../../../reports/render/index.ts';
import { PRINT_WIDTH_PX, isLocalRequest, launchChromium } from '../../../src/report/pdf.ts';
import { writeReport } from '../../../src/report/write.ts';
import type { ReportWritten } from '../../../src/report/write.ts';
import type { AnyResults } from '../../../src/results/kinds.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { bench, deployment, healthyChecks, latencies, readiness } from '../../unit/reports/build.ts';

const SHOTS = join(REPO_ROOT, 'reports', 'out', 'screenshots');
let dir: string;
let browser: Browser;
let combined: ReportWritten;
const pages: Record<string, string> = {};

async function writeRun(r: AnyResults): Promise<string> {
  const runDir = join(dir, r.run_id);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  for (const [name, content] of Object.entries(runFiles(r))) await writeFile(join(runDir, name), content);
  return runDir;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vdb-report-'));
  const ready = await writeRun(readiness(healthyChecks(), 'ci', '20261202-100000-readiness-aaaa'));
  const open = await writeRun(bench({ ms: latencies(6000, 3), runId: '20261202-100100-bench-open', rate: 1200 }));
  const closed = await writeRun(bench({ ms: latencies(6000, 8), mode: 'closed', runId: '20261202-100200-bench-closed' }));
  const base = await writeRun(bench({ ms: latencies(6000, 1.5), runId: '20261101-100100-bench-base', rate: 1200 }));
  const dep = join(dir, 'deploy.json');
  await writeFile(dep, JSON.stringify(deployment()));
  combined = await writeReport({ inputs: [ready, open, closed, dep], baseline: [base], out: join(dir, 'release', 'report.html'), pdf: true, signers: ['Ada Lovelace, release engineer'] });
  pages.readiness = join(ready, 'report.html');
  pages.bench = join(open, 'report.html');
  pages.combined = combined.html;
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocalRequest(url)) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, requests };
}

/** Per chart: its series as drawn (uPlot's legend, x excluded), as asked for, and the drawn pixels of its canvas. */
const chartState = (page: Page): Promise<Array<{ id: string; want: number; legend: number; inked: number }>> =>
  page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((el) => {
    const canvas = el.querySelector('canvas');
    let inked = 0;
    if (canvas) {
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
    }
    return { id: el.dataset.chart, want: Number(el.dataset.series), legend: el.querySelectorAll('.u-legend .u-series').length - 1, inked };
  })`);

/** In the print layout: the page's scroll width, its width, and every table, figure, pre or canvas reaching past it. */
const printOverflow = (page: Page): Promise<{ scroll: number; width: number; wide: string[] }> =>
  page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('table, figure, pre, canvas')].filter((e) => e.getBoundingClientRect().right > width + 1).map((e) => e.tagName + '.' + e.className);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  })()`);

describe.each(['readiness', 'bench', 'combined'])('the %s report in Chromium', (kind) => {
  it('loads with no console error and no network request, every chart drawn with its series', async () => {
    const { page, errors, requests } = await open(pages[kind]!);
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const charts = await chartState(page);
      expect(charts.length).toBeGreaterThan(0);
      for (const c of charts) {
        expect(c.legend, `${c.id}: series drawn`).toBe(c.want);
        expect(c.inked, `${c.id}: pixels drawn`).toBeGreaterThan(2000);
      }
      if (kind === 'combined') expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['chart-distribution', 'chart-models', 'chart-loops', 'chart-deploy-0']));
      await page.screenshot({ path: join(SHOTS, `${kind}.png`) });
    } finally {
      await page.close();
    }
  });

  it('shows the verdict and the gates on the first screen at 1280×800', async () => {
    const { page } = await open(pages[kind]!);
    try {
      const verdict = await page.locator('#verdict .big').boundingBox();
      expect(verdict!.y + verdict!.height).toBeLessThanOrEqual(800);
      expect(await page.locator('#verdict .big').textContent()).toMatch(/^(GO|NO-GO|INCOMPLETE)$/);
      const gates = await page.locator('#gates').boundingBox();
      expect(gates!.y).toBeLessThan(800);
    } finally {
      await page.close();
    }
  });

  it('lays out for print (A4 width) without horizontal overflow or a clipped table', async () => {
    const { page } = await open(pages[kind]!);
    try {
      await page.setViewportSize({ width: PRINT_WIDTH_PX, height: 1000 });
      await page.emulateMedia({ media: 'print' });
      await page.evaluate('window.__redrawCharts && window.__redrawCharts()');
      const overflow = await printOverflow(page);
      expect(overflow.wide).toEqual([]);
      expect(overflow.scroll).toBeLessThanOrEqual(overflow.width);
      await page.screenshot({ path: join(SHOTS, `${kind}-print.png`) });
    } finally {
      await page.close();
    }
  });
});

describe('the combined report', () => {
  it('is NO-GO against a baseline whose searches were faster, and says why', () => {
    expect(combined.combined.diff?.regressions.some((r) => r.includes('search p95'))).toBe(true);
    expect(combined.combined.verdict).toBe('NO-GO');
  });

  it('prints to an A4 PDF under 1.5 MB', async () => {
    const s = await stat(combined.pdf!);
    expect(s.size).toBeGreaterThan(10_000);
    expect(s.size).toBeLessThan(1.5 * 1024 * 1024);
  });
});
