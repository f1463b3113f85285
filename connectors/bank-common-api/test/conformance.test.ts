// The SDK's conformance kit against the 銀行共通API sandbox: every check, every fault, at the
// kit's default sizes (pagination at 0, 1, 200, 201, 401 and 100,000 transactions).
// Challenge checks show as not applicable: a redirect connector relays no challenges (the
// bank asks them on its own login page), which the kit reads from the manifest.
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { identities, sandboxConnector, startSandbox } from './sandbox-support';

runConformanceSuite({ connector: sandboxConnector, startSandbox, identities });
