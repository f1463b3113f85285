// One ESLint flat config for the whole workspace. Besides typescript-eslint's
// recommended rules it enforces the layering of DESIGN.md §1:
//   domain ← connector-sdk ← connectors ← apps/api; tools/* may import anything;
//   nothing imports apps/*; connectors never import each other; domain imports only effect.
// The rule is proved by tools/lint-fixtures (see test/layering.test.ts at the root).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noApps = {
  group: ['@kinko/api', '@kinko/api/*', '**/apps/**'],
  message: 'Nothing imports apps/*: the app is the top layer.',
};

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/.turbo/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [noApps] }],
    },
  },
  {
    // The app may import itself (relative paths stay inside apps/api).
    files: ['apps/api/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['packages/domain/**', 'tools/lint-fixtures/fixtures/packages/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Everything but effect (and relative files inside the package) is forbidden.
              // Allowed in tests: effect, fast-check, @jest/globals, node: built-ins, ./x and
              // ../x (not ../../x), and the workspace's reader of ../shared (tools/jest/shared-files).
              regex: '^(?!(effect|fast-check|@jest/globals)(/|$)|node:|\\./|\\.\\./(?!\\.\\./)|(\\.\\./)+tools/jest/shared-files$)',
              message: '@kinko/domain imports only effect (tests may also use fast-check and node: built-ins).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/domain/src/**', 'tools/lint-fixtures/fixtures/packages/domain/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!effect(/|$)|\\./|\\.\\./(?!\\.\\./))',
              message: '@kinko/domain imports only effect.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['connectors/**', 'tools/lint-fixtures/fixtures/connectors/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noApps,
            {
              group: ['@kinko/connector-*', '!@kinko/connector-sdk', '!@kinko/connector-sdk/*', '../../*', '../../../*'],
              message: 'A connector never imports another connector (or reaches outside its package by path).',
            },
          ],
        },
      ],
    },
  },
);
