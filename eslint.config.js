// ESLint flat config: type-checked typescript-eslint rules for the Node tree, plain JS rules for the dashboard.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'data/', 'test-output/', 'node_modules/'] },
  {
    // Everything that runs under Node: the TypeScript tree plus the build and test scripts.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.mjs', 'eslint.config.js'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // The scripts are not part of tsconfig.json (tsc would compile them into dist/); they get the default project.
        projectService: { allowDefaultProject: ['scripts/*.mjs', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Same conventions as tsc's noUnusedLocals/noUnusedParameters: a leading _ marks a parameter kept for its
      // position, and destructuring beside a ...rest names what the rest leaves out.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // node:test's describe/it/test return promises that the runner itself awaits and reports;
      // awaiting them in a test file would only serialise the suite.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
    },
  },
  {
    // The dashboard is browser JavaScript without types: the recommended JS rules only.
    files: ['public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      // uPlot is loaded by a classic <script> tag before the modules.
      globals: { ...globals.browser, uPlot: 'readonly' },
    },
  },
);
