// Chromium for the dashboard tests: Debian's binary driven by playwright-core, no network services.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type BrokerProcess, TEST_USERS, startBrokerProcess } from './broker.js';

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
  await afterAction(page, () => page.selectOption(`#${id}`, value));
}

/** A `qmb serve` fed by `qmb demo-data` (history and recorded checks), as a new user starts. */
export async function startDemoBroker(): Promise<BrokerProcess> {
  const broker = await startBrokerProcess();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) env[k] = v;
  const seeded = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), 'demo-data'], {
    env: { ...env, QMB_URL: broker.url, QMB_TOKEN: broker.token('ci') },
    encoding: 'utf8',
  });
  if (seeded.status !== 0) {
    await broker.stop();
    broker.cleanup();
    throw new Error(`qmb demo-data failed: ${seeded.stderr}`);
  }
  return broker;
}

/** Logs in as the test user `ci` through the login form. */
export async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.fill('#username', TEST_USERS[0]!.name);
  await page.fill('#password', TEST_USERS[0]!.password);
  await page.click('#login-button');
  await page.waitForSelector('#page[data-state=ready]');
}

/** Waits for a page to render again after something the user did (a click, a typed value). */
export async function afterAction(page: Page, action: () => Promise<unknown>): Promise<void> {
  await page.evaluate(() => {
    (document.getElementById('page') as HTMLElement).dataset['state'] = 'changing';
  });
  await action();
  await page.waitForSelector('#page[data-state=ready]', { timeout: 30_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#page .chart')).every((c) => (c as HTMLElement).dataset['rendered'] === 'true'));
}

/** The URLs the page requests while `action` runs. */
export async function requestsDuring(page: Page, action: () => Promise<unknown>): Promise<URL[]> {
  const asked: URL[] = [];
  const record = (r: { url(): string }): void => void asked.push(new URL(r.url()));
  page.on('request', record);
  try {
    await action();
  } finally {
    page.off('request', record);
  }
  return asked;
}
