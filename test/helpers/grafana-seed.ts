// Payloads for the Grafana query test: the fixture tables of every metric, plus a small history
// (several commits and releases per family) so that panels comparing two commits or tags have data.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SeedPayload {
  name: string;
  payload: Record<string, unknown>;
  /** The history must be delivered; a fixture may clash with another on a field type. */
  required: boolean;
}

const IMAGES = ['BL1', 'BL1U', 'BL2', 'BL2U', 'BL31', 'BL32'];
const SECTIONS = ['B', 'D', 'R', 'T', 'V', 'W'];
const COMMITS = ['1111111111', '2222222222', '3333333333'];
const RELEASES = ['v2.0', 'v2.1', 'v2.2'];

/** A day of 2019 (away from the fixtures' weeks, so field types cannot clash across shards). */
function day(i: number): string {
  return new Date(Date.UTC(2019, 2, 1 + 10 * i, 12)).toISOString();
}

/**
 * The functions over the complexity threshold at release `i`: two at every release, one only at
 * the first (resolved after it) and one from the second on (new in it), so that comparing two
 * tags has functions of one tag only on both sides.
 */
export function complexFunctions(prefix: string, i: number): string[] {
  return [`${prefix}_a`, `${prefix}_b`, i === 0 ? `${prefix}_old` : `${prefix}_new`];
}

function envelope(metric: string, data: unknown[]): Record<string, unknown> {
  return { api_version: '1.0', metadata: { metrics: metric }, data };
}

function history(): SeedPayload[] {
  const out: SeedPayload[] = [];
  const add = (name: string, payload: Record<string, unknown>) => out.push({ name: `history: ${name}`, payload, required: true });
  COMMITS.forEach((commit, i) => {
    const tags = { BinMode: 'Debug', CommitID: commit, CommitTitle: `Commit number ${i + 1}` };
    const fields: Record<string, number> = {};
    IMAGES.forEach((image, k) => SECTIONS.forEach((s, j) => (fields[`${image}_${s}`] = 1000 * (k + 1) + 10 * j + i)));
    add(`image size ${commit}`, envelope('tfa_image_size', [{ measurement: 'qmb-all-images', fields, tags, time: day(i) }]));
    add(
      `misra ${commit}`,
      envelope('tfa_misra_defects', [
        {
          measurement: 'qmb-misra-config',
          fields: { TotalDefects: 600 - i, MandatoryDefects: 1, RequiredDefects: 500 - i, AdvisoryDefects: 99 },
          tags,
          time: day(i),
        },
      ]),
    );
    const rt: unknown[] = [];
    for (const cluster of [0, 1]) {
      for (const core of [0, 1]) {
        const t = { CommitID: commit, CommitTitle: `Commit number ${i + 1}`, Cluster_ID: cluster, CPU_Core: core };
        rt.push({
          measurement: 'qmb-juno.instr',
          fields: { Latency_EL3Entry_CPUPowerDown: 100000 + i, Latency_CPUWakeup_EL3Exit: 30000 + core, CacheFlush: 9000 + cluster },
          tags: { ...t, TC_Name: 'testrtinstrsuspdeepparallel' },
          time: day(i),
        });
        rt.push({ measurement: 'qmb-juno.instr', fields: { Latency_EL3Entry_EL3Exit: 2000 + i }, tags: { ...t, TC_Name: 'testrtinstrpsciversionparallel' }, time: day(i) });
      }
    }
    add(`rt instr ${commit}`, envelope('tfa_rtinstr', rt));
    add(`tfm image size ${commit}`, {
      api_version: '1.0',
      metadata: {
        metrics: 'tfm_image_size',
        data_producer: 'qmb-test',
        git_info: {
          commit_time: day(i),
          commit_title: `Commit number ${i + 1}`,
          commit_id: commit,
          commit_url: `https://review.example.org/c/${i}`,
          branch: 'main',
          gerrit_id: String(100 + i),
        },
        build_info: { build_type: 'Release', cmake_config: 'ConfigDefault', compiler: 'GNUARM', target: 'AN521' },
      },
      data: ['bl2.axf', 'tfm_s.axf', 'tfm_ns.axf'].map((file, k) => ({ file, bss: 100 * k + i, data: 10 * k + i, text: 1000 * k + i })),
    });
  });
  RELEASES.forEach((tag, i) => {
    const date = 20190301 + 10 * i;
    const base = i > 0 ? RELEASES[i - 1] : 'v1.9';
    add(`tfa churn ${tag}`, envelope('tfa_code_churn', [{ measurement: 'TFA_CodeChurn_Tracking', fields: { Lines_of_Change: 1000 + i }, tags: { Git_Tag_Date: date, Base_Tag: base, Target_Tag: tag }, time: day(i) }]));
    add(`tfm churn ${tag}`, envelope('tfm_code_churn', [{ measurement: 'TFM_CodeChurn_Tracking', fields: { Lines_of_Change: 2000 + i }, tags: { Git_Tag_Date: String(date), Base_Tag: `TF-M${base}`, Target_Tag: `TF-M${tag}` }, time: day(i) }]));
    add(`tfa complexity ${tag}`, envelope('tfa_complexity_stats', complexFunctions('fn', i).map((fn, k) => ({
      measurement: 'TFA_Complexity_Statistics',
      fields: { Function_ID: fn, Score: 11 + k + i, Whitelisted: 'no', Threshold: 10 },
      tags: { Git_Tag_Date: date, Base_Tag: base, Target_Tag: tag, Location: `lib/${fn}.c` },
      time: day(i),
    }))));
    add(`tfa complexity tracking ${tag}`, envelope('tfa_complexity_tracking', [{
      measurement: 'TFA_Complexity_Tracking',
      fields: { Functions_Exceeding_Threshold_Not_Whitelisted: 2 + i, Whitelisted: 'no', Threshold: 10 },
      tags: { Git_Tag_Date: date, Target_Tag: tag },
      time: day(i),
    }]));
    add(`tfm complexity ${tag}`, envelope('tfm_complexity_stats', complexFunctions('tfm', i).map((fn, k) => ({
      measurement: 'TFM_Complexity_Statistics',
      fields: { Function: fn, Whitelisted: 'no', Location: `secure_fw/${fn}.c`, Score: 11 + k + i, Threshold: 10 },
      tags: { Git_Tag_Date: String(date), Target_Tag: `TF-M${tag}`, Base_Tag: `TF-M${base}`, Location_Tag: `secure_fw/${fn}.c` },
      time: day(i),
    }))));
    add(`tfa defects ${i}`, envelope('tfa_defects_stats', [{
      measurement: 'TFA_Defects_Statistics',
      fields: { Title: `Defect ${i}`, Issue_Status: 'Open', URL: `https://issues.example.org/${i}` },
      tags: { Defect_ID: `D-${i}`, Measured_Date: String(date) },
      time: day(i),
    }]));
    add(`tfa defects tracking ${i}`, envelope('tfa_defects_tracking', [{
      measurement: 'TFA_Defects_Tracking',
      fields: { Issue_Status: 'Open', Number_of_Defects: 10 + i },
      tags: { Measured_Date: String(date) },
      time: day(i),
    }]));
    add(`tfm defects ${i}`, envelope('tfm_defects_stats', [{
      measurement: 'TFM_Defects_Statistics',
      fields: { Status: 'Open', Priority: 'High', Summary: `Defect ${i}`, URL: `https://issues.example.org/T${i}`, Existing_Defect: 1 },
      tags: { Defect_ID: `T${i}`, Measured_Date: String(date) },
      time: day(i),
    }]));
  });
  return out;
}

/** The valid payloads of every fixture table, then the history. */
export function seedPayloads(fixturesDir: string): SeedPayload[] {
  const out: SeedPayload[] = [];
  for (const file of readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).sort()) {
    const table = JSON.parse(readFileSync(path.join(fixturesDir, file), 'utf8')) as { valid: { name: string; payload: Record<string, unknown> }[] };
    for (const v of table.valid) out.push({ name: `${file}: ${v.name}`, payload: v.payload, required: false });
  }
  return [...out, ...history()];
}
