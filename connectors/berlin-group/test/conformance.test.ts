/**
 * The SDK's conformance kit against the Berlin Group sandbox: every check runs, none skipped
 * (the manifest declares no daily balances, no branches and no challenges, so the kit marks
 * those checks not applicable by itself).
 */
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { berlinGroup } from '../src';
import { conformanceConfig } from './support';

runConformanceSuite(conformanceConfig(berlinGroup));
