// The conformance kit against this package's own sandbox (test/sandbox).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { gmoAozora } from '../src';
import { kitIdentities, SPEC_FILE, startKitSandbox } from './sandbox/kit';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

runConformanceSuite({
  connector: gmoAozora,
  startSandbox: (scenario) => startKitSandbox(scenario, gmoAozora),
  identities: kitIdentities,
  // The bank's 500 items a page: the kit's default 100 000 items is 200 pages.
  // The sandbox's answers are checked against the published spec (sandbox-matches-spec).
  spec: { file: SPEC_FILE },
  // Grants serialised by earlier versions of this package (commit one per grant change):
  // they must still decode, or every stored connection breaks on upgrade.
  previousVersions: { grants: [fixture('grant.v1.json')] },
});
