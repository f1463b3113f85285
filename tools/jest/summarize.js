// Prints the workspace's test totals as one closing line: "tests: N passed, N failed, N skipped",
// then the slowest test files (each package's record lists its files' durations; see
// summary-reporter.js). Usage: node tools/jest/summarize.js [results dir] — the default is
// <root>/.test-results. Exits 1 when a test failed or none passed.
const fs = require('node:fs');
const path = require('node:path');

/** How many of the slowest files are listed after the totals. */
const SLOWEST = 15;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The report's lines over the records in `dir`, and whether the run failed. */
function summarize(dir) {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  const lines = [];
  const timed = [];
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const testFiles = r.files ?? [];
    const ms = testFiles.reduce((sum, t) => sum + t.ms, 0);
    const time = testFiles.length > 0 ? ` (${testFiles.length} files, ${seconds(ms)})` : '';
    lines.push(`  ${r.package}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${time}`);
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
    timed.push(...testFiles);
  }
  lines.push(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  if (timed.length > 0) {
    const slowest = [...timed].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST);
    lines.push(`slowest test files (${slowest.length} of ${timed.length}):`);
    for (const t of slowest) lines.push(`  ${seconds(t.ms).padStart(8)}  ${t.file}${t.failed ? '  (failed)' : ''}`);
  }
  return { lines, failed: total.failed > 0 || total.passed === 0 };
}

module.exports = { summarize, SLOWEST };

if (require.main === module) {
  const { lines, failed } = summarize(path.resolve(process.argv[2] ?? path.resolve(__dirname, '../../.test-results')));
  for (const line of lines) console.log(line);
  process.exit(failed ? 1 : 0);
}
