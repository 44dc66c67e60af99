// The dashboard in a real Chromium against a real `qmb serve` fed by `qmb demo-data`: login, every
// page, values read from the page equal the seeded ones, selectors change what is drawn.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoPayloads } from '../../src/cli/demo-data.js';
import { type BrokerProcess, TEST_USERS, startBrokerProcess } from '../helpers/broker.js';
import { SCREENSHOTS, changeSelect, chartData, launchChromium, openPage } from '../helpers/dashboard-browser.js';

type Item = { measurement: string; fields: Record<string, number | string>; tags: Record<string, string | number>; time?: string };
const items = (metric: string): Item[] =>
  demoPayloads().filter((p) => p.metric === metric).flatMap((p) => (p.body as { data: Item[] }).data);

describe('dashboard in Chromium', () => {
  let broker: BrokerProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    broker = await startBrokerProcess();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) env[k] = v;
    const seeded = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), 'demo-data'], {
      env: { ...env, QMB_URL: broker.url, QMB_TOKEN: broker.token('ci') },
      encoding: 'utf8',
    });
    assert.equal(seeded.status, 0, seeded.stderr);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await broker?.stop();
    broker?.cleanup();
  });

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('a wrong password shows an error; the right one logs in', async () => {
    await page.goto(`${broker.url}/dashboard`);
    await page.fill('#username', 'ci');
    await page.fill('#password', 'not-the-password');
    await page.click('#login-button');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.match((await page.textContent('#login-error')) ?? '', /wrong username or password/i);
    await shot('login-error');
    await page.fill('#password', TEST_USERS[0]!.password);
    await page.click('#login-button');
    await page.waitForSelector('#page[data-state=ready][data-page=overview]');
  });

  it('overview: latest headline numbers and no rejected submissions', async () => {
    await openPage(page, broker.url, 'overview');
    const churn = items('tfa_code_churn').at(-1)!;
    const card = await page.textContent('[data-family=tfa_code_churn]');
    assert.ok(card?.includes(Number(churn.fields['Lines_of_Change']).toLocaleString('en-US')), card ?? '');
    assert.ok(card?.includes(String(churn.tags['Target_Tag'])), card ?? '');
    assert.match(card ?? '', /last arrived/);
    for (const family of ['tfa_image_size', 'tfm_image_size', 'tfa_misra_defects', 'tfa_rtinstr', 'tfa_defects_tracking']) {
      assert.doesNotMatch((await page.textContent(`[data-family=${family}]`)) ?? '', /no data/, family);
    }
    // The runtime card's number is the broker's maximum (aggregate=max) over the latest commit's latencies.
    const rt = items('tfa_rtinstr');
    const latest = rt.filter((i) => i.tags['CommitID'] === rt.at(-1)!.tags['CommitID']);
    const maxLatency = Math.max(...latest.flatMap((i) => Object.values(i.fields).filter((v): v is number => typeof v === 'number')));
    const rtCard = (await page.textContent('[data-family=tfa_rtinstr]')) ?? '';
    assert.ok(rtCard.includes(maxLatency.toLocaleString('en-US')), rtCard);
    assert.ok(await page.isVisible('#no-rejected'));
    await shot('overview');
  });

  it('code churn: bars per release in release order, and the table', async () => {
    await openPage(page, broker.url, 'code-churn');
    const seeded = items('tfa_code_churn');
    const data = await chartData(page, 'churn-chart');
    assert.deepEqual(data.labels, seeded.map((i) => i.tags['Target_Tag']));
    assert.deepEqual(data.series[0]?.values, seeded.map((i) => i.fields['Lines_of_Change']));
    assert.equal(await page.locator('#churn-table tbody tr').count(), seeded.length);
    await shot('code-churn');
    await changeSelect(page, 'project', 'tfm');
    const tfm = await chartData(page, 'churn-chart');
    assert.deepEqual(tfm.labels, items('tfm_code_churn').map((i) => i.tags['Target_Tag']));
  });

  it('complexity: trend, and the table of two tags with new and resolved functions', async () => {
    await openPage(page, broker.url, 'complexity');
    const tracking = items('tfa_complexity_tracking');
    const data = await chartData(page, 'complexity-chart');
    assert.deepEqual(data.series[0]?.values, tracking.map((i) => i.fields['Functions_Exceeding_Threshold_Not_Whitelisted']));
    const stats = items('tfa_complexity_stats');
    const fnsOf = (tag: string): Set<string> => new Set(stats.filter((s) => s.tags['Target_Tag'] === tag).map((s) => String(s.fields['Function_ID'])));
    // Compare the first and the last release: something is new or resolved between them.
    await changeSelect(page, 'compare', 'v2.6');
    const now = fnsOf('v2.11');
    const then = fnsOf('v2.6');
    const newOnes = [...now].filter((f) => !then.has(f)).sort();
    const resolved = [...then].filter((f) => !now.has(f)).sort();
    const cells = async (cls: string): Promise<string[]> => (await page.locator(`#complexity-table tr.${cls} td[data-col=fn]`).allTextContents()).sort();
    assert.deepEqual(await cells('new'), newOnes);
    assert.deepEqual(await cells('resolved'), resolved);
    assert.ok(newOnes.length + resolved.length > 0);
    await shot('complexity');
  });

  it('defects: weekly open count and the table with links', async () => {
    await openPage(page, broker.url, 'defects');
    const open = items('tfa_defects_tracking').filter((i) => i.fields['Issue_Status'] === 'open');
    const data = await chartData(page, 'defects-chart');
    assert.deepEqual(data.series[0]?.values, open.map((i) => i.fields['Number_of_Defects']));
    assert.equal(await page.locator('#defects-table tbody tr').count(), 14);
    assert.match((await page.getAttribute('#defects-table tbody tr a', 'href')) ?? '', /^https:\/\/developer\.trustedfirmware\.org\/T9\d\d$/);
    await shot('defects');
    await changeSelect(page, 'status', 'closed');
    const closed = await chartData(page, 'defects-chart');
    assert.deepEqual(closed.series[0]?.values, items('tfa_defects_tracking').filter((i) => i.fields['Issue_Status'] === 'closed').map((i) => i.fields['Number_of_Defects']));
  });

  it('TF-A image size: totals per image across commits, sections, delta; bin mode changes the chart; hover names the commit', async () => {
    await openPage(page, broker.url, 'image-size');
    const seeded = (mode: string): Item[] => items('tfa_image_size').filter((i) => i.measurement === 'fvp-default' && i.tags['BinMode'] === mode);
    const bl31 = (i: Item): number => ['B', 'D', 'R', 'T', 'V', 'W'].reduce((a, s) => a + Number(i.fields[`BL31_${s}`] ?? 0), 0);
    const debug = await chartData(page, 'image-chart');
    assert.deepEqual(debug.series.map((s) => s.label), ['BL1', 'BL1U', 'BL2', 'BL2U', 'BL31', 'BL32']);
    assert.deepEqual(debug.series[4]?.values, seeded('Debug').map(bl31));
    const last = seeded('Debug').at(-1)!;
    const bl31Row = page.locator('#sections-table tbody tr', { hasText: 'BL31' }).first();
    assert.equal(await bl31Row.locator('td[data-col=T]').textContent(), Number(last.fields['BL31_T']).toLocaleString('en-US'));
    assert.equal(await page.locator('#delta-table tbody tr').count(), 6);
    // Hover over the middle of the plot: the tooltip names a seeded commit.
    const box = await page.locator('#image-chart .u-over').boundingBox();
    await page.mouse.move(box!.x + box!.width * 0.5, box!.y + box!.height * 0.5);
    const hover = (await page.getAttribute('#image-chart', 'data-hover')) ?? '';
    assert.ok(seeded('Debug').some((i) => hover.includes(String(i.tags['CommitID'])) && hover.includes(String(i.tags['CommitTitle']))), hover);
    await shot('image-size');
    await changeSelect(page, 'BinMode', 'Release');
    const release = await chartData(page, 'image-chart');
    assert.deepEqual(release.series[4]?.values, seeded('Release').map(bl31));
    assert.notDeepEqual(release.series[4]?.values, debug.series[4]?.values);
  });

  it('TF-M image size: each image across commits', async () => {
    await openPage(page, broker.url, 'tfm-image-size');
    const data = await chartData(page, 'image-chart');
    assert.deepEqual(data.series.map((s) => s.label).sort(), ['bl2', 'tfm_ns', 'tfm_s']);
    const payloads = demoPayloads().filter((p) => p.metric === 'tfm_image_size');
    assert.equal(data.labels.length, payloads.length);
    const lastBl2 = ((payloads.at(-1)!.body as { data: { file: string; bss: number; data: number; text: number }[] }).data.find((d) => d.file === 'bl2.axf'))!;
    assert.equal(data.series.find((s) => s.label === 'bl2')?.values.at(-1), lastBl2.bss + lastBl2.data + lastBl2.text);
    await shot('tfm-image-size');
  });

  it('MISRA: totals and split across commits, difference of two commits', async () => {
    await openPage(page, broker.url, 'misra');
    const seeded = items('tfa_misra_defects').filter((i) => i.measurement === 'fvp-default-bl31' && i.tags['BinMode'] === 'Debug');
    const data = await chartData(page, 'misra-chart');
    assert.deepEqual(data.series.map((s) => s.label), ['Total', 'Mandatory', 'Required', 'Advisory']);
    assert.deepEqual(data.series[0]?.values, seeded.map((i) => i.fields['TotalDefects']));
    const first = seeded[0]!;
    await changeSelect(page, 'compare', String(first.tags['CommitID']));
    const total = page.locator('#misra-diff tbody tr', { hasText: 'Total' });
    const expected = Number(seeded.at(-1)!.fields['TotalDefects']) - Number(first.fields['TotalDefects']);
    assert.equal((await total.locator('td[data-col=delta]').textContent())?.replace(/,/g, ''), `${expected > 0 ? '+' : ''}${expected}`);
    await shot('misra');
  });

  it('runtime instrumentation: latency per cluster and core, max per cluster for two commits', async () => {
    const asked: URL[] = [];
    const record = (r: { url(): string }): void => void asked.push(new URL(r.url()));
    page.on('request', record);
    await openPage(page, broker.url, 'rtinstr', 'tc=testrtinstrsuspdeepparallel&kind=Latency_EL3Entry_CPUPowerDown');
    page.off('request', record);
    // The maxima per cluster come from the broker's aggregation, not from the rows the page read.
    const aggregated = asked.filter((u) => u.pathname.endsWith('/series') && u.searchParams.get('aggregate') === 'max');
    assert.ok(aggregated.some((u) => u.searchParams.get('group_by') === 'Cluster_ID' && u.searchParams.get('field') === 'Latency_EL3Entry_CPUPowerDown'), asked.join('\n'));
    const seeded = items('tfa_rtinstr').filter((i) => i.tags['TC_Name'] === 'testrtinstrsuspdeepparallel');
    const data = await chartData(page, 'rtinstr-chart');
    assert.equal(data.series.length, 6);
    const core = (cl: number, c: number): unknown[] => seeded.filter((i) => i.tags['Cluster_ID'] === cl && i.tags['CPU_Core'] === c).map((i) => i.fields['Latency_EL3Entry_CPUPowerDown']);
    assert.deepEqual(data.series.find((s) => s.label === 'cluster 1 core 1')?.values, core(1, 1));
    const lastId = seeded.at(-1)!.tags['CommitID'];
    const max1 = Math.max(...seeded.filter((i) => i.tags['CommitID'] === lastId && i.tags['Cluster_ID'] === 1).map((i) => Number(i.fields['Latency_EL3Entry_CPUPowerDown'])));
    const row = page.locator('#rtinstr-compare tbody tr').nth(1);
    assert.equal((await row.locator('td[data-col=a]').textContent())?.replace(/,/g, ''), String(max1));
    await shot('rtinstr');
    await changeSelect(page, 'kind', 'CacheFlush');
    const flush = await chartData(page, 'rtinstr-chart');
    assert.deepEqual(flush.series.find((s) => s.label === 'cluster 1 core 1')?.values, seeded.filter((i) => i.tags['Cluster_ID'] === 1 && i.tags['CPU_Core'] === 1).map((i) => i.fields['CacheFlush']));
  });
});
