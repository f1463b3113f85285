import { Global, Module } from '@nestjs/common';
import { CHALLENGED_SYNC_HANDLER } from '../sync/challenged-sync';
import { ChallengeSweeper } from './challenge-sweeper';
import { ChallengesController, CredentialConnectController } from './challenges.controller';
import { CredentialLoginService } from './credential-login.service';

/**
 * Credentials-flow connections and their challenges: the credential connect, answers
 * passed to the bank (never stored), re-entering credentials, and the sweeper that times
 * out unanswered challenges. Global: the sync engine hands it the syncs the bank challenged
 * ({@link CHALLENGED_SYNC_HANDLER}) without the sync module importing this one.
 */
@Global()
@Module({
  controllers: [CredentialConnectController, ChallengesController],
  providers: [CredentialLoginService, ChallengeSweeper, { provide: CHALLENGED_SYNC_HANDLER, useExisting: CredentialLoginService }],
  exports: [CredentialLoginService, ChallengeSweeper, CHALLENGED_SYNC_HANDLER],
})
export class ChallengesModule {}
