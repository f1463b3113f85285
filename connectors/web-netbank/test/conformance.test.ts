// The conformance kit against the net bank sandbox.
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { webNetbank } from '../src';
import { kitIdentities, startKitSandbox } from './support/sandbox';

runConformanceSuite({
  connector: webNetbank,
  startSandbox: (scenario) => startKitSandbox(scenario, webNetbank),
  identities: kitIdentities,
  // 20 000 rows are 400 statement pages. The kit's default of 100 000 (2 000 pages) passes
  // too, but takes 200 s of the manifest's own pacing (10 requests a second, a careful
  // browser's pace) on top of the work; the paging code does not depend on the count, and
  // 400 pages already hold far more than the 400 days a net bank shows online.
  largeCount: 20_000,
  skips: {
    // Issue 17 §3's stricter checks this sandbox adapter cannot drive yet (each a follow-up):
    'requests-repeat-window': 'the tools/sandbox-bank adapter hands the kit no record of the requests yet (the sandbox’s RequestLog is not wired to SandboxHandle.requests); paging and windows are covered by pagination, date-bounds-inclusive and incremental-read',
    'fault-mid-stream': 'the tools/sandbox-bank adapter maps SandboxFault onto FaultInjector without afterRequests yet, so it cannot fail page 2 alone',
    'next-link-looping': 'the tools/sandbox-bank adapter injects no next-link faults yet (loopingNext)',
    'next-link-malformed': 'the tools/sandbox-bank adapter injects no next-link faults yet (malformedNext)',
    'consent-ended-at-bank': 'the tools/sandbox-bank adapter does not offer endConsentAtBank to the kit yet',
    'other-currency': 'the tools/sandbox-bank adapter ignores the scenario’s currency (its accounts are in the bank’s one currency)',
    'bank-page-size': 'the tools/sandbox-bank adapter ignores the scenario’s bankPageSize',
    'previous-versions': 'no grant serialised by a released version is committed as a fixture yet',
    'refresh-rotates':
      'nothing rotates at a password-only bank: the grant is the user’s own credentials (plus cookies), so a replaced grant keeps logging in as long as the password is valid at the bank. refresh proves the grant still opens the bank and returns it with the live session’s cookies (test/auth.test.ts)',
    revoke:
      'a password cannot be revoked at the bank: revoke logs out (the bank session ends) and forgets the cookies, and the app deletes the grant, its only copy; a leftover copy would still log in. Tested in test/auth.test.ts',
  },
});
