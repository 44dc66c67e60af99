// The dashboard in a real Chromium against a real `qmb serve` fed by `qmb demo-data`: login, every
// page, values read from the page equal the seeded ones, selectors change what is drawn, and what a
// new user reads (axes from zero, units, changes, short commit labels, filters) is there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RISING_FUNCTION, demoPayloads } from '../../src/cli/demo-data.js';
import { type BrokerProcess, TEST_USERS } from '../helpers/broker.js';
import { SCREENSHOTS, afterAction, changeSelect, chartData, launchChromium, openPage, requestsDuring, startDemoBroker } from '../helpers/dashboard-browser.js';

type Item = { measurement: string; fields: Record<string, number | string>; tags: Record<string, string | number>; time?: string };
const items = (metric: string): Item[] =>
  demoPayloads().filter((p) => p.metric === metric).flatMap((p) => (p.body as { data: Item[] }).data);
const signed = (n: number): string => `${n > 0 ? '+' : ''}${n.toLocaleString('en-US')}`;
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Commits in time order with their points (the demo's points of one commit share a time). */
function byCommit(list: Item[]): { id: string; ms: number; points: Item[] }[] {
  const m = new Map<string, { id: string; ms: number; points: Item[] }>();
  for (const i of list) {
    const id = String(i.tags['CommitID']);
    if (!m.has(id)) m.set(id, { id, ms: Date.parse(String(i.time)), points: [] });
    m.get(id)!.points.push(i);
  }
  return [...m.values()].sort((a, b) => a.ms - b.ms);
}

describe('dashboard in Chromium', () => {
  let broker: BrokerProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    broker = await startDemoBroker();
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

  it('overview: each card shows the change since the previous revision and opens its page', async () => {
    await openPage(page, broker.url, 'overview');
    const change = (family: string): Promise<string | null> => page.textContent(`[data-family=${family}] .change`);
    const churn = items('tfa_code_churn');
    const [a, b] = [churn.at(-1)!, churn.at(-2)!].map((i) => Number(i.fields['Lines_of_Change']));
    assert.equal(await change('tfa_code_churn'), `${signed(a! - b!)} since ${churn.at(-2)!.tags['Target_Tag']}`);
    // MISRA: the card names its build and bin mode; the change is against the commit before, same build.
    const misraText = (await page.textContent('[data-family=tfa_misra_defects]')) ?? '';
    const mode = /fvp-default-bl31 (\w+) at/.exec(misraText)?.[1];
    const misra = byCommit(items('tfa_misra_defects').filter((i) => i.measurement === 'fvp-default-bl31' && i.tags['BinMode'] === mode));
    const total = (k: number): number => Number(misra.at(k)!.points[0]!.fields['TotalDefects']);
    assert.equal(await change('tfa_misra_defects'), `${total(-1) === total(-2) ? 'unchanged' : signed(total(-1) - total(-2))} since ${misra.at(-2)!.id.slice(0, 7)}`);
    for (const family of ['tfa_code_churn', 'tfa_complexity_tracking', 'tfa_defects_tracking', 'tfa_image_size', 'tfm_image_size', 'tfa_misra_defects', 'tfa_rtinstr']) {
      assert.match((await change(family)) ?? '', /^(unchanged|[+-][\d,]+( B| ns)?) since \S+$/, family);
    }
    assert.equal(await page.getAttribute('[data-family=tfa_misra_defects]', 'href'), `#/misra?config=fvp-default-bl31&BinMode=${mode}`);
    await afterAction(page, () => page.click('[data-family=tfa_misra_defects]'));
    assert.equal(await page.getAttribute('#page', 'data-page'), 'misra');
    assert.equal(await page.inputValue('#BinMode'), mode);
    await openPage(page, broker.url, 'overview');
    await afterAction(page, () => page.click('[data-family=tfm_code_churn]'));
    assert.equal(await page.getAttribute('#page', 'data-page'), 'code-churn');
    assert.equal(await page.inputValue('#project'), 'tfm');
  });

  it('code churn: bars per release in release order, and the table', async () => {
    await openPage(page, broker.url, 'code-churn');
    const seeded = items('tfa_code_churn');
    const data = await chartData(page, 'churn-chart');
    assert.deepEqual(data.labels, seeded.map((i) => i.tags['Target_Tag']));
    assert.deepEqual(data.series[0]?.values, seeded.map((i) => i.fields['Lines_of_Change']));
    assert.equal(await page.locator('#churn-table tbody tr').count(), seeded.length);
    // Bars are read by their height: the axis starts at 0, not near the smallest release.
    assert.ok(Math.min(...seeded.map((i) => Number(i.fields['Lines_of_Change']))) > 2000);
    assert.equal(await page.getAttribute('#churn-chart', 'data-y-min'), '0');
    await shot('code-churn');
    await changeSelect(page, 'project', 'tfm');
    const tfm = await chartData(page, 'churn-chart');
    assert.deepEqual(tfm.labels, items('tfm_code_churn').map((i) => i.tags['Target_Tag']));
    assert.equal(await page.getAttribute('#churn-chart', 'data-y-min'), '0');
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

  it('complexity: a change column, and sorting by change puts a function going from 5 to 14 first', async () => {
    await openPage(page, broker.url, 'complexity');
    assert.equal(await page.inputValue('#tag'), 'v2.11');
    assert.equal(await page.inputValue('#compare'), 'v2.10');
    const rising = page.locator('#complexity-table tbody tr', { hasText: RISING_FUNCTION.name });
    assert.match((await rising.locator('td[data-col=change]').textContent()) ?? '', /^5 → 14 \(\+9\)$/);
    // Sorted by score, 14 sits below every function that scores more.
    await changeSelect(page, 'sort', 'score');
    const byScore = await page.locator('#complexity-table tbody td[data-col=fn]').allTextContents();
    const v211 = items('tfa_complexity_stats').filter((i) => i.tags['Target_Tag'] === 'v2.11');
    assert.equal(byScore[0], String(v211.reduce((a, b) => (Number(b.fields['Score']) > Number(a.fields['Score']) ? b : a)).fields['Function_ID']));
    assert.ok(byScore.indexOf(RISING_FUNCTION.name) > 0);
    await changeSelect(page, 'sort', 'change');
    assert.equal(await page.locator('#complexity-table tbody tr').first().locator('td[data-col=fn]').textContent(), RISING_FUNCTION.name);
    assert.match(await page.evaluate(() => location.hash), /sort=change/);
    await shot('complexity-change');
  });

  it('defects: weekly count and the table of the chosen status, with links', async () => {
    await openPage(page, broker.url, 'defects');
    const open = items('tfa_defects_tracking').filter((i) => i.fields['Issue_Status'] === 'open');
    const data = await chartData(page, 'defects-chart');
    assert.deepEqual(data.series[0]?.values, open.map((i) => i.fields['Number_of_Defects']));
    const ids = (status: string): string[] => items('tfa_defects_stats').filter((i) => i.fields['Issue_Status'] === status).map((i) => String(i.tags['Defect_ID']));
    // The table obeys the status filter, as the chart does.
    assert.deepEqual(await page.locator('#defects-table tbody td[data-col=id]').allTextContents(), ids('open'));
    assert.deepEqual([...new Set(await page.locator('#defects-table tbody td[data-col=status]').allTextContents())], ['open']);
    assert.match((await page.getAttribute('#defects-table tbody tr a', 'href')) ?? '', /^https:\/\/developer\.trustedfirmware\.org\/T9\d\d$/);
    await shot('defects');
    await changeSelect(page, 'status', 'closed');
    const closed = await chartData(page, 'defects-chart');
    assert.deepEqual(closed.series[0]?.values, items('tfa_defects_tracking').filter((i) => i.fields['Issue_Status'] === 'closed').map((i) => i.fields['Number_of_Defects']));
    assert.deepEqual(await page.locator('#defects-table tbody td[data-col=id]').allTextContents(), ids('closed'));
    assert.ok(ids('closed').length > 0 && ids('open').length > 0);
    // TF-M has its own statuses: the same filter.
    await changeSelect(page, 'project', 'tfm');
    const tfm = items('tfm_defects_stats');
    assert.equal(await page.inputValue('#status'), 'Open');
    assert.deepEqual(await page.locator('#defects-table tbody td[data-col=id]').allTextContents(), tfm.filter((i) => i.fields['Status'] === 'Open').map((i) => String(i.tags['Defect_ID'])));
    await changeSelect(page, 'status', 'Closed');
    assert.deepEqual(await page.locator('#defects-table tbody td[data-col=id]').allTextContents(), tfm.filter((i) => i.fields['Status'] === 'Closed').map((i) => String(i.tags['Defect_ID'])));
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
    // TF-M's CI sends full hashes: the axis shows the short hash over the date, the selectors add the title.
    const git = payloads.map((p) => (p.body as unknown as { metadata: { git_info: { commit_id: string; commit_title: string; commit_time: string } } }).metadata.git_info);
    assert.ok(git.every((g) => /^[0-9a-f]{40}$/.test(g.commit_id)));
    assert.deepEqual(data.labels, git.map((g) => `${g.commit_id.slice(0, 7)}\n${g.commit_time.slice(0, 10)}`));
    const option = (await page.locator('#commit option').first().textContent()) ?? '';
    assert.equal(option, `${git.at(-1)!.commit_id.slice(0, 7)} ${git.at(-1)!.commit_time.slice(0, 10)} ${git.at(-1)!.commit_title}`);
    assert.equal(await page.textContent('#page .panel h3 >> nth=1'), `Sections of each image at ${git.at(-1)!.commit_id.slice(0, 7)} (bytes)`);
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

  it('a time-range selector: the last 3 months of data are requested and drawn; dates narrow it further', async () => {
    await openPage(page, broker.url, 'misra');
    const seeded = items('tfa_misra_defects').filter((i) => i.measurement === 'fvp-default-bl31' && i.tags['BinMode'] === 'Debug');
    assert.equal((await chartData(page, 'misra-chart')).labels.length, seeded.length);
    const newest = new Date(Math.max(...seeded.map((i) => Date.parse(String(i.time)))));
    newest.setUTCMonth(newest.getUTCMonth() - 3);
    const from = newest.toISOString();
    const asked = await requestsDuring(page, () => changeSelect(page, 'range', '3m'));
    const rows = asked.filter((u) => u.pathname.endsWith('/rows') && u.searchParams.get('measurement') === 'fvp-default-bl31' && u.searchParams.get('from') !== null);
    assert.deepEqual(rows.map((u) => u.searchParams.get('from')), [from]);
    const inRange = seeded.filter((i) => Date.parse(String(i.time)) >= Date.parse(from));
    assert.ok(inRange.length > 5 && inRange.length < seeded.length);
    const data = await chartData(page, 'misra-chart');
    assert.deepEqual(data.series[0]?.values, inRange.map((i) => i.fields['TotalDefects']));
    assert.match(await page.evaluate(() => location.hash), /range=3m/);
    await shot('misra-3-months');
    // From/to dates (inclusive) replace the preset.
    const day = (i: Item): string => String(i.time).slice(0, 10);
    await afterAction(page, () => page.fill('#from', day(inRange[1]!)));
    await afterAction(page, () => page.fill('#to', day(inRange[3]!)));
    assert.equal(await page.inputValue('#range'), '');
    assert.deepEqual((await chartData(page, 'misra-chart')).series[0]?.values, inRange.slice(1, 4).map((i) => i.fields['TotalDefects']));
  });

  it('runtime instrumentation: the median per commit with its spread, in units; max per cluster for two commits', async () => {
    const asked = await requestsDuring(page, () => openPage(page, broker.url, 'rtinstr', 'tc=testrtinstrsuspdeepparallel&kind=Latency_EL3Entry_CPUPowerDown'));
    // The maxima per cluster come from the broker's aggregation, not from the rows the page read.
    const aggregated = asked.filter((u) => u.pathname.endsWith('/series') && u.searchParams.get('aggregate') === 'max');
    assert.ok(aggregated.some((u) => u.searchParams.get('group_by') === 'Cluster_ID' && u.searchParams.get('field') === 'Latency_EL3Entry_CPUPowerDown'), asked.join('\n'));
    const seeded = byCommit(items('tfa_rtinstr').filter((i) => i.tags['TC_Name'] === 'testrtinstrsuspdeepparallel'));
    const of = (field: string, cluster?: number) => seeded.map((c) => c.points.filter((i) => cluster === undefined || i.tags['Cluster_ID'] === cluster).map((i) => Number(i.fields[field])));
    const data = await chartData(page, 'rtinstr-chart');
    // One line, the median of the six cores per commit, between the smallest and the largest sample.
    assert.deepEqual(data.series.map((s) => s.label), ['median', 'max', 'min']);
    const samples = of('Latency_EL3Entry_CPUPowerDown');
    assert.ok(samples.every((v) => v.length === 6));
    assert.deepEqual(data.series[0]?.values, samples.map(median));
    assert.deepEqual(data.series[1]?.values, samples.map((v) => Math.max(...v)));
    assert.deepEqual(data.series[2]?.values, samples.map((v) => Math.min(...v)));
    // Latencies are nanoseconds (TFTF's PMF timestamps): the axis says so in every tick.
    assert.equal(await page.getAttribute('#rtinstr-chart', 'data-y-unit'), 'ns');
    const ticks = JSON.parse((await page.getAttribute('#rtinstr-chart', 'data-y-ticks')) ?? '[]') as string[];
    assert.ok(ticks.length > 1 && ticks.every((t) => /^[\d,.]+ (ns|µs|ms)$/.test(t)), ticks.join(' | '));
    assert.match((await page.textContent('label:has(#kind)')) ?? '', /\(ns\)/);
    assert.match((await page.textContent('#rtinstr-compare thead')) ?? '', /\(ns\)/);
    const lastId = seeded.at(-1)!.id;
    const max1 = Math.max(...seeded.at(-1)!.points.filter((i) => i.tags['Cluster_ID'] === 1).map((i) => Number(i.fields['Latency_EL3Entry_CPUPowerDown'])));
    const row = page.locator('#rtinstr-compare tbody tr').nth(1);
    assert.equal((await row.locator('td[data-col=a]').textContent())?.replace(/,/g, ''), String(max1));
    assert.equal(await page.inputValue('#commit'), lastId);
    await shot('rtinstr');
    await changeSelect(page, 'cluster', '1');
    assert.deepEqual((await chartData(page, 'rtinstr-chart')).series[0]?.values, of('Latency_EL3Entry_CPUPowerDown', 1).map(median));
    await changeSelect(page, 'kind', 'CacheFlush');
    assert.deepEqual((await chartData(page, 'rtinstr-chart')).series[0]?.values, of('CacheFlush', 1).map(median));
  });
});
