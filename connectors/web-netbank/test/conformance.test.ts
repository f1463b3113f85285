// The conformance kit against the net bank sandbox.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  // A grant and a challenge state as version 0.1.0 serialises them (test/fixtures): later versions must still read them.
  previousVersions: {
    grants: [readFileSync(join(__dirname, 'fixtures', 'grant-v1.json'), 'utf8').trim()],
    challengeStates: [readFileSync(join(__dirname, 'fixtures', 'challenge-state-v1.json'), 'utf8').trim()],
  },
  // The statement pages by number: only `page` moves from page to page.
  pagingParameters: ['page'],
  skips: {
    'other-currency':
      'the net bank shows yen accounts only: its pages carry no currency (amounts are 円), so an account in another currency cannot be expressed',
    'refresh-rotates':
      'nothing rotates at a password-only bank: the grant is the user’s own credentials (plus cookies), so a replaced grant keeps logging in as long as the password is valid at the bank. refresh proves the grant still opens the bank and returns it with the live session’s cookies (test/auth.test.ts)',
    revoke:
      'a password cannot be revoked at the bank: revoke logs out (the bank session ends) and forgets the cookies, and the app deletes the grant, its only copy; a leftover copy would still log in. Tested in test/auth.test.ts',
  },
});
