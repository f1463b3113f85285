// The README's example connector passes the conformance kit against the fake bank (which
// speaks the same API), configured exactly as the README shows.
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { exampleBank } from './readme-example/example-bank';
import { startToySandbox, toyIdentities, toyPreviousVersions } from './fake-bank/sandbox';

runConformanceSuite({
  connector: exampleBank,
  startSandbox: (scenario) => startToySandbox(scenario, exampleBank.manifest.limits.pageSize),
  identities: { valid: toyIdentities.valid, wrongPassword: toyIdentities.wrongPassword },
  largeCount: 2_000, // the toy suites read 100 000; this bank allows 10 requests per second
  pagingParameters: ['page'],
  previousVersions: { grants: toyPreviousVersions.grants },
});
