// One ESLint flat config for the whole workspace. Besides typescript-eslint's
// recommended rules it enforces the layering of DESIGN.md §1:
//   domain ← connector-sdk ← connectors ← apps/api; tools/* may import anything;
//   nothing imports apps/* (but the development launcher tools/dev-server, through the app's
//   package entry); connectors never import each other; domain imports only effect;
//   connector-sdk imports no connector, app or tool; apps/api imports no tool (tools depend
//   on the app, not the other way), and its production source no development package.
// The rule is proved by tools/lint-fixtures (see test/layering.test.ts at the root).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noApps = {
  group: ['@kinko/api', '@kinko/api/*', '**/apps/**'],
  message: 'Nothing imports apps/*: the app is the top layer.',
};

// The app's tests may read ../shared through the workspace's one reader (tools/jest/shared-files).
const appNoTools = {
  regex: '^(@kinko/(bench|lint-fixtures|dev-server)(/|$)|(\\.\\./)+tools/(?!jest/shared-files$))',
  message: 'apps/api imports no development tool (tools/*): the tools depend on the app, not the other way.',
};

const appNoDevPackages = {
  regex: '^@kinko/sandbox-bank(/|$)',
  message:
    "The app's production source imports no development package: the sandbox banks are wired in by tools/dev-server (startKinko's developmentBanks hook); tests may use them.",
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
    // The app may import itself (relative paths stay inside apps/api), but no tool.
    files: ['apps/api/**', 'tools/lint-fixtures/fixtures/apps/api/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [appNoTools] }] },
  },
  {
    files: ['apps/api/src/**', 'tools/lint-fixtures/fixtures/apps/api/src/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [appNoTools, appNoDevPackages] }],
      // One way to run a transaction: runTransaction (apps/api/src/database/transaction.ts), whose
      // BEGIN leaves with the first statement; TypeORM's own waits for BEGIN's answer first.
      'no-restricted-syntax': [
        'error',
        ...['dataSource', 'manager'].flatMap((name) => [
          { selector: `CallExpression[callee.property.name='transaction'][callee.object.name='${name}']`, message: 'Run a transaction with runTransaction (database/transaction.ts).' },
          { selector: `CallExpression[callee.property.name='transaction'][callee.object.property.name='${name}']`, message: 'Run a transaction with runTransaction (database/transaction.ts).' },
        ]),
      ],
    },
  },
  {
    // The development launcher: the one package that depends on the app (its package entry only) and the sandbox.
    files: ['tools/dev-server/**', 'tools/lint-fixtures/fixtures/tools/dev-server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@kinko/api/*', '**/apps/**'], message: 'The launcher reaches the app only through its package entry (@kinko/api).' }] },
      ],
    },
  },
  {
    files: ['packages/connector-sdk/**', 'tools/lint-fixtures/fixtures/packages/connector-sdk/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noApps,
            {
              regex: '^(@kinko/(connector-(?!sdk(/|$))|sandbox-bank|bench|lint-fixtures|dev-server)|(\\.\\./)+(connectors|apps|tools)/)',
              message: 'The connector SDK imports no connector, app or tool: they build on it.',
            },
          ],
        },
      ],
    },
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
  {
    // A connector's tests may also read ../shared through the workspace's one reader (tools/jest/shared-files).
    files: ['connectors/*/test/**', 'tools/lint-fixtures/fixtures/connectors/*/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noApps,
            {
              group: ['@kinko/connector-*', '!@kinko/connector-sdk', '!@kinko/connector-sdk/*'],
              message: 'A connector never imports another connector (or reaches outside its package by path).',
            },
            {
              regex: '^\\.\\./\\.\\./(?!(\\.\\./)*tools/jest/shared-files$)',
              message: 'A connector never imports another connector (or reaches outside its package by path).',
            },
          ],
        },
      ],
    },
  },
);
