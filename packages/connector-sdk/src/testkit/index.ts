/**
 * @kinko/connector-sdk/testkit — the conformance kit every connector runs against its
 * sandbox: `runConformanceSuite(config)` in a jest test file, or the checks as plain async
 * functions (`runConformanceCheck`, `runConformanceChecks`).
 */
export * from './config';
export {
  conformanceCheck,
  conformanceChecks,
  kitHttpDefaults,
  runConformanceCheck,
  runConformanceChecks,
  type CheckReport,
  type Env as ConformanceEnvironment,
  type ConformanceCheck,
} from './checks';
export { runConformanceSuite } from './suite';
