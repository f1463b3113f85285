/**
 * The SDK's conformance kit against the PolishAPI sandbox: every check runs, none skipped
 * (balances are declared; the manifest declares no challenges and no branches, so the kit
 * marks those three checks not applicable by itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { polishApi } from '../src';
import { conformanceConfig } from './polish-sandbox';

runConformanceSuite({
  ...conformanceConfig(polishApi),
  // The grant as version 0.1.0 serialises it (test/fixtures/grant-v1.json): later versions must still read it.
  previousVersions: { grants: [readFileSync(join(__dirname, 'fixtures', 'grant-v1.json'), 'utf8').trim()] },
});
