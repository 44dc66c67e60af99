// The regression gate on the dashboard, in a real Chromium against `qmb serve` fed by `qmb demo-data`:
// the Checks page, a check's rows and a row's history, and the metric pages comparing with a check's baseline.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CheckResult, CheckSummary } from '../../src/check/result.js';
import { DEMO_CHANGE, demoChecks, demoPayloads } from '../../src/cli/demo-data.js';
import type { BrokerProcess } from '../helpers/broker.js';
import { SCREENSHOTS, afterAction, changeSelect, chartData, launchChromium, logIn, openPage, startDemoBroker } from '../helpers/dashboard-browser.js';

type Item = { measurement: string; fields: Record<string, number | string>; tags: Record<string, string | number>; time?: string };
const items = (metric: string): Item[] => demoPayloads().filter((p) => p.metric === metric).flatMap((p) => (p.body as { data: Item[] }).data);
const seriesPath = (series: Record<string, string>): string => Object.values(series).join('/');
const cells = (page: Page, table: string, col: string): Promise<string[]> => page.locator(`#${table} tbody td[data-col=${col}]`).allTextContents();

describe('checks on the dashboard, in Chromium', () => {
  let broker: BrokerProcess;
  let browser: Browser;
  let page: Page;
  const api = async <T>(url: string): Promise<T> => {
    const res = await fetch(`${broker.url}${url}`, { headers: { authorization: `Bearer ${broker.token('ci')}` } });
    assert.equal(res.status, 200, url);
    return (await res.json()) as T;
  };

  before(async () => {
    broker = await startDemoBroker();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await logIn(page, broker.url);
  });

  after(async () => {
    await browser?.close();
    await broker?.stop();
    broker?.cleanup();
  });

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('the Checks page lists the recorded checks newest first with verdict, counts, head and baseline; ?verdict=fail filters', async () => {
    const { checks } = await api<{ checks: CheckSummary[] }>('/api/v1/checks');
    assert.equal(checks.length, demoChecks().length);
    await openPage(page, broker.url, 'checks');
    assert.deepEqual(await cells(page, 'checks-table', 'id'), checks.map((c) => `#${c.id}`));
    assert.deepEqual(await cells(page, 'checks-table', 'verdict'), checks.map((c) => c.verdict));
    const failing = checks.find((c) => c.head.revisions.includes(DEMO_CHANGE.id))!;
    const row = page.locator('#checks-table tbody tr', { hasText: `#${failing.id}` });
    assert.equal(await row.locator(`[data-outcome=fail]`).textContent(), `${failing.counts.fail} fail`);
    assert.equal(await row.locator(`[data-outcome=waived]`).textContent(), '1 waived');
    assert.match((await row.locator('td[data-col=head]').textContent()) ?? '', new RegExp(DEMO_CHANGE.id.slice(0, 7)));
    assert.match((await row.locator('td[data-col=baseline]').textContent()) ?? '', new RegExp(failing.baseline.revisions[0]!.slice(0, 7)));
    await shot('checks');

    await changeSelect(page, 'verdict', 'fail');
    assert.match(await page.evaluate(() => location.hash), /^#\/checks\?verdict=fail$/);
    const fails = checks.filter((c) => c.verdict === 'fail').map((c) => `#${c.id}`);
    assert.ok(fails.length > 0 && fails.length < checks.length);
    assert.deepEqual(await cells(page, 'checks-table', 'id'), fails);
    // The link qmb check prints for the list opens the same view.
    await openPage(page, broker.url, 'checks', 'verdict=pass');
    assert.deepEqual(await cells(page, 'checks-table', 'verdict'), checks.filter((c) => c.verdict === 'pass').map((c) => c.verdict));
  });

  it('a check shows its verdict and rows; a row shows its series\' history with base and head marked', async () => {
    const { checks } = await api<{ checks: CheckSummary[] }>('/api/v1/checks');
    const id = checks.find((c) => c.head.revisions.includes(DEMO_CHANGE.id))!.id;
    const check = await api<CheckResult>(`/api/v1/checks/${id}`);
    assert.equal(check.verdict, 'fail');
    // The link qmb check prints: #/check?id=N.
    await openPage(page, broker.url, 'check', `id=${id}`);
    assert.equal(await page.textContent('#page h2'), `Check #${id}`);
    assert.equal(await page.textContent('.check-head [data-verdict]'), 'FAIL');
    const notPass = check.rows.filter((r) => r.outcome !== 'pass');
    assert.deepEqual(await cells(page, 'check-rows', 'series'), notPass.map((r) => seriesPath(r.series)));
    assert.deepEqual(await cells(page, 'check-rows', 'outcome'), notPass.map((r) => r.outcome));
    const total = page.locator('#check-rows tbody tr', { hasText: 'fvp-default/Debug/BL31_total' });
    assert.equal(await total.locator('td[data-col=outcome]').textContent(), 'fail');
    assert.equal(await total.locator('td[data-col=delta]').textContent(), '+4,096');
    assert.match((await page.locator('#check-rows tbody tr', { hasText: 'fvp-default/Release/BL31_total' }).textContent()) ?? '', /waived.*mbedTLS 3 is larger, see T1234/);
    await changeSelect(page, 'show', 'all');
    assert.equal(await page.locator('#check-rows tbody tr').count(), check.rows.length);
    await changeSelect(page, 'show', '');

    // The history of BL31's total in the Debug build: every stored commit, then the head (not pushed).
    await afterAction(page, () => total.locator('td[data-col=series] a').click());
    const row = check.rows.find((r) => seriesPath(r.series) === 'fvp-default/Debug/BL31_total')!;
    const seeded = items('tfa_image_size').filter((i) => i.measurement === 'fvp-default' && i.tags['BinMode'] === 'Debug');
    const bl31 = (i: Item): number => ['B', 'D', 'R', 'T', 'V', 'W'].reduce((a, s) => a + Number(i.fields[`BL31_${s}`] ?? 0), 0);
    const data = await chartData(page, 'history-chart');
    const values = data.series.find((s) => s.label === 'fvp-default/Debug/BL31_total')!.values;
    assert.deepEqual(values, [...seeded.map(bl31), row.head]);
    const marked = (label: string): [number, number | null][] => data.series.find((s) => s.label === label)!.values.map((v, i): [number, number | null] => [i, v]).filter(([, v]) => v !== null);
    const baseAt = seeded.findIndex((i) => i.tags['CommitID'] === row.baseline_revision);
    assert.equal(baseAt, seeded.length - 1);
    assert.deepEqual(marked('base'), [[baseAt, row.base]]);
    assert.deepEqual(marked('head'), [[seeded.length, row.head]]);
    assert.match((await page.textContent('#history-marks')) ?? '', /not pushed to the broker/);
    assert.ok((await page.getAttribute('#check-rows tbody tr.selected', 'class')) !== null);
    await shot('check');
  });

  it('the image-size, MISRA, complexity and runtime pages take "compare with" from a check\'s baseline', async () => {
    const { checks } = await api<{ checks: CheckSummary[] }>('/api/v1/checks');
    // The release check: head the newest commit, baseline the commit of the release before (not the parent).
    const release = checks.find((c) => !c.head.revisions.includes(DEMO_CHANGE.id) && c.verdict !== 'pass')!;
    const commits = [...new Set(items('tfa_image_size').map((i) => String(i.tags['CommitID'])))];
    const [base] = release.baseline.revisions;
    assert.equal(base, commits.at(-9));
    assert.notEqual(base, commits.at(-2));
    const check = await api<CheckResult>(`/api/v1/checks/${release.id}`);

    // From the check's page: the row's link opens the metric's page with its selectors.
    await openPage(page, broker.url, 'check', `id=${release.id}&show=all`);
    const sizeRow = page.locator('#check-rows tbody tr', { hasText: 'fvp-default/Release/BL31_total' });
    await afterAction(page, () => sizeRow.locator('td[data-col=page] a').click());
    assert.equal(await page.getAttribute('#page', 'data-page'), 'image-size');
    assert.equal(await page.inputValue('#BinMode'), 'Release');
    assert.equal(await page.inputValue('#compare'), base);
    assert.equal(await page.inputValue('#commit'), commits.at(-1));
    assert.match((await page.textContent('#check-note')) ?? '', new RegExp(`check #${release.id}.*compared with its baseline ${base!.slice(0, 7)}`));
    assert.match((await page.textContent('#delta-table')) ?? '', /BL31/);
    await shot('image-size-from-check');

    await openPage(page, broker.url, 'misra', `config=fvp-default-bl31&BinMode=Debug&check=${release.id}`);
    assert.equal(await page.inputValue('#compare'), base);
    // Or picked on the page itself, among the recent checks.
    await openPage(page, broker.url, 'misra', 'config=fvp-default-bl31&BinMode=Debug');
    assert.equal(await page.inputValue('#compare'), commits.at(-2));
    await changeSelect(page, 'check', String(release.id));
    assert.equal(await page.inputValue('#compare'), base);
    assert.match(await page.evaluate(() => location.hash), new RegExp(`check=${release.id}`));
    const rtRow = check.rows.find((r) => r.metric === 'tfa_rtinstr')!;
    await openPage(page, broker.url, 'rtinstr', `target=${encodeURIComponent(rtRow.series['measurement']!)}&tc=${rtRow.series['TC_Name']}&kind=${rtRow.series['field']}&check=${release.id}`);
    assert.equal(await page.inputValue('#compare'), rtRow.baseline_revision);

    // The failing change compared its complexity with the release tag v2.11, not with v2.10 (the page's default).
    const change = checks.find((c) => c.head.revisions.includes(DEMO_CHANGE.id))!;
    await openPage(page, broker.url, 'complexity', `check=${change.id}`);
    assert.equal(await page.inputValue('#compare'), 'v2.11');
    await openPage(page, broker.url, 'complexity');
    assert.equal(await page.inputValue('#compare'), 'v2.10');
  });
});
