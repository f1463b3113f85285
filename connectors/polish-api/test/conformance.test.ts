/**
 * The SDK's conformance kit against the PolishAPI sandbox: every check runs, none skipped
 * (balances are declared; the manifest declares no challenges and no branches, so the kit
 * marks those three checks not applicable by itself).
 */
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { polishApi } from '../src';
import { conformanceConfig } from './polish-sandbox';

runConformanceSuite(conformanceConfig(polishApi));
