/**
 * `--pdf`: the report printed by headless Chromium (Debian's `chromium`, driven by playwright-core),
 * A4, in its print layout, with every request other than the file itself refused.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { MissingToolError } from '../util/errors.ts';

/** Where Chromium is: VDB_CHROMIUM, or Debian's package. */
export const chromiumPath = (): string => process.env.VDB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu'];
/** A4 (210 mm) less 12 mm margins each side, at 96 px per inch. */
export const PRINT_WIDTH_PX = 703;

export async function launchChromium(): Promise<Browser> {
  const exe = chromiumPath();
  if (!existsSync(exe)) throw new MissingToolError(`no Chromium at ${exe}: install it (apt-get install -y chromium) or set VDB_CHROMIUM to its path`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
}

/** Only the report itself (file:) and inline data: may load. */
export const isLocalRequest = (url: string): boolean => url.startsWith('file:') || url.startsWith('data:') || url.startsWith('about:');

export async function printPdf(htmlPath: string, pdfPath: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: PRINT_WIDTH_PX, height: 1000 } });
    await page.route('**/*', (route) => (isLocalRequest(route.request().url()) ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    // the charts are drawn at their box's width: again, now that the print layout applies
    await page.evaluate('window.__redrawCharts && window.__redrawCharts()');
    await page.pdf({ path: pdfPath, format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
