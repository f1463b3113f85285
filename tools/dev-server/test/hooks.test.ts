import { describe, expect, it } from '@jest/globals';
import { DEVELOPMENT_HOOKS } from '../src/hooks';
import { startSandboxBanks } from '../src/sandbox-banks';

// What the launcher plugs into the main job. How the app lays the launcher's webhook defaults
// under the operator's KINKO_WEBHOOKS: apps/api src/config/settings.test.ts; the whole start
// through the launcher (the banner line, a loopback endpoint accepted, refused by the app
// alone): apps/api test/main-process.test.ts.
describe('the development launcher’s hooks', () => {
  it('plug in the sandbox banks', () => {
    expect(DEVELOPMENT_HOOKS.developmentBanks).toBe(startSandboxBanks);
  });

  it('allow webhook endpoints on loopback and private networks by default (a KINKO_WEBHOOKS default)', () => {
    expect(DEVELOPMENT_HOOKS.webhookDefaults).toEqual({ allowPrivateNetworks: 1 });
  });
});
