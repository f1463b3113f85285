// The conformance kit against this package's own sandbox (test/sandbox).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { ukOpenBanking } from '../src';
import { kitIdentities, startKitSandbox } from './sandbox/kit';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

runConformanceSuite({
  connector: ukOpenBanking,
  startSandbox: (scenario) => startKitSandbox(scenario, ukOpenBanking),
  identities: kitIdentities,
  // The kit's default is 100 000 items; 2 000 (20 pages) keeps this file quick. Raise it
  // once the sandbox speaks your bank's real paging.
  largeCount: 2_000,
  // Grants serialised by earlier versions of this package (commit one per grant change):
  // they must still decode, or every stored connection breaks on upgrade.
  previousVersions: { grants: [fixture('grant.v1.json')] },
});
