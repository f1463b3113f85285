// Shared jest settings. Workspace packages resolve to their TypeScript sources through
// the "@kinko/source" export condition, so tests never need a prior build.
// effect 4 ships ES modules only; swc turns it into CommonJS like our own sources
// (types are checked by `check-types`, not by jest).
const path = require('node:path');

/** @param {string} dir the package directory (pass __dirname) */
module.exports = function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testEnvironmentOptions: {
      customExportConditions: ['@kinko/source', 'node', 'require', 'default'],
    },
    transform: {
      '^.+\\.[cm]?[tj]sx?$': [
        path.join(__dirname, 'tools/jest/swc-cjs-transform.js'),
        {
          jsc: {
            target: 'es2023',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/)'],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
    // Generous per-test bound: property tests and sandbox start-ups run on a loaded 2-core CI machine.
    testTimeout: 30_000,
    reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.js')],
    testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
    ...overrides,
  };
};
