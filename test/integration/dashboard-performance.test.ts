// A year of data: 50,000 points of one series must render in under a second in the dashboard.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type BrokerProcess, TEST_USERS, startBrokerProcess } from '../helpers/broker.js';
import { SCREENSHOTS, launchChromium, openPage } from '../helpers/dashboard-browser.js';

const POINTS = 50_000;
const START = Date.parse('2024-01-01T00:00:00Z');
const STEP = Math.floor((365 * 86_400_000) / POINTS); // one point every ~10 minutes over a year

describe('dashboard render time', () => {
  let broker: BrokerProcess;
  let browser: Browser;

  before(async () => {
    broker = await startBrokerProcess();
    for (let chunk = 0; chunk < POINTS; chunk += 10_000) {
      const data = Array.from({ length: 10_000 }, (_, j) => {
        const i = chunk + j;
        const total = 400 + Math.round(60 * Math.sin(i / 700)) + (i % 17);
        return {
          measurement: 'perf-bl31',
          fields: { TotalDefects: total, MandatoryDefects: 0, RequiredDefects: 0, AdvisoryDefects: 0 },
          tags: { BinMode: 'Debug', CommitID: `c${i.toString(16).padStart(9, '0')}`, CommitTitle: `commit ${i}` },
          time: new Date(START + i * STEP).toISOString(),
        };
      });
      const res = await fetch(`${broker.url}/api/v1/metrics?wait=60`, {
        method: 'POST',
        headers: { authorization: `JWT ${broker.token('ci')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ api_version: '1.0', metadata: { metrics: 'tfa_misra_defects' }, data }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await broker?.stop();
    broker?.cleanup();
  });

  it(`draws ${POINTS} points of one series in under a second`, async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${broker.url}/dashboard`);
    await page.fill('#username', 'ci');
    await page.fill('#password', TEST_USERS[0]!.password);
    await page.click('#login-button');
    await page.waitForSelector('#page[data-state=ready]');
    const t0 = Date.now();
    await openPage(page, broker.url, 'misra', 'config=perf-bl31&BinMode=Debug');
    const pageMs = Date.now() - t0;
    const chart = page.locator('#misra-chart');
    const points = Number(await chart.getAttribute('data-points'));
    const renderMs = Number(await chart.getAttribute('data-render-ms'));
    const summary = JSON.parse((await chart.getAttribute('data-chart')) ?? '{}') as { series: { label: string; first: number; last: number }[] };
    assert.equal(points / 4, POINTS, 'four series of 50,000 points each are drawn');
    assert.equal(summary.series[0]?.first, 400 + 0);
    console.log(`dashboard render: ${POINTS} points x 4 series drawn in ${renderMs} ms (chart), whole page incl. fetching ${POINTS} rows in ${pageMs} ms`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'misra-50k.png') });
    assert.ok(renderMs < 1000, `render took ${renderMs} ms`);
  });
});
