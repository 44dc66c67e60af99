// `qmb demo-data`: pushes a seeded, realistic history of every metric family through POST /api/v1/metrics.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { verdictLine } from '../check/render-text.js';
import { postCheck } from '../producer/check.js';
import { resolvePushOptions } from '../producer/connection.js';
import { formatPushResult, pushPayload } from '../producer/push.js';
import { nonNegativeInt, nonNegativeNumber } from './producer.js';
import type { DataItem as Item, Payload } from '../contract/payload.js';

export interface DemoPayload {
  metric: string;
  body: Payload;
}

/** A small seeded generator (mulberry32): the same numbers on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const START = Date.parse('2023-01-09T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', '+00:00');

const TITLES = [
  'fix(bl31): restore EL3 context on warm boot', 'feat(fvp): add BL2 at EL3 support', 'refactor(xlat): split table walker',
  'fix(psci): handle CPU_SUSPEND power state parsing', 'docs: update build options', 'feat(rme): add realm world granule tracking',
  'fix(gic): correct SPI routing on cluster 1', 'build: move to GCC 12', 'feat(tc): enable DPU in device tree',
  'fix(mbedtls): reduce heap use in certificate parsing', 'perf(cache): avoid redundant cache flush on power down', 'chore: tidy platform makefiles',
];
const RELEASES = ['v2.6', 'v2.7', 'v2.8', 'v2.9', 'v2.10', 'v2.11'];
const TFM_RELEASES = ['TF-Mv1.5.0', 'TF-Mv1.6.0', 'TF-Mv1.7.0', 'TF-Mv1.8.0'];
const FUNCTIONS = [
  ['plat/arm/common/arm_bl2_setup.c', 'arm_bl2_handle_post_image_load'], ['lib/xlat_tables_v2/xlat_tables_core.c', 'xlat_tables_map_region'],
  ['drivers/auth/mbedtls/mbedtls_x509_parser.c', 'cert_parse'], ['bl1/bl1_fwu.c', 'bl1_fwu_image_copy'], ['lib/psci/psci_common.c', 'psci_validate_power_state'],
  ['plat/rpi/rpi4/rpi4_setup.c', 'rpi4_setup_dtb'], ['services/std_svc/spm/spmc.c', 'spmc_smc_handler'], ['drivers/arm/gic/v3/gicv3_main.c', 'gicv3_rdistif_init'],
  ['common/fdt_fixup.c', 'fdt_add_reserved_memory'], ['bl31/ehf.c', 'ehf_activate_priority'],
];

/** TF-M's CI sends full 40-character commit hashes. */
const tfmCommit = (id: string): string => createHash('sha1').update(`tf-m ${id}`).digest('hex');

/** The TF-A complexity threshold of the demo: functions scoring above it are reported. */
const TFA_THRESHOLD = 4;
/** A function whose complexity rises from 5 to 14 between the last two releases. */
export const RISING_FUNCTION = { location: 'lib/psci/psci_suspend.c', name: 'psci_cpu_suspend_start', scores: { 'v2.10': 5, 'v2.11': 14 } as Record<string, number> };

/** Every payload of the demo history, in push order. Deterministic: same output on every call. */
export function demoPayloads(seed = 20230109): DemoPayload[] {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  const out: DemoPayload[] = [];
  const envelope = (metric: string, data: Item[]): void => {
    for (let i = 0; i < data.length; i += 400) out.push({ metric, body: { api_version: '1.0', metadata: { metrics: metric }, data: data.slice(i, i + 400) } });
  };

  // 48 commits, one every week or so, a release tag every 8 commits.
  const commits = Array.from({ length: 48 }, (_, i) => ({ id: hex(10), title: TITLES[int(0, TITLES.length - 1)]!, ms: START + i * 7 * DAY + int(0, 3) * 3_600_000 }));
  const releaseAt = (k: number) => commits[Math.min(commits.length - 1, (k + 1) * 8 - 1)]!;
  const tagDate = (ms: number): number => Number(new Date(ms).toISOString().slice(0, 10).replace(/-/g, ''));

  // Code churn and complexity per release.
  const churn: Item[] = [];
  const tracking: Item[] = [];
  const stats: Item[] = [];
  let over = FUNCTIONS.slice(0, 6);
  // A function's score drifts from release to release; a function that leaves and comes back starts afresh.
  const scores = new Map<string, number>();
  RELEASES.forEach((tag, k) => {
    const at = releaseAt(k).ms;
    const base = k === 0 ? 'v2.5' : RELEASES[k - 1]!;
    churn.push({ measurement: 'TFA_CodeChurn_Tracking', fields: { Lines_of_Change: int(2500, 9000) }, tags: { Git_Tag_Date: tagDate(at), Base_Tag: base, Target_Tag: tag }, time: iso(at) });
    if (k > 0) {
      const kept = over.filter(() => r() > 0.2);
      for (const f of over) if (!kept.includes(f)) scores.delete(f[1]!);
      over = [...kept, ...FUNCTIONS.filter((f) => !over.includes(f) && r() > 0.6)];
    }
    const fns: [string, string, number, string][] = over.map(([loc, fn]) => {
      const known = scores.get(fn!);
      const score = known === undefined ? int(16, 40) : Math.max(TFA_THRESHOLD + 1, known + int(-2, 2));
      scores.set(fn!, score);
      return [loc!, fn!, score, r() > 0.8 ? 'yes' : 'no'];
    });
    // The function a change column is for: 5 in v2.10, 14 in v2.11, far below the top scores.
    const rising = RISING_FUNCTION.scores[tag];
    if (rising !== undefined) fns.push([RISING_FUNCTION.location, RISING_FUNCTION.name, rising, 'no']);
    for (const [loc, fn, score, whitelisted] of fns) {
      stats.push({ measurement: 'TFA_Complexity_Statistics', fields: { Function_ID: fn, Score: score, Whitelisted: whitelisted, Threshold: TFA_THRESHOLD }, tags: { Git_Tag_Date: tagDate(at), Base_Tag: base, Target_Tag: tag, Location: loc }, time: iso(at) });
    }
    const notWhitelisted = stats.filter((s) => s.tags['Target_Tag'] === tag && s.fields['Whitelisted'] === 'no').length;
    tracking.push({ measurement: 'TFA_Complexity_Tracking', fields: { Functions_Exceeding_Threshold_Not_Whitelisted: notWhitelisted, Whitelisted: 'no', Threshold: TFA_THRESHOLD }, tags: { Git_Tag_Date: tagDate(at), Target_Tag: tag }, time: iso(at) });
  });
  envelope('tfa_code_churn', churn);
  envelope('tfa_complexity_tracking', tracking);
  envelope('tfa_complexity_stats', stats);

  // Defects: a weekly count per status over the year, and the defect list.
  const defectTracking: Item[] = [];
  let open = 24;
  for (let w = 0; w < 52; w++) {
    open = Math.max(3, open + int(-3, 3));
    const ms = START + w * 7 * DAY;
    const date = new Date(ms).toISOString().slice(0, 10);
    defectTracking.push({ measurement: 'TFA_Defects_Tracking', fields: { Issue_Status: 'open', Number_of_Defects: open }, tags: { Measured_Date: date }, time: iso(ms) });
    defectTracking.push({ measurement: 'TFA_Defects_Tracking', fields: { Issue_Status: 'closed', Number_of_Defects: 40 + w * 2 + int(0, 2) }, tags: { Measured_Date: date }, time: iso(ms + 1000) });
  }
  // Issue_Status is a field in the schema; the status is also needed to tell the series apart.
  envelope('tfa_defects_tracking', defectTracking);
  const lastWeek = iso(START + 51 * 7 * DAY);
  envelope('tfa_defects_stats', Array.from({ length: 14 }, (_, i) => ({
    measurement: 'TFA_Defects_Statistics',
    fields: { Title: `${['Juno', 'FVP', 'RPi4', 'TC', 'N1SDP'][i % 5]}: ${TITLES[int(0, TITLES.length - 1)]!.replace(/^\w+(\([^)]*\))?: /, '')}`, Issue_Status: i % 4 === 0 ? 'closed' : 'open', URL: `https://developer.trustedfirmware.org/T${900 + i}` },
    tags: { Defect_ID: `T${900 + i}`, Measured_Date: lastWeek.slice(0, 10) },
    time: lastWeek,
  })));

  // Image sizes, MISRA and runtime instrumentation per commit.
  const configs = ['fvp-default', 'juno-tspd'];
  const images = ['BL1', 'BL1U', 'BL2', 'BL2U', 'BL31', 'BL32'];
  const sections = ['B', 'D', 'R', 'T', 'V', 'W'];
  const sizes = new Map<string, number>();
  const imageItems: Item[] = [];
  const misraItems: Item[] = [];
  const rtItems: Item[] = [];
  const misra = new Map<string, number>();
  for (const c of commits) {
    const tags = { CommitID: c.id, CommitTitle: c.title };
    for (const config of configs) {
      for (const mode of ['Debug', 'Release']) {
        const fields: Record<string, number> = {};
        for (const img of images) {
          if (config === 'juno-tspd' && img.endsWith('U')) continue;
          for (const sec of sections) {
            const key = `${config}/${mode}/${img}_${sec}`;
            const base = sizes.get(key) ?? int(sec === 'T' ? 20000 : 200, sec === 'T' ? 90000 : 12000) * (mode === 'Debug' ? 1.3 : 1);
            const next = Math.max(0, Math.round(base + (r() < 0.3 ? int(-256, 1024) : 0)));
            sizes.set(key, next);
            fields[`${img}_${sec}`] = next;
          }
        }
        imageItems.push({ measurement: config, fields, tags: { BinMode: mode, ...tags }, time: iso(c.ms) });
        const mkey = `${config}/${mode}`;
        const total = Math.max(40, (misra.get(mkey) ?? int(300, 600)) + int(-12, 8));
        misra.set(mkey, total);
        const mandatory = Math.round(total * 0.05);
        const required = Math.round(total * 0.6);
        misraItems.push({ measurement: `${config}-bl31`, fields: { TotalDefects: total, MandatoryDefects: mandatory, RequiredDefects: required, AdvisoryDefects: total - mandatory - required }, tags: { BinMode: mode, ...tags }, time: iso(c.ms) });
      }
    }
    for (const [cluster, cores] of [[0, 4], [1, 2]] as const) {
      for (let core = 0; core < cores; core++) {
        const rt = { ...tags, Cluster_ID: cluster, CPU_Core: core };
        rtItems.push({ measurement: 'juno-tftf+aarch64-rt64.instr-r2', fields: { Latency_EL3Entry_CPUPowerDown: int(90000, 140000) + cluster * 60000, Latency_CPUWakeup_EL3Exit: int(20000, 34000), CacheFlush: int(8000, 11000) }, tags: { ...rt, TC_Name: 'testrtinstrsuspdeepparallel' }, time: iso(c.ms) });
        rtItems.push({ measurement: 'juno-tftf+aarch64-rt64.instr-r2', fields: { Latency_EL3Entry_EL3Exit: int(800, 1600) + cluster * 200 }, tags: { ...rt, TC_Name: 'testrtinstrpsciversionparallel' }, time: iso(c.ms) });
      }
    }
  }
  envelope('tfa_image_size', imageItems);
  envelope('tfa_misra_defects', misraItems);
  envelope('tfa_rtinstr', rtItems);

  // TF-M: code churn, complexity, defects and image sizes (one converted payload per commit).
  const tfmChurn: Item[] = [];
  const tfmStats: Item[] = [];
  TFM_RELEASES.forEach((tag, k) => {
    const at = releaseAt(k + 1).ms;
    const base = k === 0 ? 'TF-Mv1.4.0' : TFM_RELEASES[k - 1]!;
    tfmChurn.push({ measurement: 'TFM_CodeChurn_Tracking', fields: { Lines_of_Change: int(8000, 30000) }, tags: { Git_Tag_Date: String(tagDate(at)), Base_Tag: base, Target_Tag: tag }, time: iso(at) });
    for (let f = 0; f < 5 + k; f++) {
      const loc = `secure_fw/partitions/${['crypto', 'internal_trusted_storage', 'protected_storage', 'firmware_update'][f % 4]}/file_${f}.c`;
      tfmStats.push({ measurement: 'TFM_Complexity_Statistics', fields: { Function: `tfm_fn_${f}`, Whitelisted: 'no', Location: loc, Score: int(16, 35), Threshold: 15 }, tags: { Git_Tag_Date: String(tagDate(at)), Target_Tag: tag, Base_Tag: base, Location_Tag: loc }, time: iso(at) });
    }
  });
  envelope('tfm_code_churn', tfmChurn);
  envelope('tfm_complexity_stats', tfmStats);
  envelope('tfm_defects_stats', Array.from({ length: 8 }, (_, i) => ({
    measurement: 'TFM_Defects_Statistics',
    fields: { Status: i % 3 === 0 ? 'Closed' : 'Open', Priority: ['High', 'Medium', 'Low'][i % 3]!, Summary: `TF-M issue ${i + 1}: ${TITLES[int(0, TITLES.length - 1)]}`, URL: `https://github.com/TrustedFirmware-M/tf-m/issues/${100 + i}`, Existing_Defect: i % 2 },
    tags: { Defect_ID: `TFM-${100 + i}`, Measured_Date: lastWeek.slice(0, 10) },
    time: lastWeek,
  })));
  const tfmSizes = new Map<string, number>();
  for (const c of commits.slice(8)) {
    const data = ['bl2.axf', 'tfm_s.axf', 'tfm_ns.axf'].map((file) => {
      const g = (k: string, lo: number, hi: number): number => {
        const v = Math.max(0, (tfmSizes.get(file + k) ?? int(lo, hi)) + (r() < 0.3 ? int(-128, 512) : 0));
        tfmSizes.set(file + k, v);
        return v;
      };
      return { file, bss: g('bss', 10000, 80000), data: g('data', 200, 2000), text: g('text', 30000, 130000) };
    });
    out.push({
      metric: 'tfm_image_size',
      body: {
        api_version: '1.0',
        metadata: {
          metrics: 'tfm_image_size',
          data_producer: 'tf-m-ci',
          git_info: { commit_time: iso(c.ms), commit_title: c.title, commit_id: tfmCommit(c.id), commit_url: `https://review.trustedfirmware.org/q/${tfmCommit(c.id)}`, branch: 'main' },
          build_info: { build_type: 'Release', cmake_config: 'ConfigDefault', compiler: 'GNUARM', target: 'AN521' },
        },
        data,
      },
    });
  }
  return out;
}

/** A check the demo records: what it shows, and the body of POST /api/v1/checks. */
export interface DemoCheck {
  title: string;
  body: { head: { revision: string } | { payloads: Record<string, unknown>[] }; baseline: { revisions: string[] }; waivers?: string[]; record: true };
}

/** The commit of the demo change that `demoChecks` checks (not pushed: a change under review). */
export const DEMO_CHANGE = { id: 'c0ffee5eed', title: 'feat(crypto): add the mbedTLS 3 backend' };

/**
 * The checks `qmb demo-data` records after the history: the newest commit (the last release)
 * against the commit of the release before; a change on top of it that fails (BL31 4 KiB bigger, one more MISRA required defect,
 * a new function over the complexity threshold; the Release growth waived); a TF-M rebuild that
 * passes. Derived from `payloads`, so the same on every run.
 */
export function demoChecks(payloads: DemoPayload[] = demoPayloads()): DemoCheck[] {
  const itemsOf = (metric: string): Item[] => payloads.filter((p) => p.metric === metric).flatMap((p) => (p.body as { data: Item[] }).data);
  const sizes = itemsOf('tfa_image_size');
  const commits = [...new Set(sizes.map((i) => String(i.tags['CommitID'])))];
  const newest = commits.at(-1)!;
  const before = commits.slice(0, -1).reverse().slice(0, 20);
  const at = (i: Item): boolean => i.tags['CommitID'] === newest;
  const time = iso(Math.max(...sizes.map((i) => Date.parse(String(i.time)))) + DAY);
  const change = { CommitID: DEMO_CHANGE.id, CommitTitle: DEMO_CHANGE.title };
  const envelope = (metric: string, data: Item[]): Record<string, unknown> => ({ api_version: '1.0', metadata: { metrics: metric }, data });
  const grown = sizes.filter((i) => at(i) && i.measurement === 'fvp-default').map((i) => ({ ...i, fields: { ...i.fields, BL31_T: Number(i.fields['BL31_T']) + 4096 }, tags: { ...i.tags, ...change }, time }));
  const misra = itemsOf('tfa_misra_defects').filter((i) => at(i) && i.measurement === 'fvp-default-bl31' && i.tags['BinMode'] === 'Debug');
  const moreDefects = misra.map((i) => ({ ...i, fields: { ...i.fields, RequiredDefects: Number(i.fields['RequiredDefects']) + 1, TotalDefects: Number(i.fields['TotalDefects']) + 1 }, tags: { ...i.tags, ...change }, time }));
  const lastRelease = RELEASES.at(-1)!;
  const previousRelease = RELEASES.at(-2)!;
  const releaseCommit = commits[commits.length - 9]!;
  const complexity = itemsOf('tfa_complexity_stats').filter((i) => i.tags['Target_Tag'] === lastRelease);
  const nextTags = { Git_Tag_Date: Number(time.slice(0, 10).replace(/-/g, '')), Base_Tag: lastRelease, Target_Tag: 'v2.12-rc0' };
  const complexityHead = [
    ...complexity.map((i) => ({ ...i, tags: { ...i.tags, ...nextTags }, time })),
    { measurement: 'TFA_Complexity_Statistics', fields: { Function_ID: 'mbedtls_backend_init', Score: 22, Whitelisted: 'no', Threshold: TFA_THRESHOLD }, tags: { ...nextTags, Location: 'drivers/auth/mbedtls/mbedtls_common.c' }, time },
  ];
  const tfm = payloads.filter((p) => p.metric === 'tfm_image_size');
  const tfmLast = tfm.at(-1)!.body as unknown as { metadata: { git_info: Record<string, string> } };
  const rebuild = structuredClone(tfmLast);
  rebuild.metadata.git_info = { ...rebuild.metadata.git_info, commit_id: tfmCommit('rebuild'), commit_title: 'ci: rebuild with the same toolchain', commit_time: time };
  return [
    // A release against the one before: the commit tagged v2.10 is eight commits back.
    { title: `the newest commit ${newest} (${lastRelease}) against ${previousRelease} (${releaseCommit})`, body: { head: { revision: newest }, baseline: { revisions: [releaseCommit] }, record: true } },
    {
      title: `a change on top of ${newest}: ${DEMO_CHANGE.title}`,
      body: {
        head: { payloads: [envelope('tfa_image_size', grown), envelope('tfa_misra_defects', moreDefects), envelope('tfa_complexity_stats', complexityHead)] },
        baseline: { revisions: [newest, ...before.slice(0, 19), lastRelease] },
        waivers: ['tfa_image_size fvp-default/Release/BL31_total: mbedTLS 3 is larger, see T1234'],
        record: true,
      },
    },
    { title: 'a TF-M rebuild, unchanged', body: { head: { payloads: [rebuild] }, baseline: { revisions: [tfmLast.metadata.git_info['commit_id']!] }, record: true } },
  ];
}

/** Where `qmb demo-data` pushes when neither --url nor QMB_URL says: a broker started with the defaults. */
const DEFAULT_URL = 'http://127.0.0.1:5000';

export function registerDemoData(program: Command): void {
  program
    .command('demo-data')
    .description('push a seeded demo history (releases, commits, every metric family) to a broker; same values on every run')
    .option('--url <url>', `broker base URL (default: $QMB_URL or ${DEFAULT_URL})`)
    .option('--token <token>', 'API token (default: $QMB_TOKEN)')
    .option('--user <name>', 'log in as this user; password on stdin or in $QMB_PASSWORD')
    .option('--wait <seconds>', 'wait this long for each payload to reach the database', nonNegativeNumber('--wait'), 30)
    .option('--retries <n>', 'retries on network errors, 5xx and 429', nonNegativeInt('--retries'), 5)
    .action(async (opts: { url?: string; token?: string; user?: string; wait: number; retries: number }) => {
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const url = opts.url ?? process.env['QMB_URL'] ?? DEFAULT_URL;
      const push = await resolvePushOptions({ url, token: opts.token, user: opts.user, wait: opts.wait, retries: opts.retries }, { env: process.env, stdinTaken: false, log });
      const counts = new Map<string, number>();
      for (const p of demoPayloads()) {
        const r = await pushPayload(Buffer.from(JSON.stringify(p.body)), p.metric, push);
        // Journaled is enough for a demo: a payload still pending after --wait arrives a little later.
        if (r.outcome !== 'delivered' && r.outcome !== 'pending') throw new Error(formatPushResult(p.metric, r, push.waitSeconds).join('\n'));
        counts.set(p.metric, (counts.get(p.metric) ?? 0) + (r.points ?? 0));
      }
      for (const [metric, n] of counts) process.stdout.write(`${metric}: ${n} points\n`);
      const dashboard = `${url.replace(/\/+$/, '')}/dashboard`;
      // Checks as CI records them, so that the Checks page has something to show.
      for (const c of demoChecks()) {
        const { result } = await postCheck(Buffer.from(JSON.stringify(c.body)), push, (pointer) => pointer);
        process.stdout.write(`check #${result.id} (${c.title}): ${verdictLine(result).replace(/^qmb check: /, '')}\n`);
      }
      process.stdout.write(`Open ${dashboard} to see them, and ${dashboard}/#/checks for the checks.\n`);
    });
}
