// The jest wrapper of the kit, run the way a connector package runs it: on two correct toy
// connectors (credential flow with an OTP challenge, and redirect flow with PKCE).
import { runConformanceSuite } from '../src/testkit';
import { toyConformanceConfig } from './fake-bank/sandbox';
import { toyConnector } from './fake-bank/toy-connector';

runConformanceSuite(toyConformanceConfig(toyConnector({ flow: 'credentials' })));

runConformanceSuite(toyConformanceConfig(toyConnector({ flow: 'redirect' })));
