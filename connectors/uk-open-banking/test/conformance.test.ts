// The conformance kit against the UK Open Banking sandbox (tools/sandbox-bank/src/uk-open-banking).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { ukOpenBanking } from '../src';
import { kitIdentities, SPEC_FILE, startKitSandbox } from './sandbox/kit';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

runConformanceSuite({
  connector: ukOpenBanking,
  startSandbox: (scenario) => startKitSandbox(scenario, ukOpenBanking),
  identities: kitIdentities,
  // The bank's pages are 100 items: 10 000 items is 100 pages (the kit's default 100 000 would
  // be 1 000 pages and over a minute on a shared machine; the file stays under one).
  largeCount: 10_000,
  // Links.Next moves `page`; the window (fromBookingDateTime/toBookingDateTime) stays.
  pagingParameters: ['page'],
  // The sandbox's answers are checked against the published spec (sandbox-matches-spec).
  spec: { file: SPEC_FILE },
  // Grants serialised by earlier versions of this package (commit one per grant change):
  // they must still decode, or every stored connection breaks on upgrade.
  previousVersions: { grants: [fixture('grant.v1.json')] },
});
