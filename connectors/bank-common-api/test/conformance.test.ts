// The SDK's conformance kit against the 銀行共通API sandbox: every check, every fault, at the
// kit's default sizes (pagination at 0, 1, 200, 201, 401 and 100,000 transactions).
// Challenge checks show as not applicable: a redirect connector relays no challenges (the
// bank asks them on its own login page), which the kit reads from the manifest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { identities, sandboxConnector, SPEC, startSandbox } from './sandbox-support';

runConformanceSuite({
  connector: sandboxConnector,
  startSandbox,
  identities,
  // The grant as version 0.1.0 serialises it (test/fixtures/grant-v1.json): later versions must still read it.
  previousVersions: { grants: [readFileSync(join(__dirname, 'fixtures', 'grant-v1.json'), 'utf8').trim()] },
  // The sandbox's answers are checked against the published spec (sandbox-matches-spec).
  spec: { file: SPEC.path },
  // The 銀行共通API pages by number: only `page` moves from page to page.
  pagingParameters: ['page'],
  skips: {
    'other-currency':
      'the 銀行共通API has no currency: neither /accounts nor /transactions carries one (the spec’s amounts are yen), so an account in another currency cannot be expressed',
  },
});
