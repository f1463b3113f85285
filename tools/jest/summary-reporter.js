// Jest reporter: records each package's totals in <root>/.test-results/<package>.json so
// that .ci/run can print one closing line over the whole workspace.
const fs = require('node:fs');
const path = require('node:path');

const outDir = path.resolve(__dirname, '../../.test-results');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    fs.mkdirSync(outDir, { recursive: true });
    const name = path.relative(path.resolve(__dirname, '../..'), this.rootDir).replace(/[\\/]/g, '__') || 'root';
    const summary = {
      package: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(summary));
  }
}
module.exports = SummaryReporter;
