// One embedded PostgreSQL serves the whole run (test/support/global-setup.ts); each test
// file gets its own database cloned from a migrated template.
const path = require('node:path');

const config = require('../../jest.base.js')(__dirname, {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Every answer of the apps a test starts is validated against the app's OpenAPI document (Ajv).
  setupFilesAfterEnv: ['<rootDir>/test/support/openapi-conformance.setup.ts'],
  testTimeout: 60_000,
  // The suite's ~180 files grow one process's heap past Node's limit (a run died at 3.6 GB after
  // 22 minutes): a test worker whose memory exceeds this after a file is replaced by a fresh one
  // (setting it also makes jest use a worker even with one core free, instead of running in band).
  workerIdleMemoryLimit: '1GB',
  // Every dependency goes through the transformer, which compiles exactly the ES modules
  // among them (see test/support/jest-esm-transform.js) and leaves CommonJS untouched.
  transformIgnorePatterns: [],
});

// Same swc options, through the ESM-aware wrapper.
const [pattern, [, options]] = Object.entries(config.transform)[0];
config.transform = { [pattern]: [path.join(__dirname, 'test/support/jest-esm-transform.js'), options] };

module.exports = config;
