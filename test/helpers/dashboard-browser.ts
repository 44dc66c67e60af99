// Chromium for the dashboard tests: Debian's binary driven by playwright-core, no network services.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

export const SCREENSHOTS = path.resolve('test-output/screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Opens a dashboard page (#/name?query) and waits until it has rendered. */
export async function openPage(page: Page, base: string, name: string, query = ''): Promise<void> {
  await page.goto(`${base}/dashboard/#/${name}${query ? `?${query}` : ''}`);
  await page.waitForSelector(`#page[data-state=ready][data-page="${name}"]`, { timeout: 30_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#page .chart')).every((c) => (c as HTMLElement).dataset['rendered'] === 'true'));
}

export interface ChartData {
  labels: (string | number)[];
  series: { label: string; values: (number | null)[] }[];
}

export async function chartData(page: Page, id: string): Promise<ChartData> {
  return JSON.parse((await page.getAttribute(`#${id}`, 'data-chart')) ?? 'null') as ChartData;
}

/** Waits for a selector change to render the page again, with a chart whose data differs. */
export async function changeSelect(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(() => {
    (document.getElementById('page') as HTMLElement).dataset['state'] = 'changing';
  });
  await page.selectOption(`#${id}`, value);
  await page.waitForSelector('#page[data-state=ready]', { timeout: 30_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#page .chart')).every((c) => (c as HTMLElement).dataset['rendered'] === 'true'));
}
