// Where the checkout is, for tests that read the shipped files (deploy/, docs/, dashboards); tests run from dist/test.
import { fileURLToPath } from 'node:url';

/** The repository's root directory, with a trailing separator. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
