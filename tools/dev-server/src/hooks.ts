/**
 * What the development launcher plugs into Kinko's main job: the sandbox banks as its
 * development banks, and a webhook policy for this machine — endpoints on loopback and private
 * networks allowed by default (a receiver beside the sandbox banks, e.g. http://127.0.0.1:8080/hook),
 * which the banner says. The operator's KINKO_WEBHOOKS still wins (`{"allowPrivateNetworks":0}`
 * refuses them); the app alone (`node apps/api/dist/main.js`, production) allows none by default.
 */
import type { KinkoHooks } from '@kinko/api';
import { startSandboxBanks } from './sandbox-banks';

export const DEVELOPMENT_HOOKS: KinkoHooks = {
  developmentBanks: startSandboxBanks,
  webhookDefaults: { allowPrivateNetworks: 1 },
};
