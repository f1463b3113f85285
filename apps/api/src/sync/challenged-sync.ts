import type { UserScope } from '../database/scoped-data';

/**
 * Who carries on when the bank challenges a sync's own login: the connector's session at
 * the bank had ended, its re-login was asked a question (security, OTP, CAPTCHA, puzzle),
 * and the engine holds no state to answer it with. The credentials flow (ChallengesModule)
 * provides it: it logs in again with the stored credentials, so that the bank's question
 * waits in its `suspended.*` status, answerable through the challenge API or the Link page
 * (and times out into the matching `auth.creds.*.invalid` like any other).
 */
export interface ChallengedSyncHandler {
  /**
   * Takes over a connection whose sync session has just ended on a challenge (its status
   * still the run's `running.*`). True when it did — the status is now the new login's:
   * a challenge waiting, a refusal's status, or access and a new sync — or when another
   * login already holds the connection; false when it cannot (no credentials are stored):
   * the engine then settles the status itself.
   */
  takeOverChallengedSync(scope: UserScope, connectionId: string): Promise<boolean>;
}

/** Injection token of the {@link ChallengedSyncHandler} (optional: absent without the credentials flow). */
export const CHALLENGED_SYNC_HANDLER = Symbol('ChallengedSyncHandler');
