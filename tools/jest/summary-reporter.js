// Jest reporter: records each package's totals, and how long each of its test files took, in
// <root>/.test-results/<package>.json so that .ci/run can print one closing line over the
// whole workspace and the slowest files (tools/jest/summarize.js).
// Option: `outDir` (another directory for the records; the reporter's test uses one).
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '../..');
const defaultOutDir = path.join(repoRoot, '.test-results');

/** A path as the records show it: relative to the repository root when inside it. */
const shown = (file) => {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
};

class SummaryReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.outDir = options.outDir ?? defaultOutDir;
  }
  onRunComplete(_contexts, results) {
    fs.mkdirSync(this.outDir, { recursive: true });
    const relative = path.relative(repoRoot, this.rootDir);
    const name = (relative.startsWith('..') ? path.basename(this.rootDir) : relative.replace(/[\\/]/g, '__')) || 'root';
    const summary = {
      package: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      // Each test file's wall time in this run (from its start to its end in the worker), in ms.
      files: results.testResults.map((r) => ({
        file: shown(r.testFilePath),
        ms: Math.max(0, (r.perfStats?.end ?? 0) - (r.perfStats?.start ?? 0)),
        failed: r.numFailingTests > 0 || Boolean(r.testExecError),
      })),
    };
    fs.writeFileSync(path.join(this.outDir, `${name}.json`), JSON.stringify(summary));
  }
}
module.exports = SummaryReporter;
