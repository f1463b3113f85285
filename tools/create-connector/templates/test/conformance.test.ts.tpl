// The conformance kit against this package's own sandbox (test/sandbox).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { __CAMEL__ } from '../src';
import { kitIdentities, startKitSandbox } from './sandbox/kit';
import { SPEC_FILE } from './sandbox/spec';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

runConformanceSuite({
  connector: __CAMEL__,
  startSandbox: (scenario) => startKitSandbox(scenario, __CAMEL__),
  identities: kitIdentities,
  // The kit's default is 100 000 items; 2 000 (20 pages) keeps this file quick. Raise it
  // once the sandbox speaks your bank's real paging.
  largeCount: 2_000,
  // The sandbox's answers are checked against the spec (sandbox-matches-spec): SPEC_FILE in
  // test/sandbox/spec.ts — the sandbox's own openapi.yaml until you point it at the bank's.
  spec: { file: SPEC_FILE },
  // Grants serialised by earlier versions of this package (commit one per grant change):
  // they must still decode, or every stored connection breaks on upgrade.
  previousVersions: { grants: [fixture('grant.v1.json')] },
});
