import type * as JestGlobals from '@jest/globals';
import { conformanceChecks, runConformanceCheck } from './checks';
import { validateConformanceConfig, type ConformanceConfig } from './config';

// Loaded on use, not at import: @jest/globals throws outside a jest run, and the checks
// themselves must stay importable from plain scripts.
function jestGlobals(): typeof JestGlobals {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@jest/globals') as typeof JestGlobals;
}

/**
 * Declares the conformance suite in the calling jest test file: one test per check, a
 * skipped test (with its reason in the title) per skip or non-applicable check. An invalid
 * config — a skip without a reason, an unknown check name — throws here, failing the file.
 */
export function runConformanceSuite(config: ConformanceConfig): void {
  validateConformanceConfig(config);
  const { describe, it } = jestGlobals();
  const manifest = config.connector.manifest;
  describe(`connector conformance: ${manifest.id}`, () => {
    for (const check of conformanceChecks) {
      const skip = config.skips?.[check.name];
      const na = check.notApplicable?.(manifest, config);
      if (skip !== undefined) it.skip(`${check.name}: ${check.title} — skipped: ${skip}`, () => undefined);
      else if (na !== undefined) it.skip(`${check.name}: ${check.title} — not applicable: ${na}`, () => undefined);
      else it(`${check.name}: ${check.title}`, async () => void (await runConformanceCheck(check.name, config)), check.timeoutMs);
    }
  });
}
