// `collect image-size`: the `tfa_image_size` payload straight from ELF files.
import { imageNameOf, type CommitInfo } from './ci-text.js';
import { imageSizePayload, TRACKED_IMAGES } from './convert.js';
import { readElfSizes } from './elf-sizes.js';
import type { Payload } from './payload.js';

/** Options of {@link collectImageSize}. */
export interface ImageSizeOptions {
  files: readonly string[];
  buildConfig: string;
  binMode: string;
  commit: CommitInfo;
}

/**
 * Reads each ELF file and builds the same payload the text path would for the same sizes.
 * Images are named after their file (`build/fvp/debug/bl31/bl31.elf` -> `bl31`).
 */
export async function collectImageSize(opts: ImageSizeOptions, log: (line: string) => void = () => {}): Promise<Payload> {
  const images = [];
  for (const file of opts.files) {
    const name = imageNameOf(file);
    if (!(TRACKED_IMAGES as readonly string[]).includes(name.toLowerCase())) {
      log(`image-size: skipping ${file}: ${name} is not one of ${TRACKED_IMAGES.join(', ')}`);
      continue;
    }
    const sections = await readElfSizes(file);
    log(`image-size: ${file}: ${Object.entries(sections).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    images.push({ name, sections });
  }
  return imageSizePayload({ buildConfig: opts.buildConfig, binMode: opts.binMode, commit: opts.commit, images });
}
