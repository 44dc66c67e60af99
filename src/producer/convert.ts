// Turns parsed CI text (or sizes read from ELF files) into payloads shaped exactly like the
// older TF-A scripts sent them, so existing dashboards keep their series.
import type { CommitInfo, ImageSizeText, MisraText, RtInstrText, SectionLetter } from './ci-text.js';
import { makePayload, type DataItem, type Payload } from './payload.js';

/** Images whose sizes TF-A tracks; other ELF files in the CI text are skipped. */
export const TRACKED_IMAGES = ['bl1', 'bl1u', 'bl2', 'bl2u', 'bl31', 'bl32'] as const;

/** `debug` -> `Debug`, `RELEASE` -> `Release`: the older scripts title-cased BinMode. */
export function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** The commit tags the older scripts sent: the id cut to 10 characters, and the title. */
export function commitTags(commit: CommitInfo): { CommitID: string; CommitTitle: string } {
  return { CommitID: commit.id.slice(0, 10), CommitTitle: commit.title };
}

/** Sizes of one image by section letter, as read from text or from an ELF file. */
export interface ImageSectionSizes {
  name: string;
  sections: Partial<Record<SectionLetter, number>>;
}

/** Inputs of a `tfa_image_size` payload, whatever they were read from. */
export interface ImageSizeInput {
  buildConfig: string;
  binMode: string;
  commit: CommitInfo;
  images: ImageSectionSizes[];
}

/**
 * Builds `tfa_image_size`: one point named after the build config with `<IMAGE>_<SECTION>`
 * fields for the tracked images. Throws when no tracked image has any section (the schema
 * needs at least one field) or when an image appears twice (its fields would collide).
 * `onSkip` hears about untracked images, so the caller can say so on stderr.
 */
export function imageSizePayload(input: ImageSizeInput, onSkip?: (name: string) => void): Payload {
  const fields: Record<string, number> = {};
  const seen = new Set<string>();
  for (const image of input.images) {
    const name = image.name.toLowerCase();
    if (!(TRACKED_IMAGES as readonly string[]).includes(name)) {
      onSkip?.(image.name);
      continue;
    }
    if (seen.has(name)) throw new Error(`image ${name} is listed twice`);
    seen.add(name);
    for (const [letter, bytes] of Object.entries(image.sections)) {
      if (bytes !== undefined) fields[`${name.toUpperCase()}_${letter}`] = bytes;
    }
  }
  if (Object.keys(fields).length === 0) {
    throw new Error(`no section sizes for any tracked image (${TRACKED_IMAGES.join(', ')})`);
  }
  const item: DataItem = {
    measurement: input.buildConfig,
    fields,
    tags: { BinMode: titleCase(input.binMode), ...commitTags(input.commit) },
    time: input.commit.date,
  };
  return makePayload('tfa_image_size', [item]);
}

/** Builds `tfa_image_size` from a parsed `image_size.txt`, naming the line of a duplicate image. */
export function imageSizeTextPayload(text: ImageSizeText, file: string, onSkip?: (name: string) => void): Payload {
  const firstLine = new Map<string, number>();
  for (const image of text.images) {
    const name = image.name.toLowerCase();
    const earlier = firstLine.get(name);
    if (earlier !== undefined && (TRACKED_IMAGES as readonly string[]).includes(name)) {
      throw new Error(`${file}:${image.line}: image ${name} already listed at line ${earlier}`);
    }
    firstLine.set(name, image.line);
  }
  try {
    return imageSizePayload(text, onSkip);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** Builds `tfa_misra_defects`: one point named after the build config with the four counts. */
export function misraPayload(text: MisraText): Payload {
  return makePayload('tfa_misra_defects', [
    {
      measurement: text.buildConfig,
      fields: { ...text.counts },
      tags: { BinMode: titleCase(text.binMode), ...commitTags(text.commit) },
      time: text.commit.date,
    },
  ]);
}

/**
 * Builds `tfa_rtinstr`: one point per sample line, named after the instrumentation target.
 * Repeated identical lines stay repeated: the broker, not the converter, owns deduplication.
 */
export function rtInstrPayload(text: RtInstrText): Payload {
  const data = text.samples.map((s): DataItem => {
    const fields: Record<string, number> =
      s.latencies.length === 1
        ? { Latency_EL3Entry_EL3Exit: s.latencies[0] }
        : {
            Latency_EL3Entry_CPUPowerDown: s.latencies[0],
            Latency_CPUWakeup_EL3Exit: s.latencies[1],
            CacheFlush: s.latencies[2],
          };
    return {
      measurement: text.target,
      fields,
      tags: { ...commitTags(text.commit), TC_Name: s.testCase, Cluster_ID: s.clusterId, CPU_Core: s.cpuCore },
      time: text.commit.date,
    };
  });
  return makePayload('tfa_rtinstr', data);
}
