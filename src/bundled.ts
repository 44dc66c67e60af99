// What the single-file CLI (dist/cli/qmb.mjs) carries inside itself; scripts/build-cli.mjs fills it in, the compiled package leaves it empty and reads its files.

/** The package version and the built-in metric definitions: folder name -> file name -> text. */
export interface Bundled {
  readonly version: string;
  readonly metrics: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Undefined in the compiled package (dist/src), where package.json and metrics/ are files beside
 * the code; the bundle's build replaces this module with the values, so that one file is enough.
 */
export const BUNDLED: Bundled | undefined = undefined;
