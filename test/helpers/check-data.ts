// Payloads for the gate's tests, and an embedded store filled through the real ingest pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReadStoreCheckSource } from '../../src/check/check-source.js';
import { type HeadMetric, headFromPayloads } from '../../src/check/head.js';
import { JsonBody } from '../../src/ingest/json.js';
import { preparePayload } from '../../src/metrics/prepare.js';
import { type MetricRegistry, loadRegistry } from '../../src/metrics/registry.js';
import { EmbeddedReadStore } from '../../src/embedded/read-store.js';
import { EmbeddedStore } from '../../src/embedded/store.js';

export type Payload = Record<string, unknown>;

const envelope = (metric: string, data: unknown[]): Payload => ({ api_version: '1.0', metadata: { metrics: metric }, data });

/** A time `i` days after 2024-01-01 (commits of a history, oldest first). */
export function day(i: number): string {
  return new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString();
}

export interface SizeConfig {
  measurement: string;
  binMode: string;
  fields: Record<string, number>;
}

export function imageSize(commit: string, configs: SizeConfig[], time: string): Payload {
  return envelope(
    'tfa_image_size',
    configs.map((c) => ({ measurement: c.measurement, fields: c.fields, tags: { BinMode: c.binMode, CommitID: commit, CommitTitle: `commit ${commit}` }, time })),
  );
}

export function misra(commit: string, measurement: string, counts: { mandatory: number; required: number; advisory: number }, time: string): Payload {
  const fields = {
    TotalDefects: counts.mandatory + counts.required + counts.advisory,
    MandatoryDefects: counts.mandatory,
    RequiredDefects: counts.required,
    AdvisoryDefects: counts.advisory,
  };
  return envelope('tfa_misra_defects', [{ measurement, fields, tags: { BinMode: 'Debug', CommitID: commit, CommitTitle: `commit ${commit}` }, time }]);
}

export interface Fn {
  name: string;
  file: string;
  line?: number;
  score: number;
  whitelisted?: boolean;
}

export function complexity(tag: string, fns: Fn[], time: string, threshold = 10): Payload {
  return envelope(
    'tfa_complexity_stats',
    fns.map((f) => ({
      measurement: 'TFA_Complexity_Statistics',
      fields: { Function_ID: f.name, Score: f.score, Whitelisted: f.whitelisted ? 'yes' : 'no', Threshold: threshold },
      tags: { Git_Tag_Date: 20240101, Base_Tag: 'v0', Target_Tag: tag, Location: `${f.file}:${f.line ?? 1}` },
      time,
    })),
  );
}

export interface Latency {
  tc: string;
  core: number;
  value: number;
}

export function rtinstr(commit: string, samples: Latency[], time: string, measurement = 'juno-tftf+aarch64-rt64.instr-r2'): Payload {
  return envelope(
    'tfa_rtinstr',
    samples.map((s, i) => ({
      measurement,
      fields: { Latency_EL3Entry_EL3Exit: s.value },
      tags: { CommitID: commit, CommitTitle: `commit ${commit}`, TC_Name: s.tc, Cluster_ID: 0, CPU_Core: s.core },
      // Samples of one run a millisecond apart, so that they are distinct points.
      time: new Date(Date.parse(time) + i).toISOString(),
    })),
  );
}

/** tfa_defects_stats: one point per defect, with the status given. */
export function defects(measuredDate: string, statuses: string[]): Payload {
  return envelope(
    'tfa_defects_stats',
    statuses.map((status, i) => ({
      measurement: 'TFA_Defects_Statistics',
      fields: { Title: `defect ${i}`, Issue_Status: status, URL: `https://tracker.example/T${i}` },
      tags: { Defect_ID: `T${i}`, Measured_Date: measuredDate },
    })),
  );
}

export function churn(target: string, base: string, lines: number, time: string): Payload {
  return envelope('tfa_code_churn', [
    { measurement: 'TFA_CodeChurn_Tracking', fields: { Lines_of_Change: lines }, tags: { Git_Tag_Date: 20240101, Base_Tag: base, Target_Tag: target }, time },
  ]);
}

/** tfm_image_size: its own envelope, one point per build. */
export function tfmImageSize(commit: string, files: { file: string; bss: number; data: number; text: number }[], time: string): Payload {
  return {
    api_version: '1.0',
    metadata: {
      metrics: 'tfm_image_size',
      data_producer: 'tf-m-ci',
      git_info: { commit_time: time, commit_title: `commit ${commit}`, commit_id: commit, commit_url: `https://review.example/${commit}`, branch: 'main' },
      build_info: { build_type: 'Release', cmake_config: 'ConfigDefault', compiler: 'GNUARM', target: 'AN521' },
    },
    data: files,
  };
}

export const body = (p: Payload): JsonBody => JsonBody.parse(JSON.stringify(p));

/** The head of a check from payloads, stamped at `nowNs`. */
export function head(registry: MetricRegistry, payloads: Payload[], nowNs = BigInt(Date.now()) * 1_000_000n): HeadMetric[] {
  return headFromPayloads(payloads.map(body), registry, nowNs);
}

/** An embedded store in a temporary data dir, written by the real sink from prepared payloads. */
export class EmbeddedFixture {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'qmb-check-'));
  readonly registry = loadRegistry();
  readonly sink = new EmbeddedStore(this.dir);
  readonly source = new ReadStoreCheckSource(new EmbeddedReadStore(this.sink.database));

  /** Stores payloads as the delivery worker would; points without time are stamped at `nowNs`. */
  async store(payloads: Payload[], nowNs = BigInt(Date.now()) * 1_000_000n): Promise<void> {
    for (const p of payloads) {
      const prepared = preparePayload(body(p), this.registry, nowNs);
      const result = await this.sink.write(prepared.database, [prepared.lines]);
      if (!result.ok) throw new Error(result.message);
    }
  }

  async close(): Promise<void> {
    await this.sink.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
